/**
 * compare: what changed between two runs, decided by statistics on what the runs recorded rather
 * than by a bare percentage. A metric is `regressed` (or `improved`) only when BOTH
 *   - a test says the difference is not noise (Holm-adjusted p < alpha over every tested metric, so
 *     the chance that a pair of runs that differ only by noise flags ANY metric is ≤ alpha), and
 *   - the change is at least `minEffect` of the base value,
 * because with a million samples every 0.3 % wiggle is "significant" and nobody wants that paged.
 *
 * Two kinds of noise, two tests; a verdict must clear both (the larger p-value wins):
 *   sampling noise, from what each run recorded:
 *     p50          Mann-Whitney U on the two latency histograms (tie-corrected)
 *     p90…p999     quantile ratio with order-statistic intervals on the histograms (tested only
 *                  with ≥ MIN_TAIL samples beyond the quantile in both runs)
 *     mean         Welch's t on the log ratio (delta method) from mean, stddev and count
 *     throughput   Welch's t on per-interval throughputs (the run's own time series)
 *     errors, errorRate, dropped   two-proportion z-test
 *   run-to-run noise (another tenant, a cold cache: what a million samples cannot average away):
 *     the spread of the metric's log values over earlier runs of the same configuration, Student's t
 *     with n−1 degrees of freedom (exact for log-normal run noise), when ≥ MIN_PRIOR earlier runs
 *     exist; otherwise an assumed relative noise (`assumedNoise`, the CLI's --noise) when given.
 * max is reported but never tested: it is one sample. Metrics with neither test say `not-tested`
 * and why. Intervals are of the ratio head/base (printed as a change that cannot pass −100 %).
 */
import { LatencyHistogram } from '../measure/histogram.js';
import { envHash } from './history/store.js';
import { extractMetrics, isWorse, type Direction, type MetricUnit, type MetricValue } from './metrics.js';
import type { OperationResult, RunResult, SuiteResult } from '../core/result.js';
import { mannWhitney, normalTwoSided, quantileInterval, studentCritical, studentTwoSided, twoProportion, type Bucket } from './stat-tests.js';

export type Verdict = 'improved' | 'regressed' | 'unchanged' | 'not-tested';
export type TestName = 'mann-whitney' | 'quantile' | 'welch-t' | 'two-proportion' | 'history-noise' | 'assumed-noise' | 'none';

export interface MetricComparison {
  metric: string;
  unit: MetricUnit;
  direction: Direction;
  base: number;
  head: number;
  /** (head − base) / base; null when base is 0. */
  change: number | null;
  /** 95 % interval of head − base in the metric's unit (derived from the ratio interval when there is one, so never below −base); null without a test. */
  ci95: { low: number; high: number } | null;
  /** 95 % interval of the relative change head/base − 1 (ratio scale: never below −1); null without a test or when base is 0. */
  changeCi95: { low: number; high: number } | null;
  /** Two-sided p-value of the test; null when no test applies. */
  pValue: number | null;
  /** p-value adjusted for testing many metrics at once (Holm); the verdict uses this one. */
  pAdjusted: number | null;
  test: TestName;
  verdict: Verdict;
  /** Why the metric was not tested (verdict `not-tested`). */
  reason?: string;
  note?: string;
}

export interface RunRef {
  id: string;
  startedAt: string;
  suites: string[];
  gitSha?: string;
}

export interface Comparison {
  base: RunRef;
  head: RunRef;
  alpha: number;
  minEffect: number;
  correction: 'holm' | 'none';
  metrics: MetricComparison[];
  /** Metrics only one of the runs has. */
  onlyInBase: string[];
  onlyInHead: string[];
  counts: Record<Verdict, number>;
  /** Reasons the two runs may not be comparable (other machine, other config, partial). */
  warnings: string[];
  /** Where the run-to-run noise came from: earlier runs, an assumption, or nowhere. */
  runToRunNoise: 'history' | 'assumed' | 'none' | 'mixed';
}

