/**
 * trends: each metric's series over the history, its change points (E-Divisive, see
 * changepoint.ts) and a robust linear trend (Theil–Sen slope, Mann–Kendall test), so a slow creep
 * that no single comparison flags still shows.
 */
import { median } from '../measure/stats.js';
import { detectChangePoints, type ChangePointOptions } from './changepoint.js';
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
}

export interface LinearTrend {
  /** Theil–Sen slope per run and per day, in the metric's unit. */
  slopePerRun: number;
  slopePerDay: number;
  /** slopePerRun relative to the series median (0.01 = 1 % per run); null when the median is 0. */
  relativePerRun: number | null;
  /** Mann–Kendall two-sided p-value of a monotonic trend. */
  pValue: number;
  verdict: 'worsening' | 'improving' | 'flat';
}

export interface MetricTrend {
  metric: string;
  unit: MetricUnit;
  direction: Direction;
  points: SeriesPoint[];
  changePoints: TrendChangePoint[];
  trend: LinearTrend;
}

export interface TrendOptions extends ChangePointOptions {
  /** Glob over metric names (`tasks.*.p99`); default every metric. */
  metric?: string;
  since?: Date;
  tags?: ListOptions['tags'];
  /** Change points are searched among the most recent `maxPoints` points (default 200; O(n²) per permutation). */
  maxPoints?: number;
  /** Significance of the linear trend (default 0.05). */
  trendAlpha?: number;
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

/** Change points and trend of one metric's series (points oldest first). */
export function analyzeSeries(metric: string, points: SeriesPoint[], options: TrendOptions = {}): MetricTrend {
  const info = metricInfo(metric);
  const values = points.map((p) => p.value);
  const maxPoints = options.maxPoints ?? 200;
  const offset = Math.max(0, points.length - maxPoints);
  const cps = detectChangePoints(values.slice(offset), options).map((cp) => {
    const index = cp.index + offset;
    const p = points[index] as SeriesPoint;
    const out: TrendChangePoint = {
      index,
      runId: p.runId,
      at: p.at,
      before: cp.before,
      after: cp.after,
      change: cp.before === 0 ? null : (cp.after - cp.before) / Math.abs(cp.before),
      kind: isWorse(info.direction, cp.before, cp.after) ? 'regression' : 'improvement',
      pValue: cp.pValue,
    };
    return out;
  });
  const runs = values.map((_, i) => i);
  const days = points.map((p) => Date.parse(p.at) / 86_400_000);
  const slopePerRun = theilSen(runs, values);
  const med = values.length > 0 ? median(values) : 0;
  const mk = mannKendall(values);
  const alpha = options.trendAlpha ?? 0.05;
  const verdict: LinearTrend['verdict'] =
    mk.pValue >= alpha || slopePerRun === 0 ? 'flat' : (info.direction === 'smaller') === slopePerRun > 0 ? 'worsening' : 'improving';
  return {
    metric,
    unit: info.unit,
    direction: info.direction,
    points,
    changePoints: cps,
    trend: { slopePerRun, slopePerDay: theilSen(days, values), relativePerRun: med === 0 ? null : slopePerRun / Math.abs(med), pValue: mk.pValue, verdict },
  };
}

/** Trends of every metric matching `options.metric` in the history, sorted by metric name. */
export function computeTrends(history: HistoryStore, options: TrendOptions = {}): MetricTrend[] {
  const match = metricMatcher(options.metric ?? '**');
  const out: MetricTrend[] = [];
  for (const name of history.metricNames().filter(match)) {
    const points = history.series(name, { ...(options.since ? { since: options.since } : {}), ...(options.tags ? { tags: options.tags } : {}) });
    if (points.length === 0) continue;
    out.push(analyzeSeries(name, points, options));
  }
  return out;
}
