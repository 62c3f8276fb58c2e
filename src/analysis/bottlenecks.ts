/**
 * Bottleneck findings: a pure function from a RunResult to Finding[]. Each rule reads figures the
 * run already holds (operations, interval windows, resource samples), compares them with the one
 * threshold table (thresholds.ts), and says what it saw (the actual figures), where (suite/operation
 * or suite/process), and what to do about it. No I/O, no clock: the same run gives the same findings.
 */
import { linearSlope, mean } from '../measure/stats.js';
import type { Figure, Finding, OperationResult, ResourceSample, RunResult, SuiteResult } from '../core/result.js';
import { formatBytes, formatRate, formatUs } from '../core/units.js';
import { BOTTLENECK_THRESHOLDS as T, CONTENTION_PATTERN } from './thresholds.js';
import { dominantOperation, hostSaturation, isVirtualTime, lockWait, protocolFindings } from './causes.js';

type Severity = Finding['severity'];

export const FINDING_KINDS = [
  'cpu-saturation',
  'memory-growth',
  'event-loop-delay',
  'gc-pressure',
  'network-saturation',
  'latency-tail',
  'throughput-degradation',
  'open-loop-saturation',
  'lock-contention',
  'dropped-operations',
  'error-rate',
  'partial-run',
  'dominant-operation',
  'lock-wait',
  'host-saturation',
  'split-votes',
  'leader-churn',
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

const SEVERITY_ORDER: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

function level(value: number, t: { warning: number; critical: number }): Severity | undefined {
  if (value > t.critical) return 'critical';
  if (value > t.warning) return 'warning';
  return undefined;
}

/** For "lower is worse" ratios. */
function levelBelow(value: number, t: { warning: number; critical: number }): Severity | undefined {
  if (value < t.critical) return 'critical';
  if (value < t.warning) return 'warning';
  return undefined;
}

const pct = (share: number): string => `${(share * 100).toFixed(share < 0.1 ? 2 : 1)} %`;
const fixed = (v: number, d = 1): string => String(Number(v.toFixed(d)));

/** A finding; `extra` carries its typed figures, impact, operations, knob and command. */
function finding(kind: FindingKind, severity: Severity, component: string | undefined, evidence: string, recommendation: string, extra: Partial<Finding> = {}): Finding {
  const f: Finding = { kind, severity, evidence, recommendation };
  if (component !== undefined) f.component = component;
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) (f as Record<string, unknown>)[k] = v;
  return f;
}

const fig = (name: string, value: number, unit: string): Figure => ({ name, value, unit });

/**
 * All findings of a run, most severe first, then by impact (the share of time the cause explains),
 * then by kind and component: a stable order. Simulated (virtual-time) suites get protocol
 * findings only: the simulator's own CPU, event loop and GC say nothing about the system simulated.
 */
export function findBottlenecks(run: RunResult): Finding[] {
  const out: Finding[] = [];
  if (run.partial) {
    out.push(finding('partial-run', 'info', undefined, 'the run was interrupted; figures cover only what was measured before the stop', 'rerun to completion before comparing this run with others'));
  }
  for (const suite of run.suites) {
    if (isVirtualTime(run, suite)) {
      out.push(...protocolFindings(run, suite));
      for (const op of suite.operations) out.push(...operationFindings(suite, op, { degradation: false, contention: false }));
      continue;
    }
    const host = hostSaturation(run, suite);
    out.push(...resourceFindings(suite, run.env.cores), ...(host ? [host] : []));
    const lock = lockWait(run, suite);
    const dominant = dominantOperation(run, suite);
    out.push(...(lock ? [lock] : []), ...(dominant ? [dominant] : []));
    const perOp = suite.operations.flatMap((op) => operationFindings(suite, op, { degradation: true, contention: true }));
    out.push(...perOp);
    out.push(...suiteContentionFindings(suite));
    out.push(...protocolFindings(run, suite));
    out.push(...tailFindings(suite, [...out], host !== undefined));
  }
  const kindIndex = (k: string): number => {
    const i = (FINDING_KINDS as readonly string[]).indexOf(k);
    return i < 0 ? FINDING_KINDS.length : i;
  };
  return out
    .map((f, i) => ({ f, i }))
    .sort(
      (a, b) =>
        SEVERITY_ORDER[a.f.severity] - SEVERITY_ORDER[b.f.severity] ||
        (b.f.impact?.share ?? 0) - (a.f.impact?.share ?? 0) ||
        kindIndex(a.f.kind) - kindIndex(b.f.kind) ||
        a.i - b.i,
    )
    .map((x) => x.f);
}