export interface CompareOptions {
  /** Significance level (default 0.05): the family-wise false-positive rate over every tested metric. */
  alpha?: number;
  /** Smallest relative change that counts (default 0.05 = 5 %). */
  minEffect?: number;
  /**
   * Multiple-testing correction across the compared metrics (default 'holm'): a run has dozens
   * of metrics, and at p < 0.05 each, two identical runs would flag one in ten comparisons.
   */
  correction?: 'holm' | 'none';
  /**
   * Earlier values of a metric (from the history, before both runs, same configuration), the
   * source of its run-to-run noise. Return undefined when unknown.
   */
  priorValues?: (metric: string) => readonly number[] | undefined;
  /**
   * Relative run-to-run noise (standard deviation of log values, 0.05 ≈ 5 %) assumed for metrics
   * with fewer than MIN_PRIOR earlier runs. Undefined: no assumption, such metrics are judged on
   * sampling noise only (or not tested when they have no recorded distribution).
   */
  assumedNoise?: number;
}

/** Earlier runs needed to estimate a metric's run-to-run noise (Student's t with n−1 df; 2 df at least). */
export const MIN_PRIOR = 3;
/** Samples beyond a quantile needed, in each run, before the quantile is tested. */
export const MIN_TAIL = 10;
const QUANTILES: Record<string, number> = { p90: 0.9, p95: 0.95, p99: 0.99, p999: 0.999 };
/** HdrHistogram keeps 3 significant digits: no quantile is known better than one bucket (0.1 %). */
const RESOLUTION = 0.001;

function runRef(run: RunResult): RunRef {
  const r: RunRef = { id: run.id, startedAt: run.startedAt, suites: run.suites.map((s) => s.name) };
  if (run.env.gitSha) r.gitSha = run.env.gitSha;
  return r;
}

/** Decodes each operation's histogram once per comparison (WASM memory freed at once). */
class BucketCache {
  private readonly cache = new Map<string, Bucket[]>();
  get(op: OperationResult): Bucket[] {
    let b = this.cache.get(op.histogram);
    if (!b) {
      b = op.histogram === '' ? [] : LatencyHistogram.using((h) => h.buckets(), op.histogram);
      this.cache.set(op.histogram, b);
    }
    return b;
  }
}

function findOp(run: RunResult, suite: string, operation: string): { suite: SuiteResult; op: OperationResult } | undefined {
  const s = run.suites.find((x) => x.name === suite);
  const op = s?.operations.find((o) => o.name === operation);
  return s && op ? { suite: s, op } : undefined;
}

/** Per-interval throughputs of one operation, without a trailing window shorter than half the others. */
function intervalThroughputs(suite: SuiteResult, operation: string): number[] {
  const windows = suite.intervals.filter((i) => i.operation === operation);
  if (windows.length === 0) return [];
  const durations = windows.map((w) => w.durationUs).sort((a, b) => a - b);
  const typical = durations[Math.floor(durations.length / 2)] as number;
  return windows.filter((w) => w.durationUs >= typical / 2).map((w) => w.throughput);
}

/**
 * One test's outcome. `log` intervals are of ln(head/base); `diff` intervals of head − base (for
 * figures that may be 0, such as error counts).
 */
interface Tested {
  test: TestName;
  pValue?: number;
  log?: { low: number; high: number };
  diff?: { low: number; high: number };
  note?: string;
  reason?: string;
}

const notTested = (reason: string): Tested => ({ test: 'none', reason });

/** Normal test on the log ratio with separate lower and upper half-widths (95 %) of the estimate. */
function logRatioTest(d: number, downHalf: number, upHalf: number): { pValue: number; low: number; high: number } {
  const se = (d >= 0 ? downHalf : upHalf) / 1.96;
  return { pValue: se > 0 ? normalTwoSided(d / se) : d === 0 ? 1 : 0, low: d - downHalf, high: d + upHalf };
}

