/**
 * The statistical tests compare needs, on what a RunResult records: weighted distributions (the
 * (value, count) buckets of an HdrHistogram), summary figures (mean, stddev, n) and per-interval
 * samples. Pure functions, no I/O; every test returns a two-sided p-value.
 */

export interface Bucket {
  value: number;
  count: number;
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 via erf; |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  if (z === Infinity) return 1;
  if (z === -Infinity) return 0;
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Two-sided p-value of a standard normal statistic. */
export function normalTwoSided(z: number): number {
  if (Number.isNaN(z)) return 1;
  return Math.min(1, 2 * (1 - normalCdf(Math.abs(z))));
}

function logGamma(x: number): number {
  // Lanczos approximation (g = 7, n = 9).
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const xx = x - 1;
  let a = c[0] as number;
  const t = xx + 7.5;
  for (let i = 1; i < 9; i++) a += (c[i] as number) / (xx + i);
  return 0.5 * Math.log(2 * Math.PI) + (xx + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularized incomplete beta I_x(a, b) by Lentz's continued fraction (Numerical Recipes 6.4). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  if (x > (a + 1) / (a + b + 2)) return 1 - incompleteBeta(1 - x, b, a);
  const tiny = 1e-300;
  let f = 1;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  f = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let num = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + num * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + num / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    f *= d * c;
    num = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + num * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + num / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-12) break;
  }
  return (front * f) / a;
}

/** Two-sided p-value of Student's t with `df` degrees of freedom. */
export function studentTwoSided(t: number, df: number): number {
  if (!Number.isFinite(t)) return Number.isNaN(t) ? 1 : 0;
  if (!(df > 0)) return 1;
  return Math.min(1, incompleteBeta(df / (df + t * t), df / 2, 0.5));
}

