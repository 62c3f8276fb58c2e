/**
 * compare: what changed between two runs, decided by statistics on what the runs recorded rather
 * than by a bare percentage. A metric is `regressed` (or `improved`) only when BOTH
 *   - a test on the recorded distributions says the difference is not noise (p < alpha), and
 *   - the change is at least `minEffect` of the base value,
 * because with a million samples every 0.3 % wiggle is "significant" and nobody wants that paged.
 *
 * Which test, by metric:
 *   p50          Mann-Whitney U on the two latency histograms (tie-corrected), interval from order statistics
 *   p90…p999     quantile difference with order-statistic standard errors on the histograms
 *   mean         Welch's t from the histograms' mean, stddev and count
 *   throughput   Welch's t on per-interval throughputs (the run's own time series)
 *   errors, errorRate, dropped   two-proportion z-test
 *   max, suite and resource metrics (single numbers, no recorded distribution): the metric's own
 *                noise in the history (MAD of earlier runs), when at least 5 earlier values exist;
 *                otherwise no test and the verdict stays `unchanged`.
 * With at least 5 earlier runs in the history, every test must also clear the metric's
 * run-to-run noise (see withRunToRunNoise): sampling noise is not the only noise on a CI machine.
 */
import { LatencyHistogram } from '../measure/histogram.js';
import { mad, median } from '../measure/stats.js';
import { envHash } from './history/store.js';
import { extractMetrics, isWorse, type Direction, type MetricUnit, type MetricValue } from './metrics.js';
import type { OperationResult, RunResult, SuiteResult } from '../core/result.js';
import { mannWhitney, normalTwoSided, quantileDifference, quantileInterval, twoProportion, welch, welchFromSummary, type Bucket, type TestResult } from './stat-tests.js';

export type Verdict = 'improved' | 'regressed' | 'unchanged';
export type TestName = 'mann-whitney' | 'quantile' | 'welch-t' | 'two-proportion' | 'history-noise' | 'none';

export interface MetricComparison {
  metric: string;
  unit: MetricUnit;
  direction: Direction;
  base: number;
  head: number;
  /** (head − base) / base; null when base is 0. */
  change: number | null;
  /** 95 % interval of head − base in the metric's unit; null without a test. */
  ci95: { low: number; high: number } | null;
  /** Two-sided p-value of the test; null when no test applies. */
  pValue: number | null;
  /** p-value adjusted for testing many metrics at once (Holm); the verdict uses this one. */
  pAdjusted: number | null;
  test: TestName;
  verdict: Verdict;
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
}

export interface CompareOptions {
  /** Significance level (default 0.05). */
  alpha?: number;
  /** Smallest relative change that counts (default 0.05 = 5 %). */
  minEffect?: number;
  /**
   * Multiple-testing correction across the compared metrics (default 'holm'): a run has dozens
   * of metrics, and at p < 0.05 each, two identical runs would flag one in ten comparisons.
   */
  correction?: 'holm' | 'none';
  /**
   * Earlier values of a metric (from the history, before both runs), for metrics without a
   * recorded distribution. Return undefined when unknown.
   */
  priorValues?: (metric: string) => readonly number[] | undefined;
}

const MIN_PRIOR = 5;
const QUANTILES: Record<string, number> = { p90: 0.9, p95: 0.95, p99: 0.99, p999: 0.999 };

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

interface Tested {
  test: TestName;
  result?: TestResult;
  note?: string;
}

function testMetric(base: RunResult, head: RunResult, bm: MetricValue, hm: MetricValue, buckets: BucketCache, options: CompareOptions): Tested {
  if (bm.operation !== undefined && bm.operation !== 'resources') {
    const a = findOp(base, bm.suite, bm.operation);
    const b = findOp(head, hm.suite, bm.operation);
    if (a && b) {
      const stat = bm.stat;
      if (stat === 'p50') {
        const ba = buckets.get(a.op);
        const bb = buckets.get(b.op);
        const mw = mannWhitney(ba, bb);
        const q = quantileDifference(ba, bb, 0.5, bm.value, hm.value);
        return { test: 'mann-whitney', result: { pValue: mw.pValue, low: q.low, high: q.high }, note: `P(head > base) = ${mw.probabilityHeadGreater.toFixed(3)}` };
      }
      const q = QUANTILES[stat];
      if (q !== undefined) {
        const ba = buckets.get(a.op);
        const bb = buckets.get(b.op);
        const note = quantileInterval(ba, q).n * (1 - q) < 5 || quantileInterval(bb, q).n * (1 - q) < 5 ? `fewer than 5 samples beyond ${stat}: wide interval` : undefined;
        return { test: 'quantile', result: quantileDifference(ba, bb, q, bm.value, hm.value), ...(note ? { note } : {}) };
      }
      if (stat === 'mean') {
        return {
          test: 'welch-t',
          result: welchFromSummary({ mean: a.op.latencyUs.mean, sd: a.op.latencyUs.stddev, n: a.op.count }, { mean: b.op.latencyUs.mean, sd: b.op.latencyUs.stddev, n: b.op.count }),
        };
      }
      if (stat === 'throughput') {
        const ta = intervalThroughputs(a.suite, bm.operation);
        const tb = intervalThroughputs(b.suite, bm.operation);
        if (ta.length >= 2 && tb.length >= 2) return { test: 'welch-t', result: welch(ta, tb), note: `${ta.length} vs ${tb.length} intervals` };
      }
      if (stat === 'errors' || stat === 'errorRate') {
        const r = twoProportion(a.op.errors, a.op.count, b.op.errors, b.op.count);
        // The interval is of the rate; for the count, scale it to the head's operation count.
        const scale = stat === 'errors' ? b.op.count : 1;
        return { test: 'two-proportion', result: { pValue: r.pValue, low: r.low * scale, high: r.high * scale } };
      }
      if (stat === 'dropped') {
        const na = a.op.count + a.op.dropped;
        const nb = b.op.count + b.op.dropped;
        const r = twoProportion(a.op.dropped, na, b.op.dropped, nb);
        return { test: 'two-proportion', result: { pValue: r.pValue, low: r.low * nb, high: r.high * nb } };
      }
    }
  }
  const prior = priorOf(bm.name, options);
  const noise = historyNoise(bm.value, hm.value, prior);
  if (noise) return { test: 'history-noise', result: noise, note: `noise from ${prior?.length} earlier runs` };
  return { test: 'none', note: prior ? `no recorded distribution and only ${prior.length} earlier runs (need ${MIN_PRIOR})` : 'no recorded distribution' };
}

