/**
 * Service-level objectives, k6-thresholds style: a comma-separated list of clauses that every
 * operation of a step (or run) must meet, e.g. `p99<50ms,success>=99.9%`.
 *
 *   latency   p50 p75 p90 p95 p99 p999 p9999 max mean  <, <=, >, >=  DURATION (500us, 50ms, 1s)
 *   success   successful / (completed + dropped)                       PERCENT  (99%, 99.9%)
 *   errors    errors / completed                                       PERCENT
 *   dropped   dropped / (completed + dropped)                          PERCENT
 *   throughput completed per second / intended rate                    PERCENT  (95%)
 *
 * Latency clauses read the latency measured from the intended start (what a user of the system
 * waits), not service time. Dropped operations count against success: an operation the target
 * could not even be offered on time was not served.
 */
import { parseDurationUs, UsageError } from '../core/parse.js';
import type { LatencyStats, OperationResult } from '../core/result.js';
import { holds, type ThresholdOp } from '../measure/threshold.js';
import { formatUs } from '../core/units.js';

export const DEFAULT_SLO = 'p99<100ms,success>=99%';

type Comparator = Exclude<ThresholdOp, '=='>;
const LATENCY_METRICS = ['p50', 'p75', 'p90', 'p95', 'p99', 'p999', 'p9999', 'max', 'mean'] as const;
type LatencyMetric = (typeof LATENCY_METRICS)[number];
const RATIO_METRICS = ['success', 'errors', 'dropped', 'throughput'] as const;
type RatioMetric = (typeof RATIO_METRICS)[number];

export interface SloClause {
  /** As written (whitespace removed), e.g. "p99<50ms": what a violation reports. */
  text: string;
  metric: LatencyMetric | RatioMetric;
  comparator: Comparator;
  /** µs for latency metrics, a fraction (0..1) for ratio metrics. */
  threshold: number;
}

export interface Slo {
  text: string;
  clauses: SloClause[];
}

/** What an SLO is evaluated on: one operation's figures over a step or a run. */
export interface SloSubject {
  count: number;
  errors: number;
  dropped: number;
  throughput: number;
  latencyUs: LatencyStats;
  /** The intended arrival rate, for `throughput` clauses (omit in closed loop). */
  intendedRate?: number;
}

export interface SloVerdict {
  passed: boolean;
  /** The clauses broken, with what was measured, e.g. "p99<50ms (was 83.1ms)". */
  violations: string[];
  /** The broken clauses exactly as written, e.g. "p99<50ms" (for StressStep.violations). */
  brokenClauses: string[];
}

/** Parses an SLO; errors name the flag, the clause and what was expected. */
export function parseSlo(flag: string, text: string): Slo {
  const compact = text.replace(/\s+/g, '');
  if (compact === '') throw new UsageError(`${flag}: expected clauses such as p99<50ms,success>=99%, got an empty value`);
  const clauses = compact.split(',').map((part, i) => parseClause(`${flag}: clause ${i + 1} "${part}"`, part));
  return { text: compact, clauses };
}

function parseClause(where: string, part: string): SloClause {
  const m = /^([a-z0-9.]+)(<=|>=|<|>)(.+)$/i.exec(part);
  if (!m) throw new UsageError(`${where}: expected METRIC<VALUE such as p99<50ms or success>=99%`);
  const metricRaw = (m[1] as string).toLowerCase();
  const comparator = m[2] as Comparator;
  const valueText = m[3] as string;
  const metric = metricRaw === 'p99.9' ? 'p999' : metricRaw === 'p99.99' ? 'p9999' : metricRaw;
  if ((LATENCY_METRICS as readonly string[]).includes(metric)) {
    let threshold: number;
    try {
      threshold = parseDurationUs(where, valueText);
    } catch {
      throw new UsageError(`${where}: "${valueText}" is not a duration such as 500us, 50ms or 1s`);
    }
    if (!/[a-zµ]$/i.test(valueText)) throw new UsageError(`${where}: give "${valueText}" a unit, e.g. ${valueText}ms`);
    return { text: part, metric: metric as LatencyMetric, comparator, threshold };
  }
  if ((RATIO_METRICS as readonly string[]).includes(metric)) {
    const pm = /^(\d+(?:\.\d+)?)%$/.exec(valueText);
    if (!pm) throw new UsageError(`${where}: "${valueText}" is not a percentage such as 99% or 99.9%`);
    const pct = Number(pm[1]);
    if (pct > 100) throw new UsageError(`${where}: ${valueText} is more than 100%`);
    // Divide an integer by a power of ten: the result is the double nearest the written fraction
    // (99.9 / 100 would give 0.9990000000000001, and 999 of 1000 would fail success>=99.9%).
    return { text: part, metric: metric as RatioMetric, comparator, threshold: Math.round(pct * 1e6) / 1e8 };
  }
  throw new UsageError(`${where}: unknown metric "${metricRaw}"; use one of ${[...LATENCY_METRICS, ...RATIO_METRICS].join(', ')}`);
}