/** Findings that concern one component (`suite`, `suite/operation`, or a prefix such as `tasks`). */
export function filterFindings(findings: readonly Finding[], component: string): Finding[] {
  return findings.filter((f) => f.component !== undefined && (f.component === component || f.component.startsWith(component + '/')));
}

// ─── resources ───────────────────────────────────────────────────────────────────────────────

function cpuOf(s: ResourceSample): number {
  return s.cpuUserPct + s.cpuSystemPct;
}

function resourceFindings(suite: SuiteResult, cores: number): Finding[] {
  const out: Finding[] = [];
  const samples = suite.resources.samples;
  const byLabel = new Map<string, ResourceSample[]>();
  for (const s of samples) {
    const list = byLabel.get(s.label);
    if (list) list.push(s);
    else byLabel.set(s.label, [s]);
  }

  // CPU per process: a Node process runs its JavaScript on one thread, so one core is its ceiling.
  for (const [label, list] of byLabel) {
    const cpus = list.map(cpuOf);
    const avg = mean(cpus);
    const sev = level(avg, T.processCpuPct);
    if (sev) {
      const peak = Math.max(...cpus);
      out.push(
        finding(
          'cpu-saturation',
          sev,
          `${suite.name}/${label}`,
          `process ${label} used ${fixed(avg)} % of one core on average (peak ${fixed(peak)} %) over ${list.length} samples; its event loop is CPU-bound`,
          label === 'main'
            ? 'the load generator itself is busy: run fewer agents in-process, move work to worker processes (--agents), or profile the hot path (node --cpu-prof) before trusting the latencies'
            : `worker ${label} is CPU-bound: profile it (node --cpu-prof), cut per-operation work (serialisation, hashing, logging), or spread the load over more agents`,
          { figures: [fig('cpuPctMean', avg, 'pct'), fig('cpuPctPeak', peak, 'pct'), fig('samples', list.length, 'count')], impact: { share: Math.min(1, avg / 100), of: 'wall-time' }, knob: label === 'main' ? '--agents (work in worker processes)' : 'per-operation work in the agent' },
        ),
      );
    }
  }

  // CPU of the whole host: all sampled processes at the same instant against the cores available.
  if (cores > 0 && samples.length > 0) {
    const byTime = new Map<number, number>();
    for (const s of samples) byTime.set(s.t, (byTime.get(s.t) ?? 0) + cpuOf(s));
    const hostShare = mean([...byTime.values()]) / cores;
    const sev = level(hostShare, T.hostCpuPct);
    if (sev) {
      out.push(
        finding(
          'cpu-saturation',
          sev,
          suite.name,
          `the sampled processes together used ${fixed(hostShare)} % of the host's ${cores} cores on average`,
          'the machine is the bottleneck, not the system under test: use fewer agents than cores, or run the load generator on another machine; latencies measured here include CPU queueing',
          { figures: [fig('processesCpuPctOfHost', hostShare, 'pct'), fig('cores', cores, 'count')], impact: { share: Math.min(1, hostShare / 100), of: 'host-cpu' }, knob: '--agents (fewer than cores)' },
        ),
      );
    }
  }

  for (const [label, all] of byLabel) {
    const list = all.slice(Math.floor(all.length / 2));
    if (list.length < T.memoryGrowthMinSamples) continue;
    const span = (list[list.length - 1] as ResourceSample).t - (list[0] as ResourceSample).t;
    if (span < T.memoryGrowthMinSpanMs) continue;
    const slope = linearSlope(list.map((s) => s.t / 1000), list.map((s) => s.rssBytes));
    const sev = slope * (span / 1000) >= T.memoryGrowthMinTotalBytes ? level(slope, T.memoryGrowthBytesPerSec) : undefined;
    if (sev) {
      const first = (list[0] as ResourceSample).rssBytes;
      const last = (list[list.length - 1] as ResourceSample).rssBytes;
      out.push(
        finding(
          'memory-growth',
          sev,
          `${suite.name}/${label}`,
          `resident memory of ${label} kept growing ${formatBytes(slope)}/s in the second half of the run (least-squares over ${list.length} samples, ${formatBytes(first)} → ${formatBytes(last)} in ${fixed(span / 1000)} s)`,
          'look for state that only grows (caches without bounds, listeners never removed, per-operation buffers kept): take two heap snapshots (node --heapsnapshot-signal) and diff them; run longer to see whether it levels off',
          { figures: [fig('growthBytesPerSec', slope, 'bytes/s'), fig('rssFirstBytes', first, 'bytes'), fig('rssLastBytes', last, 'bytes'), fig('spanUs', span * 1000, 'us')] },
        ),
      );
    }
  }

  const summary = suite.resources.summary;
  // The summary's event loop and GC are the main process's: they only touch latencies that
  // process measured. When the suite says its agents measured, main's loop is nobody's latency.
  const mainMeasured = suite.measuredBy === undefined || suite.measuredBy.includes('main');
  if (mainMeasured && summary?.eventLoopDelayP99Us !== undefined) {
    const eld = summary.eventLoopDelayP99Us;
    // A stall no measured operation shows (slowest operation shorter than the stall's p99) fell
    // outside the measurement (start-up, checks at the end, a process that measured nothing).
    const slowest = suite.operations.reduce((m, o) => Math.max(m, o.count > 0 ? o.latencyUs.max : 0), 0);
    const unseen = suite.operations.length > 0 && eld > slowest;
    const raw = level(eld, T.eventLoopDelayP99Us);
    const sev: Severity | undefined = raw && unseen ? 'info' : raw;
    if (sev) {
      out.push(
        finding(
          'event-loop-delay',
          sev,
          `${suite.name}/main`,
          unseen
            ? `event-loop delay p99 ${formatUs(eld)}${summary.eventLoopDelayMaxUs !== undefined ? `, max ${formatUs(summary.eventLoopDelayMaxUs)}` : ''} (sampler resolution 10ms), but no measured operation waited that long (slowest ${formatUs(slowest)}): the stalls fell outside the measured operations`
            : `event-loop delay p99 ${formatUs(eld)}${summary.eventLoopDelayMaxUs !== undefined ? `, max ${formatUs(summary.eventLoopDelayMaxUs)}` : ''} (sampler resolution 10ms): callbacks wait this long before they run, and every latency measured in this process includes it`,
          'find the synchronous work blocking the loop (large JSON.parse/stringify, sync fs or crypto, long loops): profile with node --cpu-prof, move it to a worker thread, or split it into chunks',
          { figures: [fig('eventLoopDelayP99Us', eld, 'us'), ...(summary.eventLoopDelayMaxUs !== undefined ? [fig('eventLoopDelayMaxUs', summary.eventLoopDelayMaxUs, 'us')] : []), fig('slowestOperationUs', slowest, 'us')] },
        ),
      );
    }
  }
  if (mainMeasured && summary?.gcTimeShare !== undefined) {
    const sev = level(summary.gcTimeShare, T.gcTimeShare);
    if (sev) {
      const kinds = gcByKind(byLabel.get('main') ?? []);
      out.push(
        finding(
          'gc-pressure',
          sev,
          `${suite.name}/main`,
          `garbage collection paused the process ${pct(summary.gcTimeShare)} of the wall time${kinds ? ` (${kinds})` : ''}`,
          'allocate less per operation (reuse buffers, avoid intermediate arrays and string concatenation), or give V8 a larger young generation (--max-semi-space-size=64) if minor GCs dominate',
          { figures: [fig('gcTimeShare', summary.gcTimeShare, 'ratio')], impact: { share: summary.gcTimeShare, of: 'wall-time' }, knob: 'allocation per operation; --max-semi-space-size' },
        ),
      );
    }
  }
  const rx = summary?.netRxBytesPerSec;
  const tx = summary?.netTxBytesPerSec;
  if (rx !== undefined || tx !== undefined) {
    const total = (rx ?? 0) + (tx ?? 0);
    const sev = level(total, T.networkBytesPerSec);
    if (sev) {
      out.push(
        finding(
          'network-saturation',
          sev,
          suite.name,
          `network traffic ${formatBytes(total)}/s (received ${formatBytes(rx ?? 0)}/s, sent ${formatBytes(tx ?? 0)}/s, host-wide, loopback counted both ways)`,
          'messages are large or chatty: batch small messages, compress or trim payloads, and check the bandwidth of the link the backend uses',
          { figures: [fig('networkBytesPerSec', total, 'bytes/s'), fig('rxBytesPerSec', rx ?? 0, 'bytes/s'), fig('txBytesPerSec', tx ?? 0, 'bytes/s')], knob: 'batching, smaller payloads' },
        ),
      );
    }
  }
  return out;
}

