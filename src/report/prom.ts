/**
 * Prometheus text exposition (format 0.0.4) of one run, for a node_exporter textfile collector or
 * a Pushgateway. Each family has one HELP and one TYPE line and all its samples together; label
 * values escape backslash, double quote and line feed. Latency is a summary in seconds (base
 * units, as Prometheus expects); the metric set follows results/metrics.ts.
 */
import { extractMetrics, type MetricValue } from '../results/metrics.js';
import type { OperationResult, RunResult } from '../core/result.js';
import { escapePromHelp, escapePromLabel } from './escape.js';

export type PromType = 'gauge' | 'counter' | 'summary';

interface Family {
  name: string;
  type: PromType;
  help: string;
  samples: string[];
}

/**
 * An exposition being built: each family gets one HELP and one TYPE line with all its samples
 * together, in the order families first appear, whatever order the samples are added in.
 */
export class PromExposition {
  private readonly families = new Map<string, Family>();

  add(name: string, type: PromType, help: string, sampleName: string, ls: Array<[string, string]>, value: number): void {
    let f = this.families.get(name);
    if (!f) {
      f = { name, type, help, samples: [] };
      this.families.set(name, f);
    }
    f.samples.push(`${sampleName}${labels(ls)} ${promNumber(value)}`);
  }

  text(): string {
    const lines: string[] = [];
    for (const f of this.families.values()) lines.push(`# HELP ${f.name} ${escapePromHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`, ...f.samples);
    return lines.join('\n') + '\n';
  }
}

const QUANTILES: Record<string, string> = { p50: '0.5', p90: '0.9', p95: '0.95', p99: '0.99', p999: '0.999' };

/** Operation stats other than the latency quantiles: family name, help, and scale from the stored unit. */
const OPERATION_GAUGES: Record<string, { name: string; help: string; scale?: number }> = {
  max: { name: 'swarmperf_operation_latency_max_seconds', help: 'Maximum latency of the operation in the measured window.', scale: 1e-6 },
  throughput: { name: 'swarmperf_operation_throughput_ops_per_second', help: 'Completed operations per second over the measured window.' },
  errors: { name: 'swarmperf_operation_errors', help: 'Failed operations in the measured window.' },
  errorRate: { name: 'swarmperf_operation_error_ratio', help: 'Failed / completed operations.' },
  dropped: { name: 'swarmperf_operation_dropped', help: 'Operations an open-loop generator could not start on time.' },
  maxSustainableRate: { name: 'swarmperf_operation_max_sustainable_rate_ops_per_second', help: 'Highest arrival rate meeting the SLO (stress search).' },
};

const RESOURCE_GAUGES: Record<string, { name: string; help: string; scale?: number }> = {
  cpuPctMean: { name: 'swarmperf_suite_cpu_percent_mean', help: 'Mean CPU use of the sampled processes (percent of one core, summed).' },
  rssMaxBytes: { name: 'swarmperf_suite_rss_max_bytes', help: 'Peak resident memory of a sampled process.' },
  memoryGrowthBytesPerSec: { name: 'swarmperf_suite_memory_growth_bytes_per_second', help: 'Least-squares growth of resident memory.' },
  eventLoopDelayP99Us: { name: 'swarmperf_suite_event_loop_delay_p99_seconds', help: 'Event-loop delay p99 of the main process.', scale: 1e-6 },
};

export function promNumber(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function labels(pairs: Array<[string, string]>): string {
  return pairs.length === 0 ? '' : `{${pairs.map(([k, v]) => `${k}="${escapePromLabel(v)}"`).join(',')}}`;
}

export function renderProm(run: RunResult): string {
  const exposition = new PromExposition();
  const add = exposition.add.bind(exposition);

  const info: Array<[string, string]> = [['run_id', run.id], ['partial', String(run.partial)]];
  if (run.env.gitSha) info.push(['git_sha', run.env.gitSha]);
  if (run.env.gitBranch) info.push(['git_branch', run.env.gitBranch]);
  info.push(['swarmperf_version', run.env.swarmperfVersion]);
  add('swarmperf_run_info', 'gauge', 'The run these figures come from (value is always 1).', 'swarmperf_run_info', info, 1);
  const started = Date.parse(run.startedAt);
  if (Number.isFinite(started)) add('swarmperf_run_start_timestamp_seconds', 'gauge', 'When the run started, seconds since the epoch.', 'swarmperf_run_start_timestamp_seconds', [], started / 1000);

  const backends = new Map(run.suites.map((s) => [s.name, s.backend]));
  const ops = new Map<string, OperationResult>(run.suites.flatMap((s) => s.operations.map((o): [string, OperationResult] => [`${s.name}\u0000${o.name}`, o])));
  const latencyName = 'swarmperf_operation_latency_seconds';
  const latencyHelp = 'Operation latency (open loop: from the intended start), from the HdrHistogram of the run.';
  const byOperation = new Map<string, MetricValue[]>();
  for (const m of extractMetrics(run)) {
    const key = `${m.suite}\u0000${m.operation ?? ''}`;
    const list = byOperation.get(key);
    if (list) list.push(m);
    else byOperation.set(key, [m]);
  }
  for (const [key, metrics] of byOperation) {
    const first = metrics[0] as MetricValue;
    const base: Array<[string, string]> = [['suite', first.suite], ['backend', backends.get(first.suite) ?? '']];
    if (first.operation === undefined) {
      for (const m of metrics) add('swarmperf_suite_metric', 'gauge', 'Suite-level figures, by name.', 'swarmperf_suite_metric', [...base, ['name', m.stat]], m.value);
      continue;
    }
    const op = ops.get(key);
    if (first.operation === 'resources' && !op) {
      for (const m of metrics) {
        const g = RESOURCE_GAUGES[m.stat];
        if (g) add(g.name, 'gauge', g.help, g.name, base, m.value * (g.scale ?? 1));
      }
      continue;
    }
    const ls: Array<[string, string]> = [...base, ['operation', first.operation]];
    for (const m of metrics) {
      const q = QUANTILES[m.stat];
      if (q) add(latencyName, 'summary', latencyHelp, latencyName, [...ls, ['quantile', q]], m.value / 1e6);
    }
    if (op && op.count > 0) {
      add(latencyName, 'summary', latencyHelp, `${latencyName}_sum`, ls, (op.latencyUs.mean * op.count) / 1e6);
      add(latencyName, 'summary', latencyHelp, `${latencyName}_count`, ls, op.count);
    }
    for (const m of metrics) {
      const g = OPERATION_GAUGES[m.stat];
      if (g) add(g.name, 'gauge', g.help, g.name, ls, m.value * (g.scale ?? 1));
    }
  }

  for (const s of run.suites) {
    const failed = s.checks.filter((c) => !c.passed).length;
    add('swarmperf_suite_checks_failed', 'gauge', 'Invariant checks that failed in the suite (0 means the results can be trusted).', 'swarmperf_suite_checks_failed', [['suite', s.name], ['backend', s.backend]], failed);
  }
  const counts = new Map<string, number>();
  for (const f of run.findings ?? []) counts.set(`${f.kind}\u0000${f.severity}`, (counts.get(`${f.kind}\u0000${f.severity}`) ?? 0) + 1);
  for (const [k, n] of counts) {
    const [kind, severity] = k.split('\u0000') as [string, string];
    add('swarmperf_findings', 'gauge', 'Bottleneck findings of the run, by kind and severity.', 'swarmperf_findings', [['kind', kind], ['severity', severity]], n);
  }

  return exposition.text();
}
