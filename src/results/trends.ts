/**
 * trends: each metric's series over the history (runs of one configuration), its steps
 * (E-Divisive change points, changepoint.ts, kept only where two flat pieces beat a straight line)
 * and its drifts (Theil–Sen slope, Mann–Kendall test on each stretch between steps), so a slow
 * creep is reported as a drift with its rate per run and per day, not as a string of steps.
 * Multiple testing across metrics: change points at α/m per series, slopes Holm-adjusted.
 */
import { median } from '../measure/stats.js';
import { CHANGEPOINT_DEFAULTS, detectChangePoints, type ChangePoint, type ChangePointOptions } from './changepoint.js';
import { FingerprintIndex, seriesWithinFingerprint } from './comparable.js';
import type { Fingerprint } from '../core/result.js';
import type { HistoryStore, ListOptions, SeriesPoint } from './history/store.js';
import { isWorse, metricInfo, metricMatcher, type Direction, type MetricUnit } from './metrics.js';
import { normalTwoSided } from './stat-tests.js';

export interface TrendChangePoint {
  /** Position in `points` of the first point after the change. */
  index: number;
  runId: string;
  at: string;
  /** Medians of the segments before and after (bounded by neighbouring change points). */
  before: number;
  after: number;
  /** (after − before) / before; null when before is 0. */
  change: number | null;
  /** Whether the change is for the worse given the metric's direction. */
  kind: 'regression' | 'improvement';
  pValue: number;
  /** Always 'step': a change a straight line explains better is reported in `drifts` instead. */
  type: 'step';
}

/** A stretch of runs (between steps) whose values keep moving one way: a drift, with its rate. */
export interface TrendDrift {
  /** Index range [start, end) in `points`. */
  start: number;
  end: number;
  startRunId: string;
  endRunId: string;
  /** Theil–Sen slope per run and per day, in the metric's unit. */
  slopePerRun: number;
  slopePerDay: number;
  /** slopePerRun relative to the stretch's median (0.01 = 1 % per run); null when the median is 0. */
  relativePerRun: number | null;
  /** Mann–Kendall p-value, and Holm-adjusted across every slope test of every metric. */
  pValue: number;
  pAdjusted: number;
  kind: 'worsening' | 'improving';
}

export interface LinearTrend {
  /** Theil–Sen slope per run and per day, in the metric's unit. */
  slopePerRun: number;
  slopePerDay: number;
  /** slopePerRun relative to the series median (0.01 = 1 % per run); null when the median is 0. */
  relativePerRun: number | null;
  /** Mann–Kendall two-sided p-value of a monotonic trend. */
  pValue: number;
  /** Holm-adjusted across every slope test of every metric (computeTrends); the verdict uses it. */
  pAdjusted: number;
  verdict: 'worsening' | 'improving' | 'flat';
  /** Index of the first point of the stretch the trend is measured on (after the last step). */
  since: number;
}

export interface MetricTrend {
  metric: string;
  unit: MetricUnit;
  direction: Direction;
  points: SeriesPoint[];
  changePoints: TrendChangePoint[];
  /** Drifts (significant slopes between steps), Holm-controlled across metrics. */
  drifts: TrendDrift[];
  trend: LinearTrend;
  /** The configuration fingerprint the points share (absent with `across`). */
  fingerprint?: Fingerprint;
  /** Runs of other configurations left out. */
  excluded?: number;
}

export interface TrendOptions extends ChangePointOptions {
  /** Glob over metric names (`tasks.*.p99`); default every metric. */
  metric?: string;
  since?: Date;
  tags?: ListOptions['tags'];
  /** Change points are searched among the most recent `maxPoints` points (default 200; O(n²) per permutation). */
  maxPoints?: number;
  /** Significance of the linear trend (default 0.05), family-wise over every metric. */
  trendAlpha?: number;
  /** Family-wise level of the change-point tests over all metrics (default 0.05). */
  familyAlpha?: number;
  /** Include runs of every configuration (default: only the newest run's fingerprint). */
  across?: boolean;
}

/** Theil–Sen slope: the median of all pairwise slopes; robust to up to 29 % outliers. */
export function theilSen(xs: readonly number[], ys: readonly number[]): number {
  const slopes: number[] = [];
  for (let i = 0; i < xs.length; i++) {
    for (let j = i + 1; j < xs.length; j++) {
      const dx = (xs[j] as number) - (xs[i] as number);
      if (dx !== 0) slopes.push(((ys[j] as number) - (ys[i] as number)) / dx);
    }
  }
  return slopes.length === 0 ? 0 : median(slopes);
}

