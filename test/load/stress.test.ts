import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/measure/clock.js';
import { parseSlo } from '../../src/load/slo.js';
import { findKnee, intervalThroughputCv, nextRate, runStress, type StressOptions } from '../../src/runner/stress.js';
import { StressSchema } from '../../src/core/result.js';
import { ConcurrentServer, FifoServer } from './virtual-targets.js';

const base = (over: Partial<StressOptions>): StressOptions => ({
  startRate: 200,
  maxRate: 100_000,
  growth: { factor: 1.5 },
  stepDurationUs: 1_000_000,
  warmupUs: 0,
  slo: parseSlo('--slo', 'p99<5ms,success>=99%'),
  refineSteps: 0,
  maxInFlight: 10_000,
  maxLagUs: 10_000_000,
  seed: 1,
  ...over,
});

describe('stress search on the virtual clock', () => {
  it('finds the capacity of a target whose latency grows past 1000/s', async () => {
    const clock = new VirtualClock();
    // One worker, 1 ms per request: capacity 1000/s; beyond it a queue builds and latency climbs.
    const server = new FifoServer(clock, () => 1000);
    const out = await clock.run(runStress(server.workload('GET /x'), base({ refineSteps: 3, warmupUs: 200_000 }), { clock, signal: new AbortController().signal }));
    expect(out.stopReason).toBe('slo-broken');
    const search = out.steps.filter((s) => s.phase === 'search').map((s) => s.rate);
    expect(search).toEqual([200, 300, 450, 675, 1010]);
    expect(out.steps.filter((s) => s.phase === 'refine').map((s) => [s.rate, s.passed])).toEqual([
      [843, true],
      [927, true],
      [969, true],
    ]);
    // Below capacity every step passes with the 1 ms service time; the first step above breaks p99.
    for (const s of out.steps) {
      expect(s.passed).toBe(s.rate < 1000);
      if (s.rate < 1000) expect(s.p99Us).toBe(1000);
      else expect(s.brokenClauses).toEqual(['p99<5ms']);
    }
    expect(out.maxSustainableRate).toBe(969);
    expect(out.knee).toBe(969);
    expect(out.sustainableThroughput).toBeGreaterThan(960);
    expect(out.optimalThroughput).toBeGreaterThanOrEqual(out.sustainableThroughput);
    expect(out.optimalThroughput).toBeLessThanOrEqual(1000.5); // the server cannot do more than 1000/s
    expect(out.throughputVariability).toBeDefined();
    expect(out.throughputVariability!).toBeLessThan(0.05);

    const op = out.operations[0]!;
    expect(op.name).toBe('GET /x');
    const stress = StressSchema.parse(op.stress);
    expect(stress.steps).toHaveLength(8);
    expect(stress.maxSustainableRate).toBe(969);
    expect(stress.slo).toBe('p99<5ms,success>=99%');
    expect(stress.steps[4]).toMatchObject({ rate: 1010, passed: false, violations: ['p99<5ms'] });
    // The reported histogram is the sustainable step's.
    expect(op.latencyUs.p99).toBe(1000);
    // Intervals of every step, on one time line.
    const starts = out.intervals.map((i) => i.startUs);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
  });

  it('reports no sustainable rate when the first step already breaks the SLO', async () => {
    const clock = new VirtualClock();
    const server = new FifoServer(clock, () => 20_000); // 50/s capacity
    const out = await clock.run(runStress(server.workload(), base({ refineSteps: 2 }), { clock, signal: new AbortController().signal }));
    expect(out.steps).toHaveLength(1);
    expect(out.steps[0]!.passed).toBe(false);
    expect(out.maxSustainableRate).toBe(0);
    expect(out.knee).toBeNull();
    expect(out.operations[0]!.stress!.maxSustainableRate).toBe(0);
  });

  it('stops at --max-rate when the SLO still holds, the last step exactly at the cap', async () => {
    const clock = new VirtualClock();
    const server = new ConcurrentServer(clock, () => 1000);
    const seen: number[] = [];
    const out = await clock.run(
      runStress(server.workload(), base({ startRate: 100, maxRate: 500, growth: { factor: 2 } }), { clock, signal: new AbortController().signal, onStep: (s) => seen.push(s.rate) }),
    );
    expect(seen).toEqual([100, 200, 400, 500]);
    expect(out.stopReason).toBe('max-rate');
    expect(out.maxSustainableRate).toBe(500);
    expect(out.steps.every((s) => s.passed && s.dropped === 0)).toBe(true);
  });

  it('steps by a fixed increment with --step', () => {
    expect(nextRate(100, { step: 50 }, 1000)).toBe(150);
    expect(nextRate(980, { step: 50 }, 1000)).toBe(1000);
    expect(nextRate(675, { factor: 1.5 }, 1e6)).toBe(1010);
    expect(nextRate(3, { factor: 1.1 }, 1e6)).toBe(3.3);
  });
});

describe('knee', () => {
  it('finds where latency starts climbing', () => {
    const pts = [100, 200, 300, 400, 500].map((rate) => ({ rate, throughput: rate, p99Us: rate <= 300 ? 1000 : (rate - 250) * 100 }));
    expect(findKnee(pts)).toBe(300);
  });

  it('finds where throughput stops following the offered rate', () => {
    const pts = [100, 200, 300, 400, 500].map((rate) => ({ rate, throughput: Math.min(rate, 300), p99Us: 1000 }));
    expect(findKnee(pts)).toBe(300);
  });

  it('finds none on a straight line, on noise, or with fewer than three steps', () => {
    expect(findKnee([100, 200, 300, 400].map((rate) => ({ rate, throughput: rate, p99Us: rate * 10 })))).toBeNull();
    expect(findKnee([100, 200, 300, 400].map((rate, i) => ({ rate, throughput: rate, p99Us: [1000, 1100, 950, 1080][i]! })))).toBeNull();
    expect(findKnee([{ rate: 1, throughput: 1, p99Us: 1 }, { rate: 2, throughput: 1, p99Us: 100 }])).toBeNull();
  });

  it('computes the CV of per-window throughput, leaving out a short tail window', () => {
    const iv = (startUs: number, count: number, durationUs = 100_000) => ({ operation: 'a', startUs, durationUs, count, errors: 0, throughput: 0, p50Us: 0, p95Us: 0, p99Us: 0 });
    expect(intervalThroughputCv([iv(0, 100), iv(100_000, 100), iv(200_000, 1, 1000)])).toBe(0);
    expect(intervalThroughputCv([iv(0, 50), iv(100_000, 150)])).toBeCloseTo(0.5, 6) // rates 500 and 1500 per second: σ 500 (population), mean 1000;
  });
});