function gcByKind(samples: readonly ResourceSample[]): string {
  const totals = new Map<string, number>();
  for (const s of samples) for (const [k, v] of Object.entries(s.gcPauseMs ?? {})) totals.set(k, (totals.get(k) ?? 0) + v);
  return [...totals.entries()]
    .filter(([, v]) => v > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${fixed(v)} ms`)
    .join(', ');
}

// ─── operations ──────────────────────────────────────────────────────────────────────────────

/**
 * `contention`: whether retries mean agents fighting over a lock. In a protocol simulation they are
 * client retries after a leader change or a timeout, which the protocol findings (leader churn,
 * split votes) explain; calling them lock contention would send the reader to the wrong knob.
 */
function operationFindings(suite: SuiteResult, op: OperationResult, options: { degradation: boolean; contention: boolean }): Finding[] {
  const out: Finding[] = [];
  const component = `${suite.name}/${op.name}`;
  const l = op.latencyUs;

  if (options.degradation) out.push(...degradationFindings(suite, op, component));

  if (op.serviceTimeUs && op.count > 0) {
    const s = op.serviceTimeUs;
    const ratio = s.p99 > 0 ? l.p99 / s.p99 : Infinity;
    const excess = l.p99 - s.p99;
    const raw = excess >= T.openLoopMinExcessUs ? level(ratio, T.openLoopRatio) : undefined;
    // The generator starts operations on its own event loop: when that loop stalled as long as the
    // queueing, the operations may have started late because the generator was late, not because
    // the system was saturated. Then this is a warning pointing at the stall, not a verdict.
    const generatorStall = generatorStallUs(suite);
    const ownStall = generatorStall !== undefined && generatorStall >= excess;
    const sev: Severity | undefined = raw === 'critical' && ownStall ? 'warning' : raw;
    if (sev) {
      out.push(
        finding(
          'open-loop-saturation',
          sev,
          component,
          ownStall
            ? `latency p99 from the intended start ${formatUs(l.p99)} is ${Number.isFinite(ratio) ? `${fixed(ratio)}×` : 'far above'} the service-time p99 ${formatUs(s.p99)}: operations queued ${formatUs(excess)} before they started, but the load generator's own event loop stalled up to ${formatUs(generatorStall)}: it may have started them late itself`
            : `latency p99 from the intended start ${formatUs(l.p99)} is ${Number.isFinite(ratio) ? `${fixed(ratio)}×` : 'far above'} the service-time p99 ${formatUs(s.p99)}: operations queued ${formatUs(excess)} before they started, so the offered rate exceeds what the system sustains`,
          ownStall
            ? 'rerun on a quieter machine or at a lower rate; if the queueing stays while the event loop is quiet, the offered rate exceeds what the system sustains (`swarmperf stress` finds the max sustainable rate)'
            : 'lower the arrival rate below the max sustainable rate (`swarmperf stress` finds it), or add capacity (agents, connections, a faster backend); service time alone hides this queueing',
          {
            figures: [fig('latencyP99Us', l.p99, 'us'), fig('serviceP99Us', s.p99, 'us'), fig('queueingP99Us', excess, 'us')],
            impact: { share: l.p99 > 0 ? Math.min(1, excess / l.p99) : 0, of: 'p99' },
            operations: [op.name],
            knob: '--rate (below the max sustainable rate that `swarmperf stress` finds)',
          },
        ),
      );
    }
  }

  const contention = contentionOf(op);
  if (options.contention && contention.total > 0) {
    const share = contention.total / Math.max(1, op.count);
    const sev: Severity = level(share, T.contentionShare) ?? 'info';
    out.push(
      finding(
        'lock-contention',
        sev,
        component,
        `${contention.parts.join(', ')} over ${op.count} operations (${pct(share)})`,
        'agents fight over the same rows or the same lock: shorten transactions, use BEGIN IMMEDIATE with a busy_timeout for SQLite, claim with a single conditional UPDATE, or spread work over more keys/partitions',
        {
          figures: [fig('contentionPerOperation', share, 'ratio'), fig('lockErrors', contention.lockErrors, 'count'), fig('retries', op.retries ?? 0, 'count'), fig('operations', op.count, 'count')],
          operations: [op.name],
          knob: suite.backend.startsWith('sqlite') ? 'sqlite?busyWait=spin, fewer agents' : 'fewer agents, more keys/partitions',
        },
      ),
    );
  }

  if (op.dropped > 0) {
    const share = op.dropped / (op.count + op.dropped);
    const sev: Severity = share > T.droppedShare.critical ? 'critical' : 'warning';
    out.push(
      finding(
        'dropped-operations',
        sev,
        component,
        `${op.dropped} operations could not start on time and were dropped (${pct(share)} of ${op.count + op.dropped} planned)`,
        'the load generator ran out of concurrency: raise the open-loop in-flight limit or lower the arrival rate; dropped operations are load the system never saw',
        { figures: [fig('dropped', op.dropped, 'count'), fig('droppedShare', share, 'ratio')], operations: [op.name], knob: '--max-in-flight or --rate' },
      ),
    );
  }

  const otherErrors = op.errors - contention.lockErrors;
  if (otherErrors > 0 && op.count > 0) {
    const share = otherErrors / op.count;
    const sev = level(share, T.errorShare);
    if (sev) {
      const reasons = Object.entries(op.errorReasons ?? {})
        .filter(([r]) => !CONTENTION_PATTERN.test(r))
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3)
        .map(([r, n]) => `${r} ×${n}`)
        .join(', ');
      out.push(
        finding(
          'error-rate',
          sev,
          component,
          `${otherErrors} of ${op.count} operations failed (${pct(share)})${reasons ? `: ${reasons}` : ''}`,
          'latency of failing operations is not the latency of the work: fix the errors first (their reasons are listed), then measure again',
          { figures: [fig('errors', otherErrors, 'count'), fig('errorShare', share, 'ratio'), fig('operations', op.count, 'count')], operations: [op.name] },
        ),
      );
    }
  }
  return out;
}

