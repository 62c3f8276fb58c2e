import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/parse.js';
import { countArrivals } from '../../src/load/open-loop.js';
import { parseRamp, rampSchedule } from '../../src/load/ramp.js';

describe('ramp syntax', () => {
  it('parses DURATION:RATE stages', () => {
    expect(parseRamp('--ramp', '10s:100,30s:1000,60s:1000')).toEqual([
      { durationUs: 10_000_000, targetRate: 100 },
      { durationUs: 30_000_000, targetRate: 1000 },
      { durationUs: 60_000_000, targetRate: 1000 },
    ]);
    expect(parseRamp('--ramp', ' 500ms:2.5/s , 1m:0 ')).toEqual([
      { durationUs: 500_000, targetRate: 2.5 },
      { durationUs: 60_000_000, targetRate: 0 },
    ]);
  });

  it.each([
    ['', /--ramp: expected DURATION:RATE stages.*got an empty value/],
    ['10s', /--ramp: stage 1 "10s": expected DURATION:RATE such as 30s:1000/],
    ['10s:100,30s', /--ramp: stage 2 "30s": expected DURATION:RATE/],
    ['10s:abc', /--ramp: stage 1 "10s:abc": rate "abc" is not a rate/],
    ['10s:-5', /stage 1 .*rate "-5" is not a rate/],
    ['ten:5', /--ramp: stage 1 "ten:5": duration "ten" is not a duration/],
    ['10s:100:5', /stage 1 "10s:100:5": expected DURATION:RATE/],
    ['0s:100', /the stages last 0 s in total/],
  ])('rejects %j with a message naming the stage', (input, message) => {
    expect(() => parseRamp('--ramp', input)).toThrow(UsageError);
    expect(() => parseRamp('--ramp', input)).toThrow(message);
  });
});

describe('ramp schedule', () => {
  it('ramps linearly from the start rate to each target', () => {
    const s = rampSchedule(parseRamp('--ramp', '10s:100,10s:100,5s:0'), 0);
    expect(s.durationUs).toBe(25_000_000);
    expect(s.rateAt(0)).toBe(0);
    expect(s.rateAt(5_000_000)).toBe(50);
    expect(s.rateAt(15_000_000)).toBe(100);
    expect(s.rateAt(22_500_000)).toBe(50);
    expect(s.rateAt(30_000_000)).toBe(0);
    // Area under the rate curve: 500 + 1000 + 250 arrivals (the first at t = 0).
    expect(Math.abs(countArrivals(s, s.durationUs) - 1750)).toBeLessThanOrEqual(1);
    expect(Math.abs(countArrivals(s, 5_000_000) - 125)).toBeLessThanOrEqual(1);
  });

  it('places arrivals in ascending order with gaps matching the instantaneous rate', () => {
    const s = rampSchedule([{ durationUs: 10_000_000, targetRate: 1000 }], 100);
    const c = s.cursor();
    let prev = -1;
    let n = 0;
    for (let t = c.next(); t !== Infinity; t = c.next()) {
      expect(t).toBeGreaterThan(prev);
      if (prev >= 0 && n % 500 === 0) {
        const gap = t - prev;
        expect(Math.abs(gap - 1e6 / s.rateAt(t)) / (1e6 / s.rateAt(t))).toBeLessThan(0.01);
      }
      prev = t;
      n++;
    }
    // (100 + 1000) / 2 × 10 s
    expect(Math.abs(n - 5500)).toBeLessThanOrEqual(1);
    expect(prev).toBeLessThan(10_000_000);
  });

  it('jumps on a zero-length stage and starts from the start rate', () => {
    const s = rampSchedule(parseRamp('--ramp', '1s:200,0s:50,2s:50'), 200);
    expect(s.rateAt(500_000)).toBe(200);
    expect(s.rateAt(1_500_000)).toBe(50);
    expect(Math.abs(countArrivals(s, s.durationUs) - 300)).toBeLessThanOrEqual(1);
  });

  it('refuses a ramp that makes no arrivals', () => {
    expect(() => rampSchedule(parseRamp('--ramp', '10s:0'), 0)).toThrow(/make 0.00 arrivals/);
  });
});