function quantileTest(base: readonly Bucket[], head: readonly Bucket[], q: number, stat: string, bv: number, hv: number): Tested {
  const a = quantileInterval(base, q);
  const b = quantileInterval(head, q);
  const beyond = Math.min(a.n, b.n) * (1 - q);
  if (beyond < MIN_TAIL) return notTested(`only ${Math.floor(beyond)} samples beyond ${stat} in the smaller run (need ${MIN_TAIL})`);
  if (!(bv > 0 && hv > 0 && a.low > 0 && b.low > 0)) return notTested('a zero latency has no ratio');
  const lnHalf = (est: number, bound: number): number => Math.max(Math.abs(Math.log(est / bound)), RESOLUTION);
  const downHalf = Math.hypot(lnHalf(b.estimate, b.low), lnHalf(a.high, a.estimate));
  const upHalf = Math.hypot(lnHalf(b.high, b.estimate), lnHalf(a.estimate, a.low));
  const r = logRatioTest(Math.log(hv / bv), downHalf, upHalf);
  return { test: 'quantile', pValue: r.pValue, log: { low: r.low, high: r.high } };
}

/** Welch's t on ln(mean) by the delta method: var(ln m) ≈ sd² / (n m²). */
function logWelch(a: { mean: number; sd: number; n: number }, b: { mean: number; sd: number; n: number }, d: number): Tested | undefined {
  if (a.n < 2 || b.n < 2 || !(a.mean > 0 && b.mean > 0)) return undefined;
  const va = (a.sd * a.sd) / (a.n * a.mean * a.mean);
  const vb = (b.sd * b.sd) / (b.n * b.mean * b.mean);
  const se = Math.sqrt(va + vb);
  if (se === 0) return { test: 'welch-t', pValue: d === 0 ? 1 : 0, log: { low: d, high: d } };
  const df = (va + vb) ** 2 / ((va * va) / (a.n - 1) + (vb * vb) / (b.n - 1));
  const crit = studentCritical(df);
  return { test: 'welch-t', pValue: studentTwoSided(d / se, df), log: { low: d - crit * se, high: d + crit * se } };
}

function meanSd(xs: readonly number[]): { mean: number; sd: number; n: number } {
  const n = xs.length;
  const mean = xs.reduce((x, y) => x + y, 0) / n;
  const sd = n < 2 ? 0 : Math.sqrt(xs.reduce((x, y) => x + (y - mean) ** 2, 0) / (n - 1));
  return { mean, sd, n };
}

/** Sampling-noise test of one metric from what both runs recorded (see the module comment). */
function samplingTest(base: RunResult, head: RunResult, bm: MetricValue, hm: MetricValue, buckets: BucketCache): Tested | undefined {
  if (bm.operation === undefined || bm.operation === 'resources') return undefined;
  const a = findOp(base, bm.suite, bm.operation);
  const b = findOp(head, hm.suite, bm.operation);
  if (!a || !b) return undefined;
  const stat = bm.stat;
  const d = bm.value > 0 && hm.value > 0 ? Math.log(hm.value / bm.value) : NaN;
  if (stat === 'max') return notTested('the slowest single operation: reported, never tested alone (p99.9 is tested)');
  if (stat === 'p50') {
    const ba = buckets.get(a.op);
    const bb = buckets.get(b.op);
    const mw = mannWhitney(ba, bb);
    const q = quantileTest(ba, bb, 0.5, stat, bm.value, hm.value);
    return { test: 'mann-whitney', pValue: mw.pValue, ...(q.log ? { log: q.log } : {}), note: `P(head > base) = ${mw.probabilityHeadGreater.toFixed(3)}` };
  }
  const q = QUANTILES[stat];
  if (q !== undefined) return quantileTest(buckets.get(a.op), buckets.get(b.op), q, stat, bm.value, hm.value);
  if (stat === 'mean') {
    const t = logWelch({ mean: a.op.latencyUs.mean, sd: a.op.latencyUs.stddev, n: a.op.count }, { mean: b.op.latencyUs.mean, sd: b.op.latencyUs.stddev, n: b.op.count }, d);
    return t ?? notTested('fewer than 2 operations or a zero mean');
  }
  if (stat === 'throughput') {
    const ta = intervalThroughputs(a.suite, bm.operation);
    const tb = intervalThroughputs(b.suite, bm.operation);
    if (ta.length < 2 || tb.length < 2) return undefined;
    const t = logWelch(meanSd(ta), meanSd(tb), d);
    return t ? { ...t, note: `${ta.length} vs ${tb.length} intervals` } : undefined;
  }
  // A count that is 0 in both runs cannot reach significance: leaving it out of the family keeps
  // Holm from paying for tests that could never reject (Tarone's argument for discrete tests).
  if ((stat === 'errors' || stat === 'errorRate') && a.op.errors === 0 && b.op.errors === 0) return notTested('no errors in either run');
  if (stat === 'dropped' && a.op.dropped === 0 && b.op.dropped === 0) return notTested('no dropped operations in either run');
  if (stat === 'errors' || stat === 'errorRate') {
    const r = twoProportion(a.op.errors, a.op.count, b.op.errors, b.op.count);
    // The interval is of the rate; for the count, scale it to the head's operation count. A rate
    // cannot fall below 0, so neither can the interval's low end fall below −base.
    const scale = stat === 'errors' ? b.op.count : 1;
    return { test: 'two-proportion', pValue: r.pValue, diff: { low: Math.max(r.low * scale, -bm.value), high: r.high * scale } };
  }
  if (stat === 'dropped') {
    const na = a.op.count + a.op.dropped;
    const nb = b.op.count + b.op.dropped;
    const r = twoProportion(a.op.dropped, na, b.op.dropped, nb);
    return { test: 'two-proportion', pValue: r.pValue, diff: { low: Math.max(r.low * nb, -bm.value), high: r.high * nb } };
  }
  return undefined;
}