/** Longest event-loop stall of the process that generated the load (main, unless agents measured). */
function generatorStallUs(suite: SuiteResult): number | undefined {
  if (suite.measuredBy !== undefined && !suite.measuredBy.includes('main')) return undefined;
  return suite.resources.summary?.eventLoopDelayMaxUs;
}

function contentionOf(op: OperationResult): { total: number; lockErrors: number; parts: string[] } {
  const parts: string[] = [];
  let lockErrors = 0;
  for (const [reason, n] of Object.entries(op.errorReasons ?? {}).sort((a, b) => b[1] - a[1])) {
    if (!CONTENTION_PATTERN.test(reason) || n <= 0) continue;
    lockErrors += n;
    parts.push(`${n} ${reason} errors`);
  }
  const retries = op.retries ?? 0;
  if (retries > 0) parts.push(`${retries} retries (busy or claim conflicts)`);
  return { total: lockErrors + retries, lockErrors, parts };
}

/** Suite-level counters named like contention (e.g. metrics.claimConflicts) that no operation reported. */
function suiteContentionFindings(suite: SuiteResult): Finding[] {
  if (!suite.metrics) return [];
  const totalOps = suite.operations.reduce((a, o) => a + o.count, 0);
  const out: Finding[] = [];
  for (const [name, value] of Object.entries(suite.metrics)) {
    if (!/conflict|busy|locked|contention/i.test(name) || !(value > 0) || !Number.isInteger(value)) continue;
    const share = totalOps > 0 ? value / totalOps : 0;
    const sev: Severity = level(share, T.contentionShare) ?? 'info';
    out.push(
      finding(
        'lock-contention',
        sev,
        suite.name,
        `suite counter ${name} = ${value}${totalOps > 0 ? ` over ${totalOps} operations (${pct(share)})` : ''}`,
        'agents fight over the same rows or the same lock: shorten transactions, claim with a single conditional UPDATE, or spread work over more keys/partitions',
      ),
    );
  }
  return out;
}

