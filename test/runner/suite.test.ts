import { describe, expect, it } from 'vitest';
import type { ClosedWindow, ProgressSink } from '../../src/core/events.js';
import { runClosedLoop, YIELD_EVERY_US } from '../../src/load/closed-loop.js';
import type { Workload } from '../../src/load/types.js';
import { VirtualClock, type Clock } from '../../src/measure/clock.js';
import { Recorder } from '../../src/measure/recorder.js';
import { closedLoopExecutor, openLoopExecutor } from '../../src/runner/executors.js';
import { defaultIntervalUs } from '../../src/runner/interval.js';
import { runSuite } from '../../src/runner/suite.js';
import { constantRate } from '../../src/load/open-loop.js';

function collectingSink(): ProgressSink & { windows: ClosedWindow[] } {
  const windows: ClosedWindow[] = [];
  return { windows, update() {}, log() {}, done() {}, window: (w) => void windows.push(w), sample() {} };
}

/** An operation that takes `us` on the virtual clock. */
function sleeper(clock: Clock, us: number): Workload {
  return { next: () => ({ name: 'op', run: () => clock.sleepUntil(clock.nowUs() + us) }) };
}

describe('runSuite', () => {
  it('measures with warmup, streams every window, and builds one SuiteResult', async () => {
    const clock = new VirtualClock();
    const progress = collectingSink();
    const durationUs = 2_000_000;
    const intervalUs = defaultIntervalUs(durationUs);
    const { suite, measurement } = await clock.run(runSuite({
      suite: 'demo',
      backend: 'virtual',
      label: 'demo',
      executor: closedLoopExecutor(sleeper(clock, 1_000), { concurrency: 2, warmupUs: 100_000, durationUs }),
      clock,
      warmupUs: 100_000,
      durationUs,
      intervalUs,
      seed: 1,
      signal: new AbortController().signal,
      progress,
      sampler: { intervalMs: 1000 },
      judge: (m) => ({ checks: [{ name: 'counted', passed: m.issued > 0, detail: `${m.issued}` }], metrics: { issued: m.issued } }),
    }));
    expect(suite.name).toBe('demo');
    expect(suite.checks[0]?.passed).toBe(true);
    const op = suite.operations[0];
    // 2 workers × 2 s / 1 ms each, warmup excluded.
    expect(op?.count).toBeGreaterThanOrEqual(3_990);
    expect(op?.count).toBeLessThanOrEqual(4_002);
    // At least 10 windows for the run, every one streamed, adding up to the total.
    expect(progress.windows.length).toBeGreaterThanOrEqual(10);
    // The windows agree with the result's intervals (completions landing exactly at the end count
    // in the totals only, as in every recorder: at most one per worker).
    const streamed = progress.windows.reduce((n, w) => n + (w.operations[0]?.count ?? 0), 0);
    expect(streamed).toBe(measurement.intervals.reduce((n, iv) => n + iv.count, 0));
    expect(streamed).toBeGreaterThanOrEqual((op?.count ?? 0) - 2);
    expect(measurement.intervals.length).toBe(progress.windows.length);
    expect(suite.resources.samples.length).toBeGreaterThanOrEqual(0);
  });

  it('an open-loop executor reports its accounting for the measured phase only', async () => {
    const clock = new VirtualClock();
    const executor = openLoopExecutor(sleeper(clock, 100), { schedule: constantRate(1000), warmupUs: 50_000, durationUs: 500_000, maxInFlight: 16, maxLagUs: 1_000_000 });
    const { suite } = await clock.run(runSuite({ suite: 'o', backend: 'v', label: 'o', executor, clock, warmupUs: 50_000, durationUs: 500_000, intervalUs: 50_000, seed: 1, signal: new AbortController().signal, progress: collectingSink(), judge: () => ({ checks: [] }) }));
    expect(executor.lastOutcome?.issued).toBe(500);
    expect(suite.operations[0]?.count).toBe(500);
  });
});

describe('interval windows scale with the duration', () => {
  it('gives at least 10 windows, never more than 5 s each, on a 1-2-5 step', () => {
    expect(defaultIntervalUs(2_000_000)).toBe(200_000);
    expect(defaultIntervalUs(10_000_000)).toBe(1_000_000);
    expect(defaultIntervalUs(60_000_000)).toBe(5_000_000);
    expect(defaultIntervalUs(3_600_000_000)).toBe(5_000_000);
    for (let d = 10_000; d <= 50_000_000; d = Math.round(d * 1.37)) {
      const i = defaultIntervalUs(d);
      expect(Math.ceil(d / i), `${d} µs`).toBeGreaterThanOrEqual(10);
      expect(String(i / 10 ** Math.floor(Math.log10(i)))).toMatch(/^[125]$/);
    }
  });
});

describe('closed loop yields by time, not by operation count', () => {
  it('lets timers run every few ms of synchronous work, even within the first 1024 operations', async () => {
    // A clock on which each operation takes 10 µs: 1000 operations are 10 ms of (virtual) time.
    let now = 0;
    const clock: Clock = { kind: 'real', nowUs: () => (now += 10), wallMs: () => 0, sleepUntil: () => Promise.resolve() };
    let turns = 0;
    let running = true;
    const spin = (): void => {
      turns++;
      if (running) setImmediate(spin);
    };
    setImmediate(spin);
    const recorder = new Recorder({ startUs: 0 });
    const out = await runClosedLoop({ next: () => ({ name: 'sync', run: () => undefined }) }, { concurrency: 1, iterations: 1_000 }, { clock, recorder, signal: new AbortController().signal });
    running = false;
    expect(out.issued).toBe(1_000);
    // 10 ms of work at one yield per YIELD_EVERY_US: the event loop got several turns in between.
    expect(turns).toBeGreaterThanOrEqual(Math.floor(10_000 / YIELD_EVERY_US) - 1);
  });
});