function priorOf(metric: string, options: CompareOptions): number[] | undefined {
  return options.priorValues?.(metric)?.filter((v) => Number.isFinite(v));
}

/**
 * The difference judged against the metric's run-to-run noise: the spread of earlier runs (sample
 * standard deviation, Student's t with n−1 df, √2 for the difference of two draws), on the log
 * scale for positive figures and on the raw scale otherwise; or the assumed relative noise.
 */
export function runToRunTest(base: number, head: number, prior: readonly number[] | undefined, assumedNoise: number | undefined): Tested | undefined {
  const positive = base > 0 && head > 0;
  if (prior && prior.length >= MIN_PRIOR) {
    const logScale = positive && prior.every((v) => v > 0);
    const xs = logScale ? prior.map((v) => Math.log(v)) : prior;
    const { mean: m, sd } = meanSd(xs);
    // HdrHistogram figures are quantised; a perfectly flat history still has a 0.1 % resolution.
    const floor = logScale ? RESOLUTION : Math.abs(m) * RESOLUTION;
    const s = Math.max(sd, floor) * Math.SQRT2;
    const d = logScale ? Math.log(head / base) : head - base;
    const df = prior.length - 1;
    const note = `run-to-run noise of ${prior.length} earlier runs`;
    if (!(s > 0)) return { test: 'history-noise', pValue: d === 0 ? 1 : 0, ...(logScale ? { log: { low: d, high: d } } : { diff: { low: d, high: d } }), note };
    const crit = studentCritical(df);
    const iv = { low: d - crit * s, high: d + crit * s };
    return { test: 'history-noise', pValue: studentTwoSided(d / s, df), ...(logScale ? { log: iv } : { diff: iv }), note };
  }
  if (assumedNoise !== undefined && assumedNoise > 0 && positive) {
    const s = assumedNoise * Math.SQRT2;
    const d = Math.log(head / base);
    return { test: 'assumed-noise', pValue: normalTwoSided(d / s), log: { low: d - 1.96 * s, high: d + 1.96 * s }, note: `run-to-run noise assumed ${(assumedNoise * 100).toFixed(1)} % (fewer than ${MIN_PRIOR} earlier runs)` };
  }
  return undefined;
}

/**
 * An assumed run-to-run noise adds to the sampling noise (independent sources: variances add), so
 * the assumed σ widens the sampling test's log interval in quadrature. Without a sampling test,
 * the assumed noise alone decides.
 */
