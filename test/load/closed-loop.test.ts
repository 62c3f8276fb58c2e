import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/measure/clock.js';
import { runClosedLoop } from '../../src/load/closed-loop.js';
import { ConcurrentServer, SampleKeepingRecorder } from './virtual-targets.js';

describe('closed loop on the virtual clock', () => {
  it('keeps exactly N operations in flight', async () => {
    const clock = new VirtualClock();
    const server = new ConcurrentServer(clock, (n) => 1000 + (n % 7) * 100);
    const recorder = new SampleKeepingRecorder({ startUs: 0 });
    const out = await clock.run(runClosedLoop(server.workload(), { concurrency: 8, durationUs: 500_000 }, { clock, recorder, signal: new AbortController().signal }));
    expect(server.maxInFlight).toBe(8);
    expect(out.issued).toBe(recorder.samples.length);
    // Each worker issues back to back: 8 workers × 0.5 s / ~1.3 ms mean service.
    expect(out.issued).toBeGreaterThan(8 * 350);
    expect(out.issued).toBeLessThan(8 * 420);
    // Closed loop measures service time only: no operation waited for anything but itself.
    expect(recorder.samples.every((s) => s.latencyUs >= 1000 && s.latencyUs <= 1600)).toBe(true);
  });

  it('adds think time between operations', async () => {
    const clock = new VirtualClock();
    const server = new ConcurrentServer(clock, () => 1000);
    const recorder = new SampleKeepingRecorder({ startUs: 0 });
    const out = await clock.run(
      runClosedLoop(server.workload(), { concurrency: 4, durationUs: 1_000_000, thinkTimeUs: 9000 }, { clock, recorder, signal: new AbortController().signal }),
    );
    // 1 ms of work + 9 ms of thought: 100 per worker per second.
    expect(out.issued).toBe(400);
    expect(server.maxInFlight).toBe(4);
  });
});