/** Mann–Kendall test of a monotonic trend (normal approximation with tie correction). */
export function mannKendall(ys: readonly number[]): { s: number; pValue: number } {
  const n = ys.length;
  if (n < 3) return { s: 0, pValue: 1 };
  let s = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) s += Math.sign((ys[j] as number) - (ys[i] as number));
  const ties = new Map<number, number>();
  for (const y of ys) ties.set(y, (ties.get(y) ?? 0) + 1);
  let tieTerm = 0;
  for (const t of ties.values()) tieTerm += t * (t - 1) * (2 * t + 5);
  const variance = (n * (n - 1) * (2 * n + 5) - tieTerm) / 18;
  if (variance <= 0) return { s, pValue: 1 };
  const z = s > 0 ? (s - 1) / Math.sqrt(variance) : s < 0 ? (s + 1) / Math.sqrt(variance) : 0;
  return { s, pValue: normalTwoSided(z) };
}

/** Σ|residual| of a segment around its own median (the step model's cost on one side). */
function medianCost(v: readonly number[]): number {
  if (v.length === 0) return 0;
  const m = median(v);
  return v.reduce((acc, x) => acc + Math.abs(x - m), 0);
}

/** Σ|residual| of a segment around its Theil–Sen line (the drift model's cost). */
function lineCost(v: readonly number[]): number {
  if (v.length < 2) return 0;
  const xs = v.map((_, i) => i);
  const slope = theilSen(xs, v);
  const intercept = median(v.map((y, i) => y - slope * i));
  return v.reduce((acc, y, i) => acc + Math.abs(y - intercept - slope * i), 0);
}

/**
 * A change point E-Divisive found is a STEP when two flat pieces (one median each side) explain the
 * stretch around it better than one straight line does; otherwise the values just keep moving and it
 * is part of a DRIFT. Both models have two parameters and the same robust (L1) cost, so neither is
 * favoured by its size.
 */
export function isStep(values: readonly number[], start: number, index: number, end: number): boolean {
  const seg = values.slice(start, end);
  const k = index - start;
  const step = medianCost(seg.slice(0, k)) + medianCost(seg.slice(k));
  return step < lineCost(seg);
}

/**
 * Steps stay change points; change points that a straight line explains better are a drift. A
 * drift makes E-Divisive cut the ramp in several places, and each short piece alone may look
 * like a step: so the weakest change point (the highest step/line cost ratio on the stretch
 * between its neighbours) goes first, its neighbours' stretches widen, and the test repeats.
 */
function keepSteps<T extends { index: number }>(values: readonly number[], found: readonly T[], offset: number): T[] {
  const kept = [...found];
  for (;;) {
    let worst = -1;
    let worstRatio = 0;
    kept.forEach((cp, i) => {
      const start = i > 0 ? (kept[i - 1] as T).index : offset;
      const end = i + 1 < kept.length ? (kept[i + 1] as T).index : values.length;
      const seg = values.slice(start, end);
      const k = cp.index - start;
      const line = lineCost(seg);
      const ratio = line > 0 ? (medianCost(seg.slice(0, k)) + medianCost(seg.slice(k))) / line : 0;
      if (ratio >= 1 && ratio > worstRatio) {
        worst = i;
        worstRatio = ratio;
      }
    });
    if (worst < 0) return kept;
    kept.splice(worst, 1);
  }
}

/**
 * The change points of a series that are steps (E-Divisive, then the step-vs-line test): what a
 * chart should mark as a step. A drift's change points are left out (see analyzeSeries for the drift).
 */
export function detectSteps(values: readonly number[], options: ChangePointOptions = {}): ChangePoint[] {
  return keepSteps(values, detectChangePoints(values, options), 0);
}

/** Fewest points a segment needs before its slope is tested. */
const MIN_DRIFT_POINTS = 6;

function driftOf(points: readonly SeriesPoint[], values: readonly number[], start: number, end: number, direction: Direction): TrendDrift | undefined {
  if (end - start < MIN_DRIFT_POINTS) return undefined;
  const seg = values.slice(start, end);
  const slopePerRun = theilSen(seg.map((_, i) => i), seg);
  const days = points.slice(start, end).map((p) => Date.parse(p.at) / 86_400_000);
  const med = median(seg);
  const mk = mannKendall(seg);
  return {
    start,
    end,
    startRunId: (points[start] as SeriesPoint).runId,
    endRunId: (points[end - 1] as SeriesPoint).runId,
    slopePerRun,
    slopePerDay: theilSen(days, seg),
    relativePerRun: med === 0 ? null : slopePerRun / Math.abs(med),
    pValue: mk.pValue,
    pAdjusted: mk.pValue,
    kind: (direction === 'smaller') === slopePerRun > 0 ? 'worsening' : 'improving',
  };
}

/**
 * The drift of each stretch between steps (`bounds`: the first index, each step's index, the end),
 * unadjusted p-values; analyzeSeries keeps those below its alpha, computeTrends Holm-adjusts them.
 */
export function driftsBetween(points: readonly SeriesPoint[], values: readonly number[], bounds: readonly number[], direction: Direction): TrendDrift[] {
  const drifts: TrendDrift[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const d = driftOf(points, values, bounds[i] as number, bounds[i + 1] as number, direction);
    if (d) drifts.push(d);
  }
  return drifts;
}

