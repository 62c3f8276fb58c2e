/**
 * Statistics on raw samples: exact percentiles, dispersion, MAD outliers and bootstrap confidence
 * intervals. Histograms answer percentiles for everything recorded; these functions serve where the
 * raw values are kept (reservoirs, per-run series) and statistics must be exact.
 */
import { Rng } from './rng.js';

export interface SampleStats {
  count: number;
  min: number;
  max: number;
  mean: number;
  stddev: number;
  /** Coefficient of variation: stddev / mean (0 when the mean is 0). */
  cv: number;
  p50: number;
  p75: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  p9999: number;
}

/** Sorted copy (numeric, ascending). */
export function sorted(values: readonly number[]): number[] {
  return Float64Array.from(values).sort() as unknown as number[];
}

/**
 * Percentile by the nearest-rank method on sorted data (the value at rank ceil(p/100 · n)), which
 * is also what HdrHistogram reports, so raw and histogram figures agree.
 */
export function percentileSorted(sortedValues: ArrayLike<number>, p: number): number {
  const n = sortedValues.length;
  if (n === 0) return NaN;
  return sortedValues[nearestRankIndex(n, p)] as number;
}

/** 0-based index of the nearest-rank p-th percentile among n sorted values (n ≥ 1). */
function nearestRankIndex(n: number, p: number): number {
  return p <= 0 ? 0 : Math.min(n, Math.max(1, Math.ceil((p / 100) * n))) - 1;
}

export function percentile(values: readonly number[], p: number): number {
  return percentileSorted(sorted(values), p);
}

export function mean(values: ArrayLike<number>): number {
  if (values.length === 0) return NaN;
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] as number;
  return sum / values.length;
}

/** Population standard deviation (as HdrHistogram reports it), computed with Welford's method. */
export function stddev(values: ArrayLike<number>): number {
  if (values.length === 0) return NaN;
  let m = 0;
  let s = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i] as number;
    const delta = x - m;
    m += delta / (i + 1);
    s += delta * (x - m);
  }
  return Math.sqrt(s / values.length);
}

export function median(values: readonly number[]): number {
  const s = sorted(values);
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 === 1 ? (s[(n - 1) / 2] as number) : ((s[n / 2 - 1] as number) + (s[n / 2] as number)) / 2;
}

export function describe(values: readonly number[]): SampleStats {
  const s = sorted(values);
  const n = s.length;
  if (n === 0) {
    return { count: 0, min: NaN, max: NaN, mean: NaN, stddev: NaN, cv: NaN, p50: NaN, p75: NaN, p90: NaN, p95: NaN, p99: NaN, p999: NaN, p9999: NaN };
  }
  const m = mean(s);
  const sd = stddev(s);
  return {
    count: n,
    min: s[0] as number,
    max: s[n - 1] as number,
    mean: m,
    stddev: sd,
    cv: m === 0 ? 0 : sd / Math.abs(m),
    p50: percentileSorted(s, 50),
    p75: percentileSorted(s, 75),
    p90: percentileSorted(s, 90),
    p95: percentileSorted(s, 95),
    p99: percentileSorted(s, 99),
    p999: percentileSorted(s, 99.9),
    p9999: percentileSorted(s, 99.99),
  };
}

/** Median absolute deviation, scaled by 1.4826 so it estimates σ for normal data. */
export function mad(values: readonly number[]): number {
  const m = median(values);
  return 1.4826 * median(values.map((v) => Math.abs(v - m)));
}

/** Robust z-score of x against a sample: (x − median) / MAD; Infinity-safe when MAD is 0. */
export function robustZ(x: number, values: readonly number[]): number {
  const m = median(values);
  const d = mad(values);
  if (d === 0) return x === m ? 0 : Math.sign(x - m) * Infinity;
  return (x - m) / d;
}

export interface Outliers {
  /** Indices (into the input) of values whose robust z-score exceeds the threshold. */
  indices: number[];
  low: number;
  high: number;
}

