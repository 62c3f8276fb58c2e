/**
 * THE one place that names metrics. A metric is `suite.operation.stat` (e.g. `tasks.claim.p99`)
 * for per-operation figures, or `suite.name` for suite-level figures (e.g. `bus.messagesPerOp`).
 * Every consumer (history index, compare, trends, anomalies, alerts, renderers) extracts metrics
 * from a RunResult through extractMetrics() and learns unit and direction from metricInfo(), so a
 * figure is called the same thing and judged the same way everywhere.
 */
import type { OperationResult, RunResult } from '../core/result.js';
import { formatBytes, formatCount, formatRate, formatUs } from '../core/units.js';
import { compileDottedGlob } from '../targets/glob.js';

/**
 * Units, as stored: time is integer µs inside the program; ratios are fractions (0..1);
 * percentages (CPU) are 0..100 as the resource sampler records them.
 */
export type MetricUnit = 'us' | 'ops/s' | 'count' | 'ratio' | 'pct' | 'bytes' | 'bytes/s' | 'none';
export type Direction = 'smaller' | 'bigger';

export interface MetricInfo {
  unit: MetricUnit;
  /** Which way is better: 'smaller' for latency and errors, 'bigger' for throughput. */
  direction: Direction;
  description: string;
}

/** Per-operation statistics, in the order tables list them. */
export const OPERATION_STATS = {
  p50: { unit: 'us', direction: 'smaller', description: 'median latency' },
  p90: { unit: 'us', direction: 'smaller', description: '90th percentile latency' },
  p95: { unit: 'us', direction: 'smaller', description: '95th percentile latency' },
  p99: { unit: 'us', direction: 'smaller', description: '99th percentile latency' },
  p999: { unit: 'us', direction: 'smaller', description: '99.9th percentile latency' },
  max: { unit: 'us', direction: 'smaller', description: 'maximum latency' },
  mean: { unit: 'us', direction: 'smaller', description: 'mean latency' },
  throughput: { unit: 'ops/s', direction: 'bigger', description: 'completed operations per second' },
  errors: { unit: 'count', direction: 'smaller', description: 'failed operations' },
  errorRate: { unit: 'ratio', direction: 'smaller', description: 'failed / completed operations' },
  dropped: { unit: 'count', direction: 'smaller', description: 'operations not started on time (open loop)' },
  maxSustainableRate: { unit: 'ops/s', direction: 'bigger', description: 'highest arrival rate meeting the SLO (stress)' },
} as const satisfies Record<string, MetricInfo>;
export type OperationStat = keyof typeof OPERATION_STATS;

/** Resource figures of a suite, named `suite.resources.<name>`. */
export const RESOURCE_STATS = {
  cpuPctMean: { unit: 'pct', direction: 'smaller', description: 'mean CPU use' },
  rssMaxBytes: { unit: 'bytes', direction: 'smaller', description: 'peak resident memory' },
  memoryGrowthBytesPerSec: { unit: 'bytes/s', direction: 'smaller', description: 'RSS growth rate' },
  eventLoopDelayP99Us: { unit: 'us', direction: 'smaller', description: 'event-loop delay p99' },
} as const satisfies Record<string, MetricInfo>;

const RESOURCES = 'resources';

/** Declared suite-level metrics (`suite.name`), so suites can say which way is better. */
const declaredSuiteMetrics = new Map<string, MetricInfo>();

/** Lets a suite declare the unit and direction of one of its suite-level metrics. */
export function declareSuiteMetric(suite: string, name: string, info: MetricInfo): void {
  declaredSuiteMetrics.set(`${suite}.${name}`, info);
}

export interface MetricValue {
  /** Full name, e.g. `tasks.claim.p99`. */
  name: string;
  suite: string;
  /** Operation name; undefined for suite-level metrics. */
  operation?: string;
  /** The stat (`p99`) or the suite-level metric's own name (`messagesPerOp`). */
  stat: string;
  value: number;
  unit: MetricUnit;
  direction: Direction;
}

export interface ParsedMetricName {
  suite: string;
  operation?: string;
  stat: string;
}

/**
 * Splits a metric name. The first segment is the suite and the last the stat; whatever lies
 * between is the operation (operation names may contain dots). Two segments are a suite metric.
 */
export function parseMetricName(name: string): ParsedMetricName | undefined {
  const parts = name.split('.');
  if (parts.length < 2 || parts.some((p) => p === '')) return undefined;
  const suite = parts[0] as string;
  const stat = parts[parts.length - 1] as string;
  if (parts.length === 2) return { suite, stat };
  return { suite, operation: parts.slice(1, -1).join('.'), stat };
}

