/**
 * anomalies: the latest value of each metric judged against its own history by a robust z-score,
 * (x − median) / MAD (Iglewicz & Hoaglin; |z| > 3.5 is an outlier). Median and MAD ignore the
 * occasional wild run that would inflate a mean and standard deviation and hide the next one.
 */
import { mad, median } from '../measure/stats.js';
import type { HistoryStore, ListOptions, SeriesPoint } from './history/store.js';
import { isWorse, metricInfo, metricMatcher, type Direction, type MetricUnit } from './metrics.js';
import { FingerprintIndex, seriesWithinFingerprint } from './comparable.js';

export interface Anomaly {
  metric: string;
  unit: MetricUnit;
  direction: Direction;
  runId: string;
  at: string;
  value: number;
  /** Median and MAD (scaled to σ) of the history the value is judged against. */
  median: number;
  mad: number;
  /** Robust z-score; ±Infinity when the history never varied (serialised as null in JSON). */
  z: number;
  /** True when the outlier is on the bad side (slower, fewer ops/s, more errors). */
  worse: boolean;
  historySize: number;
  /** The configuration fingerprint the history was restricted to (absent with `across`). */
  fingerprint?: string;
}

export interface AnomalyOptions {
  metric?: string;
  since?: Date;
  tags?: ListOptions['tags'];
  /** |z| above which a value is an anomaly (default 3.5). */
  threshold?: number;
  /** Fewest earlier values needed to judge (default 5). */
  minHistory?: number;
  /** Earlier values considered (default the 30 before the point). */
  window?: number;
  /** Judge the last `last` points of each series, each against the values before it (default 1). */
  last?: number;
  /** Report only anomalies on the bad side (default false: both). */
  worseOnly?: boolean;
  /** Judge against runs of every configuration (default: only the judged run's fingerprint). */
  across?: boolean;
}

/**
 * MAD floor: HdrHistogram figures are quantised to 0.1 % and many series (error counts) are flat;
 * a zero MAD would call any 0.2 % wobble infinitely anomalous. 1 % of the median is the floor.
 */
const MAD_FLOOR = 0.01;

/** Judges one value against earlier values (the caller makes sure there are enough of them). */
export function judge(value: number, earlier: readonly number[], threshold = 3.5): { median: number; mad: number; z: number; outlier: boolean } {
  const m = median(earlier);
  const d = Math.max(mad(earlier), Math.abs(m) * MAD_FLOOR);
  const z = d === 0 ? (value === m ? 0 : Math.sign(value - m) * Infinity) : (value - m) / d;
  return { median: m, mad: d, z, outlier: Math.abs(z) > threshold };
}

export function seriesAnomalies(metric: string, points: readonly SeriesPoint[], options: AnomalyOptions = {}): Anomaly[] {
  const info = metricInfo(metric);
  const minHistory = options.minHistory ?? 5;
  const window = options.window ?? 30;
  const last = Math.max(1, options.last ?? 1);
  const out: Anomaly[] = [];
  for (let i = Math.max(0, points.length - last); i < points.length; i++) {
    const p = points[i] as SeriesPoint;
    const earlier = points.slice(Math.max(0, i - window), i).map((q) => q.value);
    if (earlier.length < minHistory) continue;
    const j = judge(p.value, earlier, options.threshold ?? 3.5);
    if (!j.outlier) continue;
    const worse = isWorse(info.direction, j.median, p.value);
    if (options.worseOnly && !worse) continue;
    out.push({ metric, unit: info.unit, direction: info.direction, runId: p.runId, at: p.at, value: p.value, median: j.median, mad: j.mad, z: j.z, worse, historySize: earlier.length });
  }
  return out;
}

/**
 * Anomalies among the latest points of every metric matching `options.metric`, each judged only
 * against earlier runs of its own configuration fingerprint unless `across` (an MCP-started run
 * with other defaults is not an anomaly of the CLI's runs).
 */
export function findAnomalies(history: HistoryStore, options: AnomalyOptions = {}): Anomaly[] {
  const match = metricMatcher(options.metric ?? '**');
  const index = new FingerprintIndex(history);
  const last = Math.max(1, options.last ?? 1);
  const out: Anomaly[] = [];
  for (const name of history.metricNames().filter(match)) {
    const points = history.series(name, { ...(options.since ? { since: options.since } : {}), ...(options.tags ? { tags: options.tags } : {}) });
    if (options.across) {
      out.push(...seriesAnomalies(name, points, options));
      continue;
    }
    // Each judged point against the earlier points of its own configuration.
    for (let i = Math.max(0, points.length - last); i < points.length; i++) {
      const within = seriesWithinFingerprint(index, name, points.slice(0, i + 1));
      const found = seriesAnomalies(name, within.points, { ...options, last: 1 });
      for (const a of found) if (within.fingerprint) a.fingerprint = within.fingerprint.id;
      out.push(...found);
    }
  }
  return out;
}
