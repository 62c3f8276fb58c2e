import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../../src/measure/histogram.js';
import { Rng } from '../../src/measure/rng.js';
import { percentile } from '../../src/measure/stats.js';

/** HdrHistogram with 3 significant digits: a reported value is within 0.1 % (plus 1 µs) of the exact one. */
function withinPrecision(reported: number, exact: number): boolean {
  return Math.abs(reported - exact) <= exact * 0.001 + 1;
}

describe('LatencyHistogram', () => {
  it('percentiles stay within the 3-significant-digit guarantee on random data', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 3_600_000_000 }), { minLength: 1, maxLength: 2000 }), (xs) => {
        LatencyHistogram.using((h) => {
          for (const x of xs) h.record(x);
          for (const p of [50, 90, 99, 99.9]) {
            expect(withinPrecision(h.percentile(p), percentile(xs, p))).toBe(true);
          }
          expect(h.count).toBe(xs.length);
          const s = h.summary();
          expect(withinPrecision(s.max, Math.max(...xs))).toBe(true);
          expect(withinPrecision(s.min, Math.min(...xs))).toBe(true);
        });
      }),
      { numRuns: 60 },
    );
  });

  it('merging histograms equals recording everything in one', () => {
    const rng = new Rng(11);
    const all = LatencyHistogram.create();
    const parts = [LatencyHistogram.create(), LatencyHistogram.create(), LatencyHistogram.create()];
    for (let i = 0; i < 30_000; i++) {
      const v = Math.round(rng.exponential(2000)) + 1;
      all.record(v);
      (parts[i % 3] as LatencyHistogram).record(v);
    }
    const merged = LatencyHistogram.mergeEncoded(parts.map((p) => p.encode()));
    expect(merged.summary()).toEqual(all.summary());
    expect(merged.buckets()).toEqual(all.buckets());
    for (const h of [all, merged, ...parts]) h.destroy();
  });

  it('survives encode/decode unchanged and clamps out-of-range values', () => {
    const h = LatencyHistogram.create();
    h.record(0);
    h.record(0.4);
    h.record(12.6);
    h.record(1e13);
    const back = LatencyHistogram.decode(h.encode());
    expect(back.count).toBe(4);
    expect(back.summary()).toEqual(h.summary());
    expect(back.summary().min).toBe(1);
    expect(back.percentile(60)).toBe(13);
    expect(back.summary().max).toBeGreaterThanOrEqual(3_600_000_000 * 0.999);
    h.destroy();
    back.destroy();
  });

  it('buckets sum to the count; spectrum is monotone and ends at max', () => {
    LatencyHistogram.using((h) => {
      for (let i = 1; i <= 1000; i++) h.record(i * 10);
      const buckets = h.buckets();
      expect(buckets.reduce((a, b) => a + b.count, 0)).toBe(1000);
      const spectrum = h.spectrum();
      for (let i = 1; i < spectrum.length; i++) {
        expect(spectrum[i]!.valueUs).toBeGreaterThanOrEqual(spectrum[i - 1]!.valueUs);
      }
      expect(spectrum.at(-1)!.valueUs).toBe(h.summary().max);
    });
  });

  it('an empty histogram summarises to zeros and encodes', () => {
    LatencyHistogram.using((h) => {
      expect(h.summary().count).toBe(0);
      expect(h.percentile(99)).toBe(0);
      expect(LatencyHistogram.decode(h.encode()).count).toBe(0);
    });
  });
});
