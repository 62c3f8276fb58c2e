import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/measure/rng.js';
import {
  bootstrapCI,
  bootstrapPercentileCI,
  percentileSelect,
  selectKth,
  describe as describeSamples,
  linearSlope,
  mad,
  madOutliers,
  mean,
  median,
  percentile,
  percentileSorted,
  robustZ,
  stddev,
} from '../../src/measure/stats.js';

describe('statistics on known distributions', () => {
  it('gives exact values on 1..100', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    const d = describeSamples(xs);
    expect(d.count).toBe(100);
    expect(d.min).toBe(1);
    expect(d.max).toBe(100);
    expect(d.mean).toBe(50.5);
    // population stddev of 1..n is sqrt((n²−1)/12)
    expect(d.stddev).toBeCloseTo(Math.sqrt((100 * 100 - 1) / 12), 10);
    expect(d.cv).toBeCloseTo(d.stddev / 50.5, 12);
    expect(d.p50).toBe(50);
    expect(d.p75).toBe(75);
    expect(d.p90).toBe(90);
    expect(d.p95).toBe(95);
    expect(d.p99).toBe(99);
    expect(d.p999).toBe(100);
  });

  it('median averages the middle pair, percentile uses nearest rank', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([5, 1, 3])).toBe(3);
    expect(percentile([10, 20, 30, 40], 50)).toBe(20);
    expect(percentile([10, 20, 30, 40], 51)).toBe(30);
    expect(percentile([7], 99.99)).toBe(7);
    expect(Number.isNaN(percentile([], 50))).toBe(true);
  });

  it('MAD is scaled to estimate sigma and flags planted outliers', () => {
    expect(mad([1, 2, 3, 4, 5])).toBeCloseTo(1.4826, 10);
    const rng = new Rng(7);
    const xs = Array.from({ length: 500 }, () => rng.normal(100, 5));
    xs.push(1000, -800);
    const o = madOutliers(xs);
    expect(o.indices).toContain(500);
    expect(o.indices).toContain(501);
    expect(o.high).toBeGreaterThanOrEqual(1);
    expect(o.low).toBeGreaterThanOrEqual(1);
    // Normal data alone: 3.5 robust sigmas leaves very few flagged.
    expect(o.indices.length).toBeLessThan(6);
    expect(robustZ(100, [100, 100, 100])).toBe(0);
    expect(robustZ(101, [100, 100, 100])).toBe(Infinity);
  });

  it('bootstrap CI covers the true median of a known distribution, reproducibly', () => {
    const rng = new Rng(3);
    const xs = Array.from({ length: 400 }, () => rng.exponential(10));
    const ci = bootstrapCI(xs, (s) => percentileSorted(s, 50), { seed: 5 });
    const trueMedian = 10 * Math.LN2;
    expect(ci.low).toBeLessThan(trueMedian);
    expect(ci.high).toBeGreaterThan(trueMedian);
    expect(ci.low).toBeLessThanOrEqual(ci.estimate);
    expect(ci.high).toBeGreaterThanOrEqual(ci.estimate);
    expect(bootstrapCI(xs, (s) => percentileSorted(s, 50), { seed: 5 })).toEqual(ci);
  });

  it('linear slope recovers a planted growth rate', () => {
    const xs = Array.from({ length: 50 }, (_, i) => i);
    expect(linearSlope(xs, xs.map((x) => 3 * x + 7))).toBeCloseTo(3, 10);
    expect(linearSlope([1], [1])).toBe(0);
  });
});

describe('statistics, property tests against a naive reference', () => {
  const samples = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 300 });

  it('percentiles equal the nearest-rank element of the sorted array', () => {
    fc.assert(
      fc.property(samples, fc.double({ min: 0.01, max: 100, noNaN: true }), (xs, p) => {
        const s = [...xs].sort((a, b) => a - b);
        const rank = Math.min(s.length, Math.max(1, Math.ceil((p / 100) * s.length)));
        expect(percentile(xs, p)).toBe(s[rank - 1]);
      }),
    );
  });

  it('mean and stddev match the two-pass formulas', () => {
    fc.assert(
      fc.property(samples, (xs) => {
        const m = xs.reduce((a, b) => a + b, 0) / xs.length;
        const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length);
        expect(mean(xs)).toBeCloseTo(m, 4);
        expect(stddev(xs)).toBeCloseTo(sd, 4);
      }),
    );
  });

  it('min ≤ p50 ≤ p90 ≤ p99 ≤ max', () => {
    fc.assert(
      fc.property(samples, (xs) => {
        const d = describeSamples(xs);
        expect(d.min).toBeLessThanOrEqual(d.p50);
        expect(d.p50).toBeLessThanOrEqual(d.p90);
        expect(d.p90).toBeLessThanOrEqual(d.p99);
        expect(d.p99).toBeLessThanOrEqual(d.p9999);
        expect(d.p9999).toBeLessThanOrEqual(d.max);
      }),
    );
  });
});

describe('selection-based percentiles', () => {
  it('selectKth and percentileSelect agree with sorting', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 200 }), fc.double({ min: 0, max: 100, noNaN: true }), (xs, p) => {
        expect(percentileSelect(Float64Array.from(xs), p)).toBe(percentile(xs, p));
        const k = Math.floor((p / 100) * (xs.length - 1));
        expect(selectKth(Float64Array.from(xs), k)).toBe([...xs].sort((a, b) => a - b)[k]);
      }),
    );
  });

  it('the percentile bootstrap by selection gives the same interval as the sorting one', () => {
    const rng = new Rng(9);
    const xs = Array.from({ length: 300 }, () => rng.exponential(50));
    for (const p of [50, 99]) {
      expect(bootstrapPercentileCI(xs, p, { seed: 4 })).toEqual(bootstrapCI(xs, (s) => percentileSorted(s, p), { seed: 4 }));
    }
  });
});