function priorOf(metric: string, options: CompareOptions): number[] | undefined {
  return options.priorValues?.(metric)?.filter((v) => Number.isFinite(v));
}

/**
 * The difference judged against the metric's own run-to-run noise: MAD of earlier runs' values
 * (robust σ), √2 for the difference of two draws. Undefined with fewer than MIN_PRIOR values.
 */
function historyNoise(base: number, head: number, prior: readonly number[] | undefined): TestResult | undefined {
  if (!prior || prior.length < MIN_PRIOR) return undefined;
  const floor = Math.abs(median(prior)) * 0.001;
  const s = Math.max(mad(prior), floor) * Math.SQRT2;
  if (!(s > 0)) return undefined;
  const d = head - base;
  return { pValue: normalTwoSided(d / s), low: d - 1.96 * s, high: d + 1.96 * s };
}

/**
 * A test within the two runs sees sampling noise only; CI machines add run-to-run noise (another
 * tenant, a cold cache) that a million samples cannot average away. When the history knows the
 * metric's run-to-run spread, the difference must clear both: the larger p-value and the wider
 * interval win.
 */
function withRunToRunNoise(tested: Tested, base: number, head: number, prior: readonly number[] | undefined): Tested {
  if (!tested.result || tested.test === 'none' || tested.test === 'history-noise') return tested;
  const noise = historyNoise(base, head, prior);
  if (!noise) return tested;
  const note = `also beyond run-to-run noise of ${prior?.length} earlier runs`;
  return {
    test: tested.test,
    result: { pValue: Math.max(tested.result.pValue, noise.pValue), low: Math.min(tested.result.low, noise.low), high: Math.max(tested.result.high, noise.high) },
    note: tested.note ? `${tested.note}; ${note}` : note,
  };
}

function decide(direction: Direction, base: number, head: number, pValue: number | null, alpha: number, minEffect: number): Verdict {
  if (pValue === null || pValue >= alpha) return 'unchanged';
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
  for (const h of hmList) {
    const b = bm.get(h.name);
    if (!b) continue;
    const tested = withRunToRunNoise(testMetric(base, head, b, h, buckets, options), b.value, h.value, priorOf(h.name, options));
    const pValue = tested.result ? tested.result.pValue : null;
    const mc: MetricComparison = {
      metric: h.name,
      unit: h.unit,
      direction: h.direction,
      base: b.value,
      head: h.value,
      change: b.value === 0 ? null : (h.value - b.value) / Math.abs(b.value),
      ci95: tested.result && Number.isFinite(tested.result.low) ? { low: tested.result.low, high: tested.result.high } : null,
      pValue,
      pAdjusted: pValue,
      test: tested.test,
      verdict: 'unchanged',
    };
    if (tested.note) mc.note = tested.note;
    metrics.push(mc);
  }
  if (correction === 'holm') holm(metrics);
  for (const m of metrics) m.verdict = decide(m.direction, m.base, m.head, m.pAdjusted, alpha, minEffect);
  const counts: Record<Verdict, number> = { improved: 0, regressed: 0, unchanged: 0 };
  for (const m of metrics) counts[m.verdict]++;
  const warnings: string[] = [];
  if (envHash(base.env) !== envHash(head.env)) warnings.push('the runs ran in different environments (machine, OS or Node version): differences may not come from the code');
  const cfg = configDifferences(base.config, head.config);
  if (cfg.length > 0) warnings.push(`the runs used different settings: ${cfg.join(', ')}`);
  if (base.partial || head.partial) warnings.push(`${[base.partial ? 'base' : '', head.partial ? 'head' : ''].filter(Boolean).join(' and ')} run was interrupted (partial)`);
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
  };
}