/** MAD-based outliers (|robust z| > threshold, 3.5 by Iglewicz and Hoaglin's recommendation). */
export function madOutliers(values: readonly number[], threshold = 3.5): Outliers {
  const m = median(values);
  const d = mad(values);
  const indices: number[] = [];
  let low = 0;
  let high = 0;
  values.forEach((v, i) => {
    const z = d === 0 ? (v === m ? 0 : Math.sign(v - m) * Infinity) : (v - m) / d;
    if (Math.abs(z) > threshold) {
      indices.push(i);
      if (z < 0) low++;
      else high++;
    }
  });
  return { indices, low, high };
}

export interface ConfidenceInterval {
  estimate: number;
  low: number;
  high: number;
  level: number;
}

/**
 * Percentile bootstrap confidence interval of a statistic: resample with replacement `resamples`
 * times (seeded, so reproducible) and take the (1−level)/2 and (1+level)/2 quantiles. The
 * statistic receives each resample sorted.
 */
export function bootstrapCI(
  values: readonly number[],
  statistic: (sample: Float64Array) => number,
  options: { resamples?: number; level?: number; seed?: number } = {},
): ConfidenceInterval {
  return resampledCI(values, (sample) => statistic(sample.sort()), options);
}

/** The resampling loop both bootstraps share; `statistic` may reorder the sample it is given. */
function resampledCI(
  values: readonly number[],
  statistic: (sample: Float64Array) => number,
  options: { resamples?: number; level?: number; seed?: number },
): ConfidenceInterval {
  const { resamples = 1000, level = 0.95, seed = 1 } = options;
  const n = values.length;
  const source = Float64Array.from(values);
  const estimate = statistic(Float64Array.from(source));
  if (n < 2) return { estimate, low: estimate, high: estimate, level };
  const rng = new Rng(seed);
  const stats = new Float64Array(resamples);
  const sample = new Float64Array(n);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) sample[i] = source[Math.floor(rng.next() * n)] as number;
    stats[r] = statistic(sample);
  }
  stats.sort();
  return {
    estimate,
    low: percentileSorted(stats, ((1 - level) / 2) * 100),
    high: percentileSorted(stats, ((1 + level) / 2) * 100),
    level,
  };
}

/**
 * k-th smallest (0-based) of a[0..n) by quickselect, reordering `a` in place: O(n) on average,
 * against O(n log n) for a sort — the bootstrap below runs it a thousand times per statistic.
 */
export function selectKth(a: Float64Array, k: number, n = a.length): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1] as number;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((a[i] as number) < pivot) i++;
      while ((a[j] as number) > pivot) j--;
      if (i <= j) {
        const t = a[i] as number;
        a[i] = a[j] as number;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k] as number;
  }
  return a[k] as number;
}

/** Nearest-rank percentile by selection (no sort); reorders `a`. Same value as percentileSorted. */
export function percentileSelect(a: Float64Array, p: number): number {
  if (a.length === 0) return NaN;
  return selectKth(a, nearestRankIndex(a.length, p));
}

/**
 * Percentile bootstrap CI of one percentile, by selection: the same interval bootstrapCI gives
 * for `(s) => percentileSorted(s, p)` with the same seed, several times faster.
 */
export function bootstrapPercentileCI(
  values: readonly number[],
  p: number,
  options: { resamples?: number; level?: number; seed?: number } = {},
): ConfidenceInterval {
  return resampledCI(values, (sample) => percentileSelect(sample, p), options);
}

/** Bootstrap 95 % intervals for the median and p99. */
export function medianAndP99CI(values: readonly number[], seed = 1): { p50: ConfidenceInterval; p99: ConfidenceInterval } {
  return {
    p50: bootstrapPercentileCI(values, 50, { seed }),
    p99: bootstrapPercentileCI(values, 99, { seed: seed + 1 }),
  };
}

/** Least-squares slope of y over x (e.g. bytes over seconds → growth rate); 0 with < 2 points. */
export function linearSlope(xs: readonly number[], ys: readonly number[]): number {
  const n = Math.min(xs.length, ys.length);
  if (n < 2) return 0;
  const mx = mean(xs.slice(0, n));
  const my = mean(ys.slice(0, n));
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] as number) - mx;
    num += dx * ((ys[i] as number) - my);
    den += dx * dx;
  }
  return den === 0 ? 0 : num / den;
}