function withAssumedNoise(sampling: Tested | undefined, assumed: Tested): Tested {
  if (!sampling || sampling.pValue === undefined || !sampling.log || !assumed.log) return combine(sampling, assumed);
  // The assumed-noise interval is symmetric around the observed log ratio.
  const d = (assumed.log.low + assumed.log.high) / 2;
  const sA = (assumed.log.high - assumed.log.low) / (2 * 1.96);
  const down = Math.hypot(Math.max(0, d - sampling.log.low), 1.96 * sA);
  const up = Math.hypot(Math.max(0, sampling.log.high - d), 1.96 * sA);
  const r = logRatioTest(d, down, up);
  return { test: sampling.test, pValue: Math.max(sampling.pValue, r.pValue), log: { low: r.low, high: r.high }, note: [sampling.note, assumed.note].filter(Boolean).join('; ') };
}

/** Both noises must be cleared: the larger p-value and the union of the intervals win. */
function combine(sampling: Tested | undefined, runToRun: Tested | undefined): Tested {
  if (!sampling || sampling.pValue === undefined) {
    if (runToRun) return sampling?.note ? { ...runToRun, note: `${sampling.note}; ${runToRun.note}` } : runToRun;
    return sampling ?? notTested('no recorded distribution and no history of this configuration to judge its run-to-run noise');
  }
  if (!runToRun || runToRun.pValue === undefined) return sampling;
  const union = (x?: { low: number; high: number }, y?: { low: number; high: number }): { low: number; high: number } | undefined =>
    x && y ? { low: Math.min(x.low, y.low), high: Math.max(x.high, y.high) } : (x ?? y);
  const log = sampling.log && runToRun.log ? union(sampling.log, runToRun.log) : sampling.log && !runToRun.diff ? sampling.log : undefined;
  const diff = union(sampling.diff, runToRun.diff);
  const out: Tested = { test: sampling.test, pValue: Math.max(sampling.pValue, runToRun.pValue), note: [sampling.note, `also beyond ${runToRun.note}`].filter(Boolean).join('; ') };
  if (log) out.log = log;
  else if (diff) out.diff = diff;
  return out;
}

function decide(direction: Direction, base: number, head: number, pValue: number | null, alpha: number, minEffect: number): Verdict {
  if (pValue === null) return 'not-tested';
  if (pValue >= alpha) return 'unchanged';
  const delta = head - base;
  if (delta === 0) return 'unchanged';
  const relative = base === 0 ? Infinity : Math.abs(delta) / Math.abs(base);
  if (relative < minEffect) return 'unchanged';
  return isWorse(direction, base, head) ? 'regressed' : 'improved';
}

/** Holm–Bonferroni step-down adjustment of every tested metric's p-value (family-wise error ≤ alpha). */
function holm(metrics: MetricComparison[]): void {
  const tested = metrics.filter((m) => m.pValue !== null).sort((a, b) => (a.pValue as number) - (b.pValue as number));
  const k = tested.length;
  let running = 0;
  tested.forEach((m, i) => {
    running = Math.max(running, Math.min(1, (k - i) * (m.pValue as number)));
    m.pAdjusted = running;
  });
}

function configDifferences(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const ignore = new Set(['seed']);
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => !ignore.has(k) && JSON.stringify(a[k]) !== JSON.stringify(b[k])).sort();
}

function toComparison(b: MetricValue, h: MetricValue, tested: Tested): MetricComparison {
  const mc: MetricComparison = {
    metric: h.name,
    unit: h.unit,
    direction: h.direction,
    base: b.value,
    head: h.value,
    change: b.value === 0 ? null : (h.value - b.value) / Math.abs(b.value),
    ci95: null,
    changeCi95: null,
    pValue: tested.pValue ?? null,
    pAdjusted: tested.pValue ?? null,
    test: tested.pValue === undefined ? 'none' : tested.test,
    verdict: 'unchanged',
  };
  if (tested.log && Number.isFinite(tested.log.low) && Number.isFinite(tested.log.high)) {
    mc.changeCi95 = { low: Math.expm1(tested.log.low), high: Math.expm1(tested.log.high) };
    mc.ci95 = { low: b.value * mc.changeCi95.low, high: b.value * mc.changeCi95.high };
  } else if (tested.diff && Number.isFinite(tested.diff.low) && Number.isFinite(tested.diff.high)) {
    mc.ci95 = { low: tested.diff.low, high: tested.diff.high };
    if (b.value > 0) mc.changeCi95 = { low: Math.max(-1, tested.diff.low / b.value), high: tested.diff.high / b.value };
  }
  if (tested.pValue === undefined) mc.reason = tested.reason ?? 'no test applies';
  if (tested.note) mc.note = tested.note;
  return mc;
}