/**
 * Unit and direction of a metric by name. Suite-level metrics not declared by their suite are
 * guessed from the name (rates and successes bigger-is-better, everything else smaller).
 */
export function metricInfo(name: string): MetricInfo {
  const parsed = parseMetricName(name);
  if (parsed?.operation !== undefined) {
    if (parsed.operation === RESOURCES && parsed.stat in RESOURCE_STATS) return RESOURCE_STATS[parsed.stat as keyof typeof RESOURCE_STATS];
    if (parsed.stat in OPERATION_STATS) return OPERATION_STATS[parsed.stat as OperationStat];
  }
  // A sweep member (consensus.raft[nodes=5]) has the metrics its suite declared.
  const declared = declaredSuiteMetrics.get(name) ?? declaredSuiteMetrics.get(name.replace(/\[[^\]]*\]/, ''));
  if (declared) return declared;
  const stat = parsed?.stat ?? name;
  const bigger = /(throughput|persec|ops|success|rate|hit|speedup|goodput)/i.test(stat) && !/(error|fail|drop|miss|conflict|retr)/i.test(stat);
  const unit: MetricUnit = /Us$/.test(stat) ? 'us' : /Bytes$/.test(stat) ? 'bytes' : 'none';
  return { unit, direction: bigger ? 'bigger' : 'smaller', description: 'suite metric' };
}

function opMetrics(op: OperationResult): Array<[string, number]> {
  const l = op.latencyUs;
  const out: Array<[string, number]> = [];
  // Latency figures mean nothing for an operation that completed nothing.
  if (op.count > 0) {
    out.push(['p50', l.p50], ['p90', l.p90], ['p95', l.p95], ['p99', l.p99], ['p999', l.p999], ['max', l.max], ['mean', l.mean]);
  }
  out.push(['throughput', op.throughput], ['errors', op.errors], ['errorRate', op.count > 0 ? op.errors / op.count : 0], ['dropped', op.dropped]);
  if (op.stress) out.push(['maxSustainableRate', op.stress.maxSustainableRate]);
  return out;
}

/** Every metric of a run, in a stable order (suite, operation, stat). Non-finite values are left out. */
export function extractMetrics(run: RunResult): MetricValue[] {
  const out: MetricValue[] = [];
  const push = (suite: string, operation: string | undefined, stat: string, value: number): void => {
    if (!Number.isFinite(value)) return;
    const name = operation === undefined ? `${suite}.${stat}` : `${suite}.${operation}.${stat}`;
    const info = metricInfo(name);
    const m: MetricValue = { name, suite, stat, value, unit: info.unit, direction: info.direction };
    if (operation !== undefined) m.operation = operation;
    out.push(m);
  };
  for (const suite of run.suites) {
    for (const op of suite.operations) for (const [stat, v] of opMetrics(op)) push(suite.name, op.name, stat, v);
    for (const [k, v] of Object.entries(suite.metrics ?? {})) push(suite.name, undefined, k, v);
    const r = suite.resources.summary;
    if (r) {
      for (const k of Object.keys(RESOURCE_STATS) as Array<keyof typeof RESOURCE_STATS>) {
        const v = r[k];
        if (typeof v === 'number') push(suite.name, RESOURCES, k, v);
      }
    }
  }
  return out;
}

/** One metric's value in a run, or undefined when the run does not have it. */
export function metricValue(run: RunResult, name: string): number | undefined {
  return extractMetrics(run).find((m) => m.name === name)?.value;
}

/**
 * Matches metric names against a pattern: exact, or a glob where `*` stands for any run of
 * characters within one dot-separated segment and `**` for any number of segments.
 */
export function metricMatcher(pattern: string): (name: string) => boolean {
  // The shared linear-time glob engine: a backtracking RegExp here was exponential in the stars.
  return compileDottedGlob(pattern);
}

/** A value in its metric's unit for people: 1.2ms, 3.4k/s, 0.5%, 12MB. */
export function formatMetricValue(value: number, unit: MetricUnit): string {
  switch (unit) {
    case 'us':
      return formatUs(value);
    case 'ops/s':
      return formatRate(value);
    case 'ratio':
      return `${Number((value * 100).toPrecision(3))}%`;
    case 'pct':
      return `${Number(value.toPrecision(3))}%`;
    case 'bytes':
      return formatBytes(value);
    case 'bytes/s':
      return `${formatBytes(value)}/s`;
    case 'count':
      return formatCount(value);
    case 'none':
      return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
  }
}

/** True when going from `base` to `head` is a change for the worse for this direction. */
export function isWorse(direction: Direction, base: number, head: number): boolean {
  return direction === 'smaller' ? head > base : head < base;
}
