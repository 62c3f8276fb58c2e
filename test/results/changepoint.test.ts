import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/measure/rng.js';
import { detectChangePoints } from '../../src/results/changepoint.js';

/** n points of level 100 with Gaussian noise (cv), stepping by `step` (relative) at `at`. */
function series(seed: number, n: number, cv: number, step = 0, at = Math.floor(n / 2)): number[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => 100 * (i >= at ? 1 + step : 1) * (1 + rng.normal(0, cv)));
}

describe('E-Divisive change points', () => {
  it('finds a planted 20 % step in a noisy series, at the right place', () => {
    const s = series(42, 60, 0.05, 0.2, 35);
    const cps = detectChangePoints(s);
    expect(cps).toHaveLength(1);
    expect(cps[0]!.index).toBe(35);
    expect(cps[0]!.after / cps[0]!.before).toBeCloseTo(1.2, 1);
    expect(cps[0]!.pValue).toBeLessThanOrEqual(0.005);
  });

  it('finds two steps (up then back down) in ≥ 90 % of 20 seeds, each within ±1 point', () => {
    let exact = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const rng = new Rng(seed);
      const s = Array.from({ length: 60 }, (_, i) => (i >= 20 && i < 40 ? 130 : 100) + rng.normal(0, 4));
      const idx = detectChangePoints(s, { seed }).map((c) => c.index);
      if (idx.length === 2 && Math.abs((idx[0] as number) - 20) <= 1 && Math.abs((idx[1] as number) - 40) <= 1) exact++;
    }
    expect(exact).toBeGreaterThanOrEqual(18);
  });

  it('false-positive rate on pure noise over 200 seeds is at most 1 %', () => {
    let withChange = 0;
    for (let seed = 1; seed <= 200; seed++) if (detectChangePoints(series(seed * 7919, 50, 0.05), { seed }).length > 0) withChange++;
    expect(withChange / 200).toBeLessThanOrEqual(0.01);
  });

  it('false-positive rate holds for heavy-tailed noise too (permutation test assumes no distribution)', () => {
    let withChange = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const rng = new Rng(seed * 104729);
      // log-normal with occasional 3× outliers, like CI machines
      const s = Array.from({ length: 40 }, () => 100 * Math.exp(rng.normal(0, 0.1)) * (rng.bool(0.05) ? 3 : 1));
      if (detectChangePoints(s, { seed }).length > 0) withChange++;
    }
    expect(withChange / 200).toBeLessThanOrEqual(0.01);
  });

  it('detects a 20 % step in ≥ 95 % of 100 noisy series (cv 5 %), located within ±2 points', () => {
    let detected = 0;
    for (let seed = 1; seed <= 100; seed++) {
      const cps = detectChangePoints(series(seed * 31337, 40, 0.05, 0.2, 25), { seed });
      if (cps.some((c) => Math.abs(c.index - 25) <= 2)) detected++;
    }
    expect(detected / 100).toBeGreaterThanOrEqual(0.95);
  });

  it('is deterministic for a seed, and honours minSize', () => {
    const s = series(5, 30, 0.05, 0.3, 28);
    expect(detectChangePoints(s, { seed: 3 })).toEqual(detectChangePoints(s, { seed: 3 }));
    // a step 2 points before the end cannot be split with minSize 3
    expect(detectChangePoints(s, { minSize: 3 }).every((c) => c.index <= 27)).toBe(true);
    expect(detectChangePoints([1, 2])).toEqual([]);
    expect(() => detectChangePoints([1, NaN, 3])).toThrow(/non-finite/);
  });
});