function degradationFindings(suite: SuiteResult, op: OperationResult, component: string): Finding[] {
  const s = op.stress;
  if (s && s.sustainableThroughput !== undefined && s.optimalThroughput !== undefined && s.optimalThroughput > 0) {
    const ratio = s.sustainableThroughput / s.optimalThroughput;
    const sev = levelBelow(ratio, T.sustainableRatio);
    if (!sev) return [];
    return [
      finding(
        'throughput-degradation',
        sev,
        component,
        `sustainable throughput ${formatRate(s.sustainableThroughput)} (at ${formatRate(s.maxSustainableRate)} offered) is ${fixed(ratio, 2)}× the best reached ${formatRate(s.optimalThroughput)}${s.knee !== null ? `; latency bends at ${formatRate(s.knee)}` : ''}`,
        'past the knee the system does more work per operation (retries, lock waits, queue growth): keep the load under the knee, and look at the contention and latency-tail findings for the cause',
      ),
    ];
  }
  // An open-loop run (it has service times) offers a fixed rate: a window above it is catch-up
  // after a stall, not capacity, so falling back to the offered rate is no degradation. Stalls
  // there show as open-loop saturation and latency findings instead.
  if (op.serviceTimeUs) return [];
  // From the interval windows: how the end of the run compares with its best window.
  // The last window is usually cut short by the end of the run; too short a window is noise.
  const windows = suite.intervals.filter((w) => w.operation === op.name);
  const longest = windows.reduce((m, w) => Math.max(m, w.durationUs), 0);
  const full = windows.filter((w) => w.durationUs >= 0.5 * longest);
  if (full.length < T.degradationMinWindows) return [];
  const best = Math.max(...full.map((w) => w.throughput));
  if (!(best > 0)) return [];
  const tail = full.slice(full.length - Math.max(1, Math.floor(full.length / 3)));
  const sustained = mean(tail.map((w) => w.throughput));
  const ratio = sustained / best;
  const sev = levelBelow(ratio, T.sustainableRatio);
  if (!sev) return [];
  return [
    finding(
      'throughput-degradation',
      sev,
      component,
      `throughput over the last ${tail.length} of ${full.length} intervals averaged ${formatRate(sustained)}, ${fixed(ratio, 2)}× the best interval ${formatRate(best)}`,
      'throughput falls as the run goes on: look for growing state (tables without indexes, queues, memory growth), compaction or checkpoints; run longer to see where it settles',
    ),
  ];
}