/** Change points and trend of one metric's series (points oldest first). Multiple testing across metrics: see computeTrends. */
export function analyzeSeries(metric: string, points: SeriesPoint[], options: TrendOptions = {}): MetricTrend {
  const info = metricInfo(metric);
  const values = points.map((p) => p.value);
  const maxPoints = options.maxPoints ?? 200;
  const offset = Math.max(0, points.length - maxPoints);
  const found = detectChangePoints(values.slice(offset), options).map((cp) => ({ ...cp, index: cp.index + offset }));
  const steps = keepSteps(values, found, offset);
  const bounds = [offset, ...steps.map((s) => s.index), values.length];
  const cps = steps.map((cp, i) => {
    const p = points[cp.index] as SeriesPoint;
    const before = median(values.slice(bounds[i] as number, cp.index));
    const after = median(values.slice(cp.index, bounds[i + 2] as number));
    const out: TrendChangePoint = {
      index: cp.index,
      runId: p.runId,
      at: p.at,
      before,
      after,
      change: before === 0 ? null : (after - before) / Math.abs(before),
      kind: isWorse(info.direction, before, after) ? 'regression' : 'improvement',
      pValue: cp.pValue,
      type: 'step',
    };
    return out;
  });
  const drifts = driftsBetween(points, values, bounds, info.direction);
  // The trend is that of the current level: the stretch since the last step.
  const lastStart = bounds[bounds.length - 2] as number;
  const current = values.slice(lastStart);
  const slopePerRun = theilSen(current.map((_, i) => i), current);
  const med = current.length > 0 ? median(current) : 0;
  const mk = mannKendall(current);
  const alpha = options.trendAlpha ?? 0.05;
  const verdict: LinearTrend['verdict'] =
    mk.pValue >= alpha || slopePerRun === 0 ? 'flat' : (info.direction === 'smaller') === slopePerRun > 0 ? 'worsening' : 'improving';
  return {
    metric,
    unit: info.unit,
    direction: info.direction,
    points,
    changePoints: cps,
    drifts: drifts.filter((d) => d.pValue < alpha),
    trend: {
      slopePerRun,
      slopePerDay: theilSen(points.slice(lastStart).map((p) => Date.parse(p.at) / 86_400_000), current),
      relativePerRun: med === 0 ? null : slopePerRun / Math.abs(med),
      pValue: mk.pValue,
      pAdjusted: mk.pValue,
      verdict,
      since: lastStart,
    },
  };
}

/**
 * Holm across every slope test of every metric (the current trend and each segment's drift): with
 * dozens of metrics, a 5 % test on each would call one of them "worsening" in most pure-noise
 * histories. Change points are controlled per series by their permutation test at a level divided
 * by the number of metrics (see computeTrends).
 */
export function adjustTrends(trends: MetricTrend[], alpha = 0.05): void {
  const tests: Array<{ p: number; set: (adj: number) => void }> = [];
  for (const t of trends) {
    tests.push({ p: t.trend.pValue, set: (adj) => (t.trend.pAdjusted = adj) });
    for (const d of t.drifts) tests.push({ p: d.pValue, set: (adj) => (d.pAdjusted = adj) });
  }
  tests.sort((a, b) => a.p - b.p);
  let running = 0;
  tests.forEach((x, i) => {
    running = Math.max(running, Math.min(1, (tests.length - i) * x.p));
    x.set(running);
  });
  for (const t of trends) {
    if (t.trend.pAdjusted >= alpha) t.trend.verdict = 'flat';
    t.drifts = t.drifts.filter((d) => d.pAdjusted < alpha);
  }
}

/**
 * Trends of every metric matching `options.metric` in the history, sorted by metric name, each
 * within the configuration fingerprint of its newest run unless `across`.
 */
export function computeTrends(history: HistoryStore, options: TrendOptions = {}): MetricTrend[] {
  const match = metricMatcher(options.metric ?? '**');
  const names = history.metricNames().filter(match);
  const familyAlpha = options.familyAlpha ?? 0.05;
  // Half the family-wise level goes to the steps, half to the slopes. Each series' change-point
  // test runs at (α/2)/m so that m metrics together keep it; the permutation count grows so that
  // such a p-value can be reached at all.
  const cpAlpha = options.alpha ?? Math.min(CHANGEPOINT_DEFAULTS.alpha, familyAlpha / 2 / Math.max(1, names.length));
  const permutations = options.permutations ?? Math.max(CHANGEPOINT_DEFAULTS.permutations, Math.ceil(4 / cpAlpha) - 1);
  const index = new FingerprintIndex(history);
  const out: MetricTrend[] = [];
  for (const name of names) {
    const all = history.series(name, { ...(options.since ? { since: options.since } : {}), ...(options.tags ? { tags: options.tags } : {}) });
    if (all.length === 0) continue;
    const within = seriesWithinFingerprint(index, name, all, options.across === true);
    const t = analyzeSeries(name, within.points, { ...options, alpha: cpAlpha, permutations });
    if (within.fingerprint) t.fingerprint = within.fingerprint;
    t.excluded = within.excluded;
    out.push(t);
  }
  adjustTrends(out, options.trendAlpha ?? familyAlpha / 2);
  return out;
}
