/**
 * The selftest's no-op is faster than the histogram's 1 µs floor: its mean must be the true mean,
 * not the clamped 1.0. The clock here advances a fixed 0.125 µs per read (sleeps jump to their
 * target), so every figure is known without depending on this machine's speed or load.
 */
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../src/measure/clock.js';
import { silentProgress } from '../../src/report/progress.js';
import { selftestSuite } from '../../src/suites/selftest.js';

class SteppingClock implements Clock {
  readonly kind = 'virtual' as const;
  private t = 0;
  constructor(private readonly stepUs: number) {}
  nowUs(): number {
    return (this.t += this.stepUs);
  }
  wallMs(): number {
    return Date.UTC(2026, 0, 1) + Math.floor(this.t / 1000);
  }
  sleepUntil(targetUs: number): Promise<void> {
    this.t = Math.max(this.t, targetUs);
    return Promise.resolve();
  }
}

describe('selftest no-op mean', () => {
  it('is below 1 µs and not the clamped 1.0', async () => {
    const suite = await selftestSuite.run(
      { clock: new SteppingClock(0.125), durationUs: 10_000_000, warmupUs: 0, intervalUs: 1_000_000, iterations: 400, seed: 1, quick: true, agents: 1, backend: 'memory', dataDir: '/nonexistent', signal: new AbortController().signal, progress: silentProgress },
      {},
    );
    const noop = suite.operations.find((o) => o.name === 'noop')!;
    expect(noop.count).toBeGreaterThan(0);
    expect(noop.subMicrosecond).toBe(noop.count);
    expect(noop.latencyUs.mean).toBeGreaterThan(0);
    expect(noop.latencyUs.mean).toBeLessThan(1);
    // A whole number of clock steps between the two reads around the call.
    expect((noop.latencyUs.mean * 1000) % 125).toBe(0);
  });
});