/** Two-sided 97.5 % quantile of Student's t (bisection on the CDF; df may be fractional). */
export function studentCritical(df: number, level = 0.95): number {
  const alpha = 1 - level;
  let lo = 0;
  let hi = 1000;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (studentTwoSided(mid, df) > alpha) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export interface TestResult {
  /** Two-sided p-value. */
  pValue: number;
  /** 95 % interval of (head − base), in the values' unit. */
  low: number;
  high: number;
}

export interface MannWhitneyResult {
  pValue: number;
  /** Probability that a head sample exceeds a base sample (ties count half): 0.5 means no shift. */
  probabilityHeadGreater: number;
  u: number;
}

/**
 * Mann-Whitney U on two weighted distributions (histogram buckets), with the tie correction —
 * essential here, since every bucket is a tie group. Normal approximation with continuity
 * correction; valid for the sample sizes benchmarks record (both n ≥ 8).
 */
export function mannWhitney(base: readonly Bucket[], head: readonly Bucket[]): MannWhitneyResult {
  const groups = new Map<number, { a: number; b: number }>();
  for (const { value, count } of base) {
    const g = groups.get(value) ?? { a: 0, b: 0 };
    g.a += count;
    groups.set(value, g);
  }
  for (const { value, count } of head) {
    const g = groups.get(value) ?? { a: 0, b: 0 };
    g.b += count;
    groups.set(value, g);
  }
  const values = [...groups.keys()].sort((x, y) => x - y);
  let nA = 0;
  let nB = 0;
  for (const g of groups.values()) {
    nA += g.a;
    nB += g.b;
  }
  if (nA === 0 || nB === 0) return { pValue: 1, probabilityHeadGreater: 0.5, u: 0 };
  const n = nA + nB;
  let below = 0;
  let rankSumB = 0;
  let tieTerm = 0;
  for (const v of values) {
    const g = groups.get(v) as { a: number; b: number };
    const t = g.a + g.b;
    const avgRank = below + (t + 1) / 2;
    rankSumB += g.b * avgRank;
    tieTerm += t * t * t - t;
    below += t;
  }
  const uB = rankSumB - (nB * (nB + 1)) / 2;
  const meanU = (nA * nB) / 2;
  const varU = ((nA * nB) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  const probabilityHeadGreater = uB / (nA * nB);
  if (varU <= 0) return { pValue: 1, probabilityHeadGreater, u: uB };
  const diff = uB - meanU;
  const z = (Math.abs(diff) - 0.5) / Math.sqrt(varU);
  return { pValue: normalTwoSided(Math.max(0, z)), probabilityHeadGreater, u: uB };
}

function totalCount(buckets: readonly Bucket[]): number {
  let n = 0;
  for (const b of buckets) n += b.count;
  return n;
}

/** Value at 1-based rank r of a weighted distribution (ascending buckets). */
function valueAtRank(buckets: readonly Bucket[], rank: number): number {
  let seen = 0;
  for (const b of buckets) {
    seen += b.count;
    if (seen >= rank) return b.value;
  }
  return buckets.length > 0 ? (buckets[buckets.length - 1] as Bucket).value : NaN;
}

export interface QuantileInterval {
  estimate: number;
  low: number;
  high: number;
  n: number;
}

/**
 * Distribution-free 95 % interval of a quantile from order statistics: the true q-quantile lies
 * between the values at ranks nq ∓ 1.96·√(nq(1−q)) (binomial normal approximation). Exact on
 * the histogram, cheap at any sample size, and honest about the tail: p99.9 of 500 samples has a
 * wide interval, as it should.
 */
export function quantileInterval(buckets: readonly Bucket[], q: number): QuantileInterval {
  const n = totalCount(buckets);
  if (n === 0) return { estimate: NaN, low: NaN, high: NaN, n };
  const center = n * q;
  const half = 1.96 * Math.sqrt(n * q * (1 - q));
  const clamp = (r: number): number => Math.min(n, Math.max(1, r));
  return {
    estimate: valueAtRank(buckets, clamp(Math.ceil(center))),
    low: valueAtRank(buckets, clamp(Math.floor(center - half))),
    high: valueAtRank(buckets, clamp(Math.ceil(center + half) + 1)),
    n,
  };
}

/**
 * Test of a quantile difference between two distributions: each side's standard error comes from
 * its order-statistic interval, combined in quadrature (independent runs). `baseValue` and
 * `headValue` are the recorded figures; the interval is of head − base.
 */
export function quantileDifference(base: readonly Bucket[], head: readonly Bucket[], q: number, baseValue: number, headValue: number): TestResult {
  const a = quantileInterval(base, q);
  const b = quantileInterval(head, q);
  const d = headValue - baseValue;
  // HdrHistogram keeps 3 significant digits: no interval is narrower than one bucket (0.1 %).
  const res = (v: number): number => Math.max(1, Math.abs(v) * 0.001);
  const aLow = Math.max(a.estimate - a.low, res(a.estimate));
  const aHigh = Math.max(a.high - a.estimate, res(a.estimate));
  const bLow = Math.max(b.estimate - b.low, res(b.estimate));
  const bHigh = Math.max(b.high - b.estimate, res(b.estimate));
  const downHalf = Math.hypot(bLow, aHigh);
  const upHalf = Math.hypot(bHigh, aLow);
  const se = (d >= 0 ? downHalf : upHalf) / 1.96;
  return { pValue: normalTwoSided(d / se), low: d - downHalf, high: d + upHalf };
}

/** Welch's t-test from summary figures (mean, standard deviation, count). */
export function welchFromSummary(base: { mean: number; sd: number; n: number }, head: { mean: number; sd: number; n: number }): TestResult {
  const d = head.mean - base.mean;
  if (base.n < 2 || head.n < 2) return { pValue: 1, low: NaN, high: NaN };
  const va = (base.sd * base.sd) / base.n;
  const vb = (head.sd * head.sd) / head.n;
  const se = Math.sqrt(va + vb);
  if (se === 0) return { pValue: d === 0 ? 1 : 0, low: d, high: d };
  const df = (va + vb) ** 2 / ((va * va) / (base.n - 1) + (vb * vb) / (head.n - 1));
  const t = d / se;
  const crit = studentCritical(df);
  return { pValue: studentTwoSided(t, df), low: d - crit * se, high: d + crit * se };
}

function meanSd(xs: readonly number[]): { mean: number; sd: number; n: number } {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const sd = n < 2 ? 0 : Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  return { mean, sd, n };
}

/** Welch's t-test on two samples (e.g. per-interval throughputs). */
export function welch(base: readonly number[], head: readonly number[]): TestResult {
  return welchFromSummary(meanSd(base), meanSd(head));
}

/** Two-proportion z-test (pooled) with a Wald 95 % interval of the difference head − base. */
export function twoProportion(baseHits: number, baseN: number, headHits: number, headN: number): TestResult {
  if (baseN === 0 || headN === 0) return { pValue: 1, low: NaN, high: NaN };
  const pa = baseHits / baseN;
  const pb = headHits / headN;
  const pooled = (baseHits + headHits) / (baseN + headN);
  const sePooled = Math.sqrt(pooled * (1 - pooled) * (1 / baseN + 1 / headN));
  const d = pb - pa;
  const seWald = Math.sqrt((pa * (1 - pa)) / baseN + (pb * (1 - pb)) / headN);
  return { pValue: sePooled === 0 ? 1 : normalTwoSided(d / sePooled), low: d - 1.96 * seWald, high: d + 1.96 * seWald };
}
