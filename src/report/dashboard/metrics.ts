/**
 * `/metrics` in the Prometheus text exposition format (0.0.4): the latest run of every configuration
 * as gauges, live runs' latest window, and the tool-timing store's totals as counters. Every family
 * has one HELP and one TYPE line with its samples together; label values are escaped.
 */
import type { RunResult } from '../../core/result.js';
import { PromExposition } from '../prom.js';
import type { LiveRun } from './live-hub.js';
import type { ToolTotals } from './tools-data.js';

type Labels = Array<[string, string]>;

/** Adds a sample whose name is its family's (gauges and counters); summaries need PromExposition.add. */
class Exposition extends PromExposition {
  sample(name: string, type: 'gauge' | 'counter', help: string, labels: Labels, value: number): void {
    this.add(name, type, help, name, labels, value);
  }
}

export interface MetricsInput {
  /** Latest run per configuration key. */
  latest: Array<{ configuration: string; suite: string; run: RunResult }>;
  live: LiveRun[];
  tools: ToolTotals[];
}

export function renderDashboardMetrics(input: MetricsInput): string {
  const out = new Exposition();
  for (const { configuration, suite, run } of input.latest) addLatest(out, configuration, suite, run);
  for (const run of input.live) addLive(out, run);
  for (const t of input.tools) {
    const ls: Labels = [['tool', t.tool], ['category', t.category]];
    out.sample('swarmperf_tool_calls_total', 'counter', 'Tool calls in the tool-timing store.', ls, t.count);
    out.sample('swarmperf_tool_call_errors_total', 'counter', 'Failed tool calls in the tool-timing store.', ls, t.errors);
    out.sample('swarmperf_tool_call_seconds_total', 'counter', 'Time spent in tool calls, seconds.', ls, t.totalUs / 1e6);
    out.sample('swarmperf_tool_call_max_seconds', 'gauge', 'Longest tool call, seconds.', ls, t.maxUs / 1e6);
  }
  return out.text();
}

function addLatest(out: Exposition, configuration: string, suiteName: string, run: RunResult): void {
  const suite = run.suites.find((s) => s.name === suiteName);
  if (!suite) return;
  const base: Labels = [['configuration', configuration], ['suite', suite.name], ['backend', suite.backend]];
  const started = Date.parse(run.startedAt);
  if (Number.isFinite(started)) out.sample('swarmperf_last_run_start_timestamp_seconds', 'gauge', 'Start of the latest run of this configuration, seconds since the epoch.', [...base, ['run_id', run.id]], started / 1000);
  out.sample('swarmperf_last_run_checks_failed', 'gauge', 'Invariant checks that failed in the latest run of this configuration.', base, suite.checks.filter((c) => !c.passed).length);
  for (const op of suite.operations) {
    const ls: Labels = [...base, ['operation', op.name]];
    out.sample('swarmperf_last_run_operation_throughput_ops_per_second', 'gauge', 'Operations per second in the latest run of this configuration.', ls, op.throughput);
    out.sample('swarmperf_last_run_operation_errors', 'gauge', 'Failed operations in the latest run of this configuration.', ls, op.errors);
    if (op.count === 0) continue;
    for (const [q, v] of [
      ['0.5', op.latencyUs.p50],
      ['0.99', op.latencyUs.p99],
      ['0.999', op.latencyUs.p999],
    ] as const) {
      out.sample('swarmperf_last_run_operation_latency_seconds', 'gauge', 'Latency quantiles of the latest run of this configuration, seconds.', [...ls, ['quantile', q]], v / 1e6);
    }
  }
}

function addLive(out: Exposition, run: LiveRun): void {
  const last = run.windows[run.windows.length - 1];
  const suite = run.start?.suite ?? last?.suite ?? '';
  out.sample('swarmperf_live_run_active', 'gauge', 'Whether a live run is still measuring (1) or has ended (0).', [['run_id', run.runId], ['suite', suite]], run.finished || run.stale ? 0 : 1);
  const totals = new Map<string, number>();
  for (const w of run.windows) for (const op of w.operations) totals.set(`${w.suite}\u0000${op.name}`, (totals.get(`${w.suite}\u0000${op.name}`) ?? 0) + op.count);
  for (const [key, count] of totals) {
    const [s, op] = key.split('\u0000') as [string, string];
    out.sample('swarmperf_live_operations_total', 'counter', 'Operations completed so far in a live run.', [['run_id', run.runId], ['suite', s], ['operation', op]], count);
  }
  if (!last) return;
  for (const op of last.operations) {
    const ls: Labels = [['run_id', run.runId], ['suite', last.suite], ['operation', op.name]];
    out.sample('swarmperf_live_operation_throughput_ops_per_second', 'gauge', 'Operations per second in the latest closed window of a live run.', ls, op.throughput);
    out.sample('swarmperf_live_operation_latency_p99_seconds', 'gauge', 'Latency p99 in the latest closed window of a live run, seconds.', ls, op.p99 / 1e6);
  }
}