/** Compares two runs metric by metric (see the module comment for the tests used). */
export function compareRuns(base: RunResult, head: RunResult, options: CompareOptions = {}): Comparison {
  const alpha = options.alpha ?? 0.05;
  const minEffect = options.minEffect ?? 0.05;
  const bm = new Map(extractMetrics(base).map((m) => [m.name, m]));
  const hmList = extractMetrics(head);
  const hm = new Map(hmList.map((m) => [m.name, m]));
  const buckets = new BucketCache();
  const correction = options.correction ?? 'holm';
  const metrics: MetricComparison[] = [];
  const noiseSources = new Set<string>();
  for (const h of hmList) {
    const b = bm.get(h.name);
    if (!b) continue;
    const sampling = samplingTest(base, head, b, h, buckets);
    // max is one sample per run, and a count that is 0 in both runs cannot be tested at all.
    const final = sampling?.pValue === undefined && (h.stat === 'max' || sampling?.reason?.startsWith('no ') === true);
    const runToRun = final ? undefined : runToRunTest(b.value, h.value, priorOf(h.name, options), options.assumedNoise);
    // An assumed noise cannot stand in for a sampling test the run was too small for (a p99.9
    // from 2 samples beyond it); the history's spread can, since earlier runs had that noise too.
    if (runToRun?.test === 'assumed-noise' && sampling?.pValue === undefined && sampling?.reason) {
      metrics.push(toComparison(b, h, sampling));
      continue;
    }
    if (runToRun) noiseSources.add(runToRun.test);
    metrics.push(toComparison(b, h, runToRun?.test === 'assumed-noise' ? withAssumedNoise(sampling, runToRun) : combine(sampling, runToRun)));
  }
  if (correction === 'holm') holm(metrics);
  for (const m of metrics) m.verdict = decide(m.direction, m.base, m.head, m.pAdjusted, alpha, minEffect);
  const counts: Record<Verdict, number> = { improved: 0, regressed: 0, unchanged: 0, 'not-tested': 0 };
  for (const m of metrics) counts[m.verdict]++;
  const warnings: string[] = [];
  if (envHash(base.env) !== envHash(head.env)) warnings.push('the runs ran in different environments (machine, OS or Node version): differences may not come from the code');
  const cfg = configDifferences(base.config, head.config);
  if (cfg.length > 0) warnings.push(`the runs used different settings: ${cfg.join(', ')}`);
  if (base.partial || head.partial) warnings.push(`${[base.partial ? 'base' : '', head.partial ? 'head' : ''].filter(Boolean).join(' and ')} run was interrupted (partial)`);
  if (noiseSources.size === 0) warnings.push(`no run-to-run noise known (fewer than ${MIN_PRIOR} earlier runs of this configuration and no assumed noise): verdicts see sampling noise only`);
  const runToRunNoise: Comparison['runToRunNoise'] = noiseSources.size === 0 ? 'none' : noiseSources.size > 1 ? 'mixed' : noiseSources.has('history-noise') ? 'history' : 'assumed';
  return {
    base: runRef(base),
    head: runRef(head),
    alpha,
    minEffect,
    correction,
    metrics,
    onlyInBase: [...bm.keys()].filter((k) => !hm.has(k)),
    onlyInHead: [...hm.keys()].filter((k) => !bm.has(k)),
    counts,
    warnings,
    runToRunNoise,
  };
}