// ─── tails ───────────────────────────────────────────────────────────────────────────────────

/** Kinds that explain an operation's tail when they touch the operation (or its whole suite). */
const OP_CAUSES = new Set(['lock-contention', 'lock-wait', 'open-loop-saturation', 'error-rate', 'dropped-operations']);
const SUITE_CAUSES = new Set(['host-saturation', 'gc-pressure', 'event-loop-delay', 'cpu-saturation', 'lock-contention']);

function causesOf(suite: SuiteResult, op: string, findings: readonly Finding[]): string[] {
  const kinds = new Set<string>();
  for (const f of findings) {
    const touchesOp = f.component === `${suite.name}/${op}` || (f.component === suite.name && f.operations?.includes(op) === true);
    const touchesSuite = f.component === suite.name || f.component?.startsWith(`${suite.name}/`) === true;
    if ((OP_CAUSES.has(f.kind) && touchesOp) || (SUITE_CAUSES.has(f.kind) && touchesSuite && f.kind !== 'lock-contention') || (f.kind === 'lock-contention' && touchesOp)) kinds.add(f.kind);
  }
  return [...kinds].sort();
}

/** What was looked at and found innocent, so an unexplained tail says where not to look. */
function ruledOut(suite: SuiteResult, hostSampled: boolean): string {
  const s = suite.resources.summary;
  const parts = [
    'lock waits and retries (none counted)',
    s?.gcTimeShare !== undefined ? `GC (${pct(s.gcTimeShare)} of wall time)` : 'GC (not sampled)',
    s?.eventLoopDelayP99Us !== undefined ? `event-loop delay (p99 ${formatUs(s.eventLoopDelayP99Us)})` : 'event-loop delay (not sampled)',
    hostSampled ? 'host CPU (not saturated)' : suite.resources.host ? 'host CPU (not saturated)' : 'host CPU (not sampled)',
  ];
  return parts.join(', ');
}

