import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/measure/clock.js';
import { constantRate, countArrivals, runOpenLoop } from '../../src/load/open-loop.js';
import { rampSchedule } from '../../src/load/ramp.js';
import { ConcurrentServer, FifoServer, SampleKeepingRecorder } from './virtual-targets.js';

const notAborted = (): AbortSignal => new AbortController().signal;

describe('open loop on the virtual clock', () => {
  it('issues exactly the scheduled arrivals at their intended times', async () => {
    const clock = new VirtualClock();
    const server = new ConcurrentServer(clock, () => 2000);
    const recorder = new SampleKeepingRecorder({ startUs: clock.nowUs(), intervalUs: 500_000 });
    const out = await clock.run(
      runOpenLoop(server.workload(), { schedule: constantRate(1000), durationUs: 2_000_000, maxInFlight: 100, maxLagUs: 1_000_000 }, { clock, recorder, signal: notAborted() }),
    );
    expect(out.issued).toBe(2000);
    expect(out.dropped).toBe(0);
    expect(out.started).toBe(2000);
    // 2 ms service at 1 ms spacing: two overlap (the one ending at t completes before the one due at t starts).
    expect(out.peakInFlight).toBe(2);
    // Intended start = completion − latency: exactly every 1000 µs from the origin.
    const intended = recorder.samples.map((s) => s.atUs - s.latencyUs).sort((a, b) => a - b);
    intended.forEach((t, k) => expect(t).toBe(k * 1000));
    expect(recorder.samples.every((s) => s.latencyUs === 2000 && s.serviceUs === 2000)).toBe(true);
    const { operations, intervals } = recorder.finish(out.endUs);
    const op = operations[0]!;
    expect(op.count).toBe(2000);
    expect(op.throughput).toBeCloseTo(2000 / (out.endUs / 1e6), 6);
    expect(Math.abs(op.throughput - 1000) / 1000).toBeLessThan(0.002);
    // Windows count completions: 2 ms after each arrival, so the first window holds 498, the next 500.
    expect(intervals.map((w) => w.count)).toEqual([498, 500, 500, 500, 2]);
    expect(op.serviceTimeUs?.p99).toBe(2000);
  });

  it('measures latency from the intended start, so a stall shows for every operation queued behind it (coordinated omission corrected)', async () => {
    const clock = new VirtualClock();
    // A single-worker server: request #100 stalls for 1 s, all others take 1 ms.
    const server = new FifoServer(clock, (n) => (n === 100 ? 1_000_000 : 1000));
    const recorder = new SampleKeepingRecorder({ startUs: 0, intervalUs: 1_000_000 });
    // One connection (like wrk2 -c 1): arrivals during the stall wait in the generator.
    const out = await clock.run(
      runOpenLoop(server.workload(), { schedule: constantRate(100), durationUs: 3_000_000, maxInFlight: 1, maxLagUs: 5_000_000 }, { clock, recorder, signal: notAborted() }),
    );
    expect(out.issued).toBe(300);
    expect(out.dropped).toBe(0);
    const queuedBehind = recorder.samples.filter((s) => {
      const intended = s.atUs - s.latencyUs;
      return intended > 1_000_000 && intended < 2_000_000;
    });
    expect(queuedBehind.length).toBe(99);
    for (const s of queuedBehind) {
      const intended = s.atUs - s.latencyUs;
      // Latency carries the wait for the stalled request to finish at 2.0 s...
      expect(s.latencyUs).toBeGreaterThanOrEqual(2_000_000 - intended);
      // ...while service time (from the actual start) is the request's own 1 ms.
      expect(s.serviceUs).toBe(1000);
    }
    const op = recorder.finish(out.endUs).operations[0]!;
    expect(op.latencyUs.p99).toBeGreaterThan(900_000);
    expect(op.latencyUs.p90).toBeGreaterThan(100_000);
    expect(op.serviceTimeUs!.p99).toBe(1000);
    expect(op.serviceTimeUs!.max).toBeGreaterThanOrEqual(999_000); // the stalled request itself, not hidden
  });

  it('counts arrivals that could not start within the allowed lag as dropped when the in-flight cap is reached', async () => {
    const clock = new VirtualClock();
    const server = new ConcurrentServer(clock, () => 1_000_000);
    const recorder = new SampleKeepingRecorder({ startUs: 0 });
    const out = await clock.run(
      runOpenLoop(server.workload('slow'), { schedule: constantRate(100), durationUs: 1_000_000, maxInFlight: 2, maxLagUs: 100_000 }, { clock, recorder, signal: notAborted() }),
    );
    expect(out.issued).toBe(100);
    expect(out.started + out.dropped).toBe(100);
    expect(out.dropped).toBeGreaterThanOrEqual(90);
    expect(server.maxInFlight).toBe(2);
    expect(out.peakInFlight).toBe(2);
    // Nothing started later than the allowed lag.
    for (const s of recorder.samples) expect(s.latencyUs - (s.serviceUs as number)).toBeLessThanOrEqual(100_000);
    const op = recorder.finish(out.endUs).operations[0]!;
    expect(op.name).toBe('slow');
    expect(op.dropped).toBe(out.dropped);
    expect(op.count).toBe(out.started);
  });

  it('stops after --iterations arrivals and when aborted, recording what was in flight', async () => {
    const clock = new VirtualClock();
    const server = new ConcurrentServer(clock, () => 5000);
    const r1 = new SampleKeepingRecorder({ startUs: 0 });
    const out1 = await clock.run(runOpenLoop(server.workload(), { schedule: constantRate(1000), iterations: 50, maxInFlight: 10, maxLagUs: 1e6 }, { clock, recorder: r1, signal: notAborted() }));
    expect(out1.issued).toBe(50);
    expect(r1.samples.length).toBe(50);

    const controller = new AbortController();
    const start = clock.nowUs();
    const r2 = new SampleKeepingRecorder({ startUs: start });
    void clock.sleepUntil(start + 500_000).then(() => controller.abort());
    const out2 = await clock.run(runOpenLoop(server.workload(), { schedule: constantRate(1000), durationUs: 10_000_000, maxInFlight: 10, maxLagUs: 1e6 }, { clock, recorder: r2, signal: controller.signal }));
    expect(out2.aborted).toBe(true);
    expect(out2.issued).toBeGreaterThanOrEqual(500);
    expect(out2.issued).toBeLessThanOrEqual(501);
    expect(r2.samples.length).toBe(out2.started); // in-flight operations finished and were recorded
    expect(out2.endUs - start).toBeLessThan(600_000);
  });

  it('follows a ramp: per-second throughput tracks the linearly rising rate', async () => {
    const clock = new VirtualClock();
    const server = new ConcurrentServer(clock, () => 1000);
    const recorder = new SampleKeepingRecorder({ startUs: 0, intervalUs: 1_000_000 });
    const schedule = rampSchedule([{ durationUs: 10_000_000, targetRate: 200 }, { durationUs: 5_000_000, targetRate: 200 }]);
    const out = await clock.run(runOpenLoop(server.workload(), { schedule, maxInFlight: 100, maxLagUs: 1e6 }, { clock, recorder, signal: notAborted() }));
    expect(out.issued).toBe(countArrivals(schedule, 15_000_000));
    expect(Math.abs(out.issued - (1000 + 1000))).toBeLessThanOrEqual(1);
    const { intervals } = recorder.finish(out.endUs);
    for (let k = 0; k < 10; k++) {
      // Expected arrivals in second k of a 0→200/s ramp over 10 s: 20·k + 10.
      expect(Math.abs(intervals[k]!.count - (20 * k + 10))).toBeLessThanOrEqual(1);
    }
    for (let k = 10; k < 15; k++) expect(Math.abs(intervals[k]!.count - 200)).toBeLessThanOrEqual(1);
  });
});
