/**
 * Windows of a run with agents reach the outputs while the agents still run (the live dashboard
 * follows them), merged exactly: window i goes out once every running agent has moved past it.
 */
import { describe, expect, it } from 'vitest';
import type { ClosedWindow } from '../../src/core/events.js';
import { LatencyHistogram } from '../../src/measure/histogram.js';
import { silentProgress } from '../../src/report/progress.js';
import type { WindowRecording } from '../../src/suites/agents/agent-recorder.js';
import { LiveWindows, type WindowSource } from '../../src/suites/agents/live-windows.js';
import { runRegistrySuite } from '../../src/suites/coordination/index.js';
import { suiteOptions } from './helpers.js';

function recording(operation: string, index: number, latenciesUs: number[]): WindowRecording {
  const histogram = LatencyHistogram.using((h) => {
    for (const v of latenciesUs) h.record(v);
    return h.encode();
  });
  return { operation, index, count: latenciesUs.length, errors: 0, histogram };
}

describe('live windows of agents', () => {
  it('emits a window only when no running agent can still change it, merged exactly', () => {
    const seen: ClosedWindow[] = [];
    const a: WindowSource = { windows: [recording('claim', 0, [10, 20]), recording('claim', 1, [30])], closedBefore: 2, done: false };
    const b: WindowSource = { windows: [recording('claim', 0, [1000])], closedBefore: 1, done: false };
    const live = new LiveWindows({ ...silentProgress, window: (w) => void seen.push(w) }, 100_000, 1_000_000, () => [a, b]);
    live.emitReady();
    // b has closed only window 0: window 1 may still change.
    expect(seen.map((w) => w.startUs)).toEqual([0]);
    expect(seen[0]?.operations[0]).toMatchObject({ name: 'claim', count: 3, throughput: 30 });
    expect(seen[0]?.operations[0]?.max).toBeGreaterThanOrEqual(1000);
    b.done = true; // b ended: it holds nothing back any more
    live.emitReady();
    expect(seen.map((w) => w.startUs)).toEqual([0, 100_000]);
    expect(seen[1]?.operations[0]?.count).toBe(1);
    // The rest at the end, from the reported recordings, never a window twice.
    live.finish([a.windows, b.windows], 350_000);
    expect(seen.map((w) => w.startUs)).toEqual([0, 100_000, 200_000, 300_000]);
    expect(seen[3]?.endUs).toBe(350_000);
  });

  it('never sends a window past the planned duration before the end', () => {
    const seen: ClosedWindow[] = [];
    const done: WindowSource = { windows: [recording('list', 0, [5])], closedBefore: Number.POSITIVE_INFINITY, done: true };
    const live = new LiveWindows({ ...silentProgress, window: (w) => void seen.push(w) }, 300_000, 1_000_000, () => [done]);
    live.emitReady();
    // Three whole windows fit in 1 s; the fourth (partial) waits for the measured end.
    expect(seen).toHaveLength(3);
  });

  it('a run with agent processes streams its windows before it ends', async () => {
    // Stopped from inside the third window event: had windows come only at the end (all at once,
    // after the agents reported), the run would have measured its planned 30 s.
    const controller = new AbortController();
    const windows: ClosedWindow[] = [];
    const progress = {
      ...silentProgress,
      window: (w: ClosedWindow) => {
        windows.push(w);
        if (windows.length === 3) controller.abort();
      },
    };
    const r = await runRegistrySuite(suiteOptions({ backend: 'sqlite', agents: 2, durationUs: 30_000_000, warmupUs: 0, intervalUs: 200_000, signal: controller.signal, progress }));
    expect(controller.signal.aborted).toBe(true);
    expect(Math.max(...r.intervals.map((i) => i.startUs + i.durationUs))).toBeLessThan(30_000_000);
    // What streamed is what the result holds, window by window.
    const streamed = windows.slice(0, 3).map((w) => w.operations.reduce((s, o) => s + o.count, 0));
    const stored = [0, 1, 2].map((i) => r.intervals.filter((iv) => iv.startUs === i * 200_000).reduce((s, iv) => s + iv.count, 0));
    expect(streamed).toEqual(stored);
    // (A window may hold nothing on a starved machine; the three together do not.)
    expect(streamed.reduce((a, n) => a + n, 0)).toBeGreaterThan(0);
  }, 120_000);
});