/**
 * Latency tails, once per suite: each operation whose p99 is far above its p50 AND above an
 * absolute floor (a 15 µs p99 is never a problem by itself), with the cause that explains it
 * (a finding above about the same operation or suite) or, if none, "unexplained" with what was
 * ruled out. Under the critical floor, or explained only by information, it is at most a warning;
 * unexplained, it is information unless it is long in absolute terms too.
 */
function tailFindings(suite: SuiteResult, findings: readonly Finding[], hostSaturated: boolean): Finding[] {
  const tails = suite.operations
    .filter((op) => op.count >= T.tailMinCount && op.latencyUs.p50 > 0 && op.latencyUs.p99 >= T.tailFloorUs)
    .map((op) => {
      const ratio = op.latencyUs.p99 / op.latencyUs.p50;
      const causes = causesOf(suite, op.name, findings);
      let sev = level(ratio, T.tailRatio);
      // A tail is only as alarming as what explains it: unexplained, explained by information
      // only, or under the critical floor, it is at most a warning.
      // Critical needs a critical cause, or a warning-level cause measured on this very operation
      // (its lock errors, its queueing); process-wide pressure (GC, event loop) alone caps it at warning.
      const inSuite = (f: Finding): boolean => f.component === suite.name || f.component?.startsWith(`${suite.name}/`) === true;
      const onOp = (f: Finding): boolean => f.component === `${suite.name}/${op.name}` || f.operations?.includes(op.name) === true;
      // An open-loop tail IS the queueing (latency counts from the intended start): never above it.
      const serious = findings.some((f) => causes.includes(f.kind) && inSuite(f) && (f.severity === 'critical' || (f.severity === 'warning' && onOp(f) && f.kind !== 'open-loop-saturation')));
      if (sev === 'critical' && (!serious || op.latencyUs.p99 < T.tailCriticalFloorUs)) sev = 'warning';
      // Unexplained, it is information unless it is long in absolute terms too: a healthy run is quiet.
      if (causes.length === 0 && sev !== undefined) sev = op.latencyUs.p99 >= T.tailCriticalFloorUs && ratio > T.tailRatio.critical ? 'warning' : 'info';
      return { op, ratio, causes, sev };
    })
    .filter((t): t is { op: OperationResult; ratio: number; causes: string[]; sev: Severity } => t.sev !== undefined);
  if (tails.length === 0) return [];
  const worst: Severity = tails.some((t) => t.sev === 'critical') ? 'critical' : tails.some((t) => t.sev === 'warning') ? 'warning' : 'info';
  const explain = (causes: string[]): string => (causes.length > 0 ? `explained by ${causes.join(', ')}` : `unexplained tail; ruled out: ${ruledOut(suite, hostSaturated)}`);
  const describeOne = (t: (typeof tails)[number]): string => `p99 ${formatUs(t.op.latencyUs.p99)} is ${fixed(t.ratio)}× p50 ${formatUs(t.op.latencyUs.p50)}`;
  const first = tails[0] as (typeof tails)[number];
  const evidence =
    tails.length === 1
      ? `${describeOne(first)} (p99.9 ${formatUs(first.op.latencyUs.p999)}, max ${formatUs(first.op.latencyUs.max)}, ${first.op.count} operations); ${explain(first.causes)}`
      : `${tails.length} operations have long tails: ${tails.map((t) => `${t.op.name} ${describeOne(t)} (${explain(t.causes)})`).join('; ')}`;
  const f = finding(
    'latency-tail',
    worst,
    tails.length === 1 ? `${suite.name}/${first.op.name}` : suite.name,
    evidence,
    tails.every((t) => t.causes.length > 0)
      ? 'fix the cause named above first; the tail should shrink with it'
      : 'a few operations wait far longer than the typical one and no measured cause explains it: compare the per-interval p99 to see whether the tail comes in bursts (pauses, fsync, another process), and record lock-wait and queueing time where the backend allows',
  );
  f.operations = tails.map((t) => t.op.name);
  f.figures = tails.flatMap((t) => [
    { name: `${t.op.name}.p99Us`, value: t.op.latencyUs.p99, unit: 'us' },
    { name: `${t.op.name}.p99OverP50`, value: t.ratio, unit: 'none' },
  ]);
  return [f];
}
