import { describe, expect, it } from 'vitest';
import { runClosedLoop } from '../../src/load/closed-loop.js';
import { sleep, VirtualClock } from '../../src/measure/clock.js';
import { LatencyHistogram } from '../../src/measure/histogram.js';
import { Recorder } from '../../src/measure/recorder.js';

describe('Recorder', () => {
  it('counts, errors with reasons, drops and retries per operation', () => {
    const r = new Recorder({ startUs: 0, intervalUs: 1_000_000 });
    r.record('claim', 100, 10);
    r.record('claim', 300, 20);
    r.recordError('claim', 'SQLITE_BUSY', 5000, 30);
    r.recordError('claim', 'SQLITE_BUSY', 5000, 40);
    r.recordError('claim', 'VERSION_CONFLICT', 50, 50);
    r.recordDropped('claim', 3);
    r.recordRetry('claim', 7);
    r.declare('never');
    const { operations } = r.finish(2_000_000);
    const claim = operations.find((o) => o.name === 'claim')!;
    expect(claim.count).toBe(5);
    expect(claim.errors).toBe(3);
    expect(claim.dropped).toBe(3);
    expect(claim.retries).toBe(7);
    expect(claim.errorReasons).toEqual({ SQLITE_BUSY: 2, VERSION_CONFLICT: 1 });
    expect(claim.throughput).toBe(2.5);
    expect(claim.latencyUs.min).toBe(50);
    expect(LatencyHistogram.using((h) => h.count, claim.histogram)).toBe(5);
    const never = operations.find((o) => o.name === 'never')!;
    expect(never.count).toBe(0);
    expect(never.latencyUs.p99).toBe(0);
  });

  it('cuts interval windows by completion time, including empty windows of a stall', () => {
    const r = new Recorder({ startUs: 1000, intervalUs: 1_000_000 });
    // 10 ops in the first second, nothing in the second (a stall), 5 in the third half-second.
    for (let i = 0; i < 10; i++) r.record('op', 100 + i, 1000 + i * 90_000);
    for (let i = 0; i < 5; i++) r.record('op', 2000, 1000 + 2_000_000 + i * 90_000);
    const { intervals, durationUs } = r.finish(1000 + 2_500_000);
    expect(durationUs).toBe(2_500_000);
    expect(intervals.map((w) => w.count)).toEqual([10, 0, 5]);
    expect(intervals.map((w) => w.startUs)).toEqual([0, 1_000_000, 2_000_000]);
    expect(intervals[0]!.throughput).toBe(10);
    expect(intervals[1]!.throughput).toBe(0);
    // The last window is half a second long: 5 ops in it is 10/s, not 5/s.
    expect(intervals[2]!.durationUs).toBe(500_000);
    expect(intervals[2]!.throughput).toBe(10);
    expect(intervals[2]!.p99Us).toBe(2000);
  });

  it('keeps a bounded reservoir and reports bootstrap intervals around the median', () => {
    const r = new Recorder({ startUs: 0, reservoirSize: 500, seed: 3 });
    for (let i = 0; i < 20_000; i++) r.record('op', 1000 + (i % 100), i);
    const op = r.finish(20_000).operations[0]!;
    expect(op.outliers?.sampled).toBe(500);
    expect(op.ci95!.p50.low).toBeLessThanOrEqual(op.ci95!.p50.estimate);
    expect(op.ci95!.p50.high).toBeGreaterThanOrEqual(op.ci95!.p50.estimate);
    expect(op.ci95!.p50.estimate).toBeGreaterThan(1030);
    expect(op.ci95!.p50.estimate).toBeLessThan(1070);
  });

  it('refuses to be used after finish', () => {
    const r = new Recorder({ startUs: 0 });
    r.finish(10);
    expect(() => r.finish(20)).toThrow(/twice/);
    expect(() => r.record('x', 1, 1)).toThrow(/finished/);
  });
});

