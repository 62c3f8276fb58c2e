/**
 * What every report renderer receives: the run reported in detail, the runs the report covers
 * (--last N), and the history the trend views span, each trend series already computed. Renderers
 * only format this; they never open the history or measure anything.
 */
import { LatencyHistogram } from '../measure/histogram.js';
import { median } from '../measure/stats.js';
import { extractMetrics, metricInfo, type Direction, type MetricUnit } from '../results/metrics.js';
import { fingerprintOfMetric } from '../results/env.js';
import type { Fingerprint, OperationResult, RunResult } from '../core/result.js';

export interface ReportInput {
  /** The run reported in detail (the newest of `runs`). */
  run: RunResult;
  /** Runs the report covers, oldest first; `run` is the last. One unless --last N. */
  runs: RunResult[];
  /** Trends over the history (oldest run first); empty when there is no history to compare. */
  trends: TrendSeries[];
}

export interface TrendPoint {
  runId: string;
  at: string;
  value: number;
}

export interface TrendSeries {
  metric: string;
  unit: MetricUnit;
  direction: Direction;
  points: TrendPoint[];
  /** Indices into `points` where the level changed (the first point of each new level). */
  changePoints: number[];
  /**
   * The level the latest run is judged against: the median of the points since the last change
   * point before it (all earlier points when there is none), the latest itself excluded.
   */
  baseline?: number;
  /** Relative change of the latest point against the baseline (0.1 = +10 %). */
  lastChange?: number;
  /**
   * The configuration fingerprint the points share (results/env.ts) and a readable label of it: a
   * metric measured in several configurations (backends, agent counts …) is one series per
   * configuration, never one line mixing them. The reported run's own configuration comes first.
   */
  fingerprint?: string;
  configuration?: string;
}

/** A fingerprint as a reader tells configurations apart: its set parts, e.g. "sqlite · agents=4 · short(5-30s)", and its id. */
export function fingerprintLabel(fp: Fingerprint): string {
  const shown = Object.entries(fp.parts)
    .filter(([k, v]) => k !== 'suite' && k !== 'host' && v !== null && v !== false)
    .map(([k, v]) => (k === 'backend' || k === 'durationClass' || k === 'command' ? String(v) : `${k}=${String(v)}`));
  return `${shown.join(' · ')} (${fp.id.slice(0, 6)})`;
}

/** Detects change points in a series of values; returns indices of the first point of each new level. */
export type ChangePointDetector = (values: readonly number[]) => number[];

/** The stats trend views follow for each operation (latency tail, median and throughput). */
export const TREND_STATS = ['p50', 'p99', 'throughput'] as const;

/**
 * Builds trend series for the metrics of `run` over `history` (oldest first, `run` included or
 * not). Only the trend stats of the run's own operations are followed, so the report stays about
 * this run; a metric with fewer than two points has no trend.
 */
export function buildTrends(run: RunResult, history: readonly RunResult[], detect: ChangePointDetector): TrendSeries[] {
  const runs = history.some((h) => h.id === run.id) ? [...history] : [...history, run];
  const wanted = extractMetrics(run)
    .filter((m) => m.operation !== undefined && m.operation !== 'resources' && (TREND_STATS as readonly string[]).includes(m.stat))
    .map((m) => m.name);
  const valuesByRun = runs.map((r) => new Map(extractMetrics(r).map((m) => [m.name, m.value])));
  const out: TrendSeries[] = [];
  for (const name of wanted) {
    const own = fingerprintOfMetric(run, name);
    const groups = new Map<string, { fp: Fingerprint | undefined; points: TrendPoint[] }>([[own?.id ?? '', { fp: own, points: [] }]]);
    runs.forEach((r, i) => {
      const v = valuesByRun[i]?.get(name);
      if (v === undefined) return;
      const fp = fingerprintOfMetric(r, name);
      const group = groups.get(fp?.id ?? '') ?? { fp, points: [] };
      group.points.push({ runId: r.id, at: r.startedAt, value: v });
      groups.set(fp?.id ?? '', group);
    });
    for (const { fp, points } of groups.values()) {
      if (points.length >= 2) out.push(trendSeries(name, points, detect, fp));
    }
  }
  return out;
}

/** One configuration's series of one metric, with its change points and the latest run against its baseline. */
function trendSeries(name: string, points: TrendPoint[], detect: ChangePointDetector, fp: Fingerprint | undefined): TrendSeries {
  const info = metricInfo(name);
  const series: TrendSeries = { metric: name, unit: info.unit, direction: info.direction, points, changePoints: detect(points.map((p) => p.value)), ...(fp ? { fingerprint: fp.id, configuration: fingerprintLabel(fp) } : {}) };
  const lastIndex = points.length - 1;
  const levelStart = Math.max(0, ...series.changePoints.filter((i) => i < lastIndex));
  const baseline = median(points.slice(levelStart, lastIndex).map((p) => p.value));
  const last = (points[lastIndex] as TrendPoint).value;
  series.baseline = baseline;
  if (baseline !== 0) series.lastChange = (last - baseline) / Math.abs(baseline);
  return series;
}

/** The percentile spectrum of an operation's latency histogram (empty when it completed nothing). */
export function latencySpectrum(op: OperationResult): Array<{ percentile: number; valueUs: number }> {
  if (op.count === 0 || op.histogram === '') return [];
  return LatencyHistogram.using((h) => h.spectrum(), op.histogram);
}

/** Percentiles a CDF is drawn through: every 5 % of the body, then the tail. */
const CDF_PERCENTILES = [0, ...Array.from({ length: 19 }, (_, i) => 5 * (i + 1)), 97.5, 99, 99.5, 99.9, 100];

/**
 * The distribution function of an operation's latency (e.g. election times): the fraction of
 * operations done within each time, read from its histogram. Empty when it completed nothing.
 */
export function latencyCdf(op: OperationResult): Array<{ valueUs: number; fraction: number }> {
  if (op.count === 0 || op.histogram === '') return [];
  return LatencyHistogram.using((h) => CDF_PERCENTILES.map((p) => ({ valueUs: h.percentile(p), fraction: p / 100 })), op.histogram);
}

/** Operations whose latency distribution is what a reader looks at as a whole: leader elections. */
export function isElectionOperation(suite: string, operation: string): boolean {
  return operation === 'election' || (suite === 'election' && operation !== 'resources');
}

/**
 * Position of a percentile on the classic HdrHistogram spectrum axis: log10(1 / (1 − p)), so
 * 90 % → 1, 99 % → 2, 99.9 % → 3. The maximum (p = 100) sits one half-step past the last point.
 */
export function spectrumX(percentile: number, lastX = 6.02): number {
  if (percentile >= 100) return lastX + 0.3;
  return Math.log10(100 / (100 - percentile));
}
