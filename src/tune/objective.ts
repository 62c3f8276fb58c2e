/**
 * What a tuning session optimises and what it must respect: `--maximize/--minimize METRIC` and
 * `--slo "METRIC OP VALUE"`, read from each trial's RunResult through results/metrics (the names
 * every other command uses). A name without a dot is a shorthand over the whole run: `throughput`
 * (all operations' sum), `p50` … `max` and `mean` (the worst operation's), `errors` (the sum); any
 * other bare name is the suite-level metric of the run's suite (`availabilityLeader` →
 * `consensus.raft.availabilityLeader`).
 */
import { UsageError } from '../core/errors.js';
import type { RunResult } from '../core/result.js';
import { holds, type ThresholdOp } from '../measure/threshold.js';
import { AlertRuleError, closestMetrics, parseAlertRule } from '../results/alerts.js';
import { extractMetrics, metricInfo, OPERATION_STATS, type Direction, type MetricUnit } from '../results/metrics.js';

export interface MetricRef {
  /** As the user wrote it. */
  text: string;
  unit: MetricUnit;
  /** The value in one run, or undefined when the run does not have it. */
  read(run: RunResult): number | undefined;
}

const WORST_OF = new Set(['p50', 'p90', 'p95', 'p99', 'p999', 'max', 'mean']);

/** A metric reference; `suite` is the suite a trial records (for bare suite-level names). */
export function metricRef(text: string, suite: string): MetricRef {
  const name = text.trim();
  if (name === 'throughput' || name === 'errors') {
    return { text: name, unit: OPERATION_STATS[name].unit, read: (run) => sumOver(run, (op) => (name === 'throughput' ? op.throughput : op.errors)) };
  }
  if (WORST_OF.has(name)) {
    const stat = name as 'p50' | 'p90' | 'p95' | 'p99' | 'p999' | 'max' | 'mean';
    return { text: name, unit: 'us', read: (run) => worstLatency(run, stat) };
  }
  const full = name.includes('.') ? name : `${suite}.${name}`;
  return { text: name, unit: metricInfo(full).unit, read: (run) => extractMetrics(run).find((m) => m.name === full)?.value };
}

function sumOver(run: RunResult, pick: (op: RunResult['suites'][number]['operations'][number]) => number): number | undefined {
  const ops = run.suites.flatMap((s) => s.operations);
  return ops.length === 0 ? undefined : ops.reduce((a, op) => a + pick(op), 0);
}

function worstLatency(run: RunResult, stat: 'p50' | 'p90' | 'p95' | 'p99' | 'p999' | 'max' | 'mean'): number | undefined {
  const values = run.suites.flatMap((s) => s.operations.filter((op) => op.count > 0).map((op) => op.latencyUs[stat]));
  return values.length === 0 ? undefined : Math.max(...values);
}

/** The metric names a run has, for "did you mean" in an error. */
export function knownNames(run: RunResult): string[] {
  return ['throughput', 'p99', ...extractMetrics(run).map((m) => m.name)];
}

/** Fails with exit 2 naming the flag when the first trial's result has no such metric. */
export function requireMetric(flag: string, ref: MetricRef, run: RunResult): void {
  if (ref.read(run) !== undefined) return;
  throw new UsageError(`${flag}: the trial's result has no metric "${ref.text}"; closest: ${closestMetrics(ref.text, knownNames(run)).join(', ')}`);
}

export interface Objective {
  metric: MetricRef;
  direction: Direction;
  /** "maximize" | "minimize", as the flag said. */
  goal: 'maximize' | 'minimize';
}

export function parseObjective(maximize: string | undefined, minimize: string | undefined, suite: string): Objective {
  if ((maximize === undefined) === (minimize === undefined)) throw new UsageError('--maximize/--minimize: give exactly one metric to optimise, e.g. --maximize throughput');
  const text = (maximize ?? minimize) as string;
  if (text.trim() === '') throw new UsageError(`--${maximize !== undefined ? 'maximize' : 'minimize'}: expected a metric name, got ""`);
  return maximize !== undefined ? { metric: metricRef(text, suite), direction: 'bigger', goal: 'maximize' } : { metric: metricRef(text, suite), direction: 'smaller', goal: 'minimize' };
}

export interface Slo {
  expr: string;
  metric: MetricRef;
  op: ThresholdOp;
  threshold: number;
}

/** `--slo "tasks.claim.p99<5ms"`: the alert-rule grammar (units, comparisons) — one language for limits. */
export function parseSloRule(text: string, suite: string): Slo {
  try {
    const rule = parseAlertRule(text);
    return { expr: rule.expr, metric: metricRef(rule.metric, suite), op: rule.op, threshold: rule.value };
  } catch (err) {
    if (err instanceof AlertRuleError) throw new UsageError(`--slo: ${err.message}`);
    throw err;
  }
}

/** Whether a value meets an SLO, and by how much it misses (relative, 0 when met). */
export function sloMiss(slo: Slo, value: number): number {
  if (holds(value, slo.op, slo.threshold)) return 0;
  return Math.abs(value - slo.threshold) / Math.max(Math.abs(slo.threshold), 1e-9) + 1e-9;
}