describe('closed loop on the virtual clock', () => {
  it('honours the concurrency: never more in flight than asked, throughput = N / latency', async () => {
    const clock = new VirtualClock();
    const recorder = new Recorder({ startUs: 0, intervalUs: 1_000_000 });
    let inFlight = 0;
    let maxInFlight = 0;
    const workload = {
      next: () => ({
        name: 'op',
        run: async () => {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await sleep(clock, 10_000); // 10 ms each
          inFlight--;
        },
      }),
    };
    const outcome = await clock.run(
      runClosedLoop(workload, { concurrency: 8, durationUs: 1_000_000 }, { clock, recorder, signal: new AbortController().signal }),
    );
    const op = recorder.finish(outcome.endUs).operations[0]!;
    expect(maxInFlight).toBe(8);
    // 8 workers × 100 ops/s each over one second.
    expect(op.count).toBe(800);
    expect(op.throughput).toBeCloseTo(800, 0);
    // HDR reports the highest value equivalent to 10 000 µs at 3 significant digits.
    expect(op.latencyUs.p50).toBeGreaterThanOrEqual(10_000);
    expect(op.latencyUs.p50).toBeLessThanOrEqual(10_010);
  });

  it('stops at the iteration count and records errors with their code', async () => {
    const clock = new VirtualClock();
    const recorder = new Recorder({ startUs: 0 });
    let i = 0;
    const workload = {
      next: () => ({
        name: 'op',
        run: async () => {
          await sleep(clock, 100);
          if (i++ % 4 === 0) throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
        },
      }),
    };
    const outcome = await clock.run(runClosedLoop(workload, { concurrency: 2, iterations: 20 }, { clock, recorder, signal: new AbortController().signal }));
    expect(outcome.issued).toBe(20);
    const op = recorder.finish(outcome.endUs).operations[0]!;
    expect(op.count).toBe(20);
    expect(op.errors).toBe(5);
    expect(op.errorReasons).toEqual({ SQLITE_BUSY: 5 });
  });
});

describe('Recorder reservoir', () => {
  it('keeps an unbiased sample of a long stream (Algorithm L)', () => {
    // 200 000 values 0..199 999 in order; a uniform sample of 2 000 has mean ≈ 100 000 and its
    // quartiles near 50 000 and 150 000. A biased sampler (e.g. keeping the first or last values) fails.
    const r = new Recorder({ startUs: 0, reservoirSize: 2000, seed: 17 });
    for (let i = 0; i < 200_000; i++) r.record('op', i + 1, i);
    const op = r.finish(200_000).operations[0]!;
    expect(op.outliers!.sampled).toBe(2000);
    expect(op.ci95!.p50.estimate).toBeGreaterThan(92_000);
    expect(op.ci95!.p50.estimate).toBeLessThan(108_000);
    expect(op.ci95!.p99.estimate).toBeGreaterThan(190_000);
  });
});

describe('sub-microsecond operations', () => {
  it('are counted and shown as an upper bound, never as a measured 1 µs', async () => {
    const { Recorder } = await import('../../src/measure/recorder.js');
    const { operationRow } = await import('../../src/report/terminal.js');
    const recorder = new Recorder({ startUs: 0, intervalUs: 1_000_000 });
    // The selftest no-op: true latencies 0.05–0.95 µs, and one slow outlier.
    for (let i = 0; i < 1000; i++) recorder.record('noop', 0.05 + (0.9 * i) / 1000, i);
    recorder.record('noop', 40, 1000);
    recorder.record('slow', 5, 10);
    const { operations } = recorder.finish(2000);
    const noop = operations.find((o) => o.name === 'noop');
    const slow = operations.find((o) => o.name === 'slow');
    expect(noop?.subMicrosecond).toBe(1000);
    expect(slow?.subMicrosecond).toBeUndefined();
    const row = operationRow(noop!, (n) => n);
    expect(row[5]).toBe('≤1µs'); // p50
    expect(row[9]).toBe('40µs'); // max is a real measurement
    expect(operationRow(slow!, (n) => n)[5]).toBe('5µs');
  });

  it('have an exact mean (summed in ns), not the histogram\'s clamped 1 µs', () => {
    const recorder = new Recorder({ startUs: 0, intervalUs: 1_000_000 });
    // Uniform 0.05–0.95 µs in whole ns: mean 0.5 µs exactly.
    for (let i = 0; i <= 900; i++) recorder.record('noop', (50 + i) / 1000, i);
    recorder.record('mixed', 0.25, 1);
    recorder.record('mixed', 2.75, 2);
    const { operations } = recorder.finish(2000);
    expect(operations.find((o) => o.name === 'noop')!.latencyUs.mean).toBe(0.5);
    expect(operations.find((o) => o.name === 'mixed')!.latencyUs.mean).toBe(1.5);
  });
});