/** The measured value a clause compares (µs or a fraction); undefined when it does not apply. */
export function sloMeasuredValue(clause: SloClause, s: SloSubject): number | undefined {
  switch (clause.metric) {
    case 'success':
      return successRate(s.count, s.errors, s.dropped);
    case 'errors':
      return s.count === 0 ? 0 : s.errors / s.count;
    case 'dropped': {
      const attempted = s.count + s.dropped;
      return attempted === 0 ? 0 : s.dropped / attempted;
    }
    case 'throughput':
      return s.intendedRate === undefined || s.intendedRate <= 0 ? undefined : s.throughput / s.intendedRate;
    default:
      return s.latencyUs[clause.metric];
  }
}

/** Share of attempts (completed + dropped) that succeeded; 0 when nothing was attempted. */
export function successRate(count: number, errors: number, dropped: number): number {
  const attempted = count + dropped;
  return attempted === 0 ? 0 : (count - errors) / attempted;
}

function formatValue(clause: SloClause, value: number): string {
  if ((RATIO_METRICS as readonly string[]).includes(clause.metric)) return `${(value * 100).toFixed(2)}%`;
  return formatUs(value);
}

export function evaluateSlo(slo: Slo, subject: SloSubject): SloVerdict {
  const violations: string[] = [];
  const brokenClauses: string[] = [];
  // No completed operation means no evidence the objective was met: latency clauses fail too.
  const nothingCompleted = subject.count === 0;
  for (const clause of slo.clauses) {
    const value = sloMeasuredValue(clause, subject);
    if (value === undefined) continue;
    const isLatency = (LATENCY_METRICS as readonly string[]).includes(clause.metric);
    if ((isLatency && nothingCompleted) || !holds(value, clause.comparator, clause.threshold)) {
      brokenClauses.push(clause.text);
      violations.push(nothingCompleted && isLatency ? `${clause.text} (nothing completed)` : `${clause.text} (was ${formatValue(clause, value)})`);
    }
  }
  return { passed: brokenClauses.length === 0, violations, brokenClauses };
}

/**
 * Evaluates an SLO on every operation; the verdict passes only if all operations pass. The
 * `throughput` clause is judged on the total (all operations against the intended total rate),
 * since the workload, not the schedule, decides how arrivals split between operations.
 */
export function evaluateSloOnOperations(slo: Slo, operations: readonly OperationResult[], intendedRate?: number): SloVerdict {
  if (operations.length === 0) {
    return { passed: false, violations: ['no operation completed or was dropped'], brokenClauses: slo.clauses.map((c) => c.text) };
  }
  const violations: string[] = [];
  const broken = new Set<string>();
  const perOperation: Slo = { text: slo.text, clauses: slo.clauses.filter((c) => c.metric !== 'throughput') };
  for (const op of operations) {
    const v = evaluateSlo(perOperation, op);
    for (const x of v.violations) violations.push(operations.length > 1 ? `${op.name}: ${x}` : x);
    for (const c of v.brokenClauses) broken.add(c);
  }
  const throughputClauses = slo.clauses.filter((c) => c.metric === 'throughput');
  if (throughputClauses.length > 0 && intendedRate !== undefined) {
    const total: SloSubject = {
      count: operations.reduce((a, o) => a + o.count, 0),
      errors: operations.reduce((a, o) => a + o.errors, 0),
      dropped: operations.reduce((a, o) => a + o.dropped, 0),
      throughput: operations.reduce((a, o) => a + o.throughput, 0),
      latencyUs: (operations[0] as OperationResult).latencyUs,
      intendedRate,
    };
    const v = evaluateSlo({ text: slo.text, clauses: throughputClauses }, total);
    violations.push(...v.violations);
    for (const c of v.brokenClauses) broken.add(c);
  }
  return { passed: violations.length === 0, violations, brokenClauses: [...broken] };
}
