import { describe, expect, it } from 'vitest';
import type { ClosedWindow } from '../../src/core/events.js';
import { LatencyHistogram } from '../../src/measure/histogram.js';
import { Recorder } from '../../src/measure/recorder.js';

describe('recorder window events', () => {
  it('reports each closed window once, in order, with every operation and its histogram', () => {
    const windows: ClosedWindow[] = [];
    const r = new Recorder({ startUs: 1_000, intervalUs: 100, onWindow: (w) => windows.push(w) });
    // Window 0: a ×3, b ×1. Window 1: nothing. Window 2: a ×1 (closes 0 and 1 for both operations).
    r.record('a', 10, 1_010);
    r.record('a', 20, 1_020);
    r.recordError('a', 'boom', 30, 1_030);
    r.record('b', 40, 1_050);
    expect(windows).toHaveLength(0);
    r.record('a', 50, 1_250);
    expect(windows.map((w) => [w.startUs, w.endUs])).toEqual([
      [0, 100],
      [100, 200],
    ]);
    const [w0, w1] = windows as [ClosedWindow, ClosedWindow];
    const a0 = w0.operations.find((o) => o.name === 'a');
    const b0 = w0.operations.find((o) => o.name === 'b');
    expect(a0).toMatchObject({ count: 3, errors: 1, max: 30 });
    expect(b0).toMatchObject({ count: 1, errors: 0, max: 40 });
    expect(LatencyHistogram.using((h) => h.count, a0?.histogram)).toBe(3);
    expect(w1.operations.map((o) => [o.name, o.count])).toEqual([
      ['a', 0],
      ['b', 0],
    ]);
    expect(w1.operations.every((o) => o.histogram === undefined)).toBe(true);
    // finish closes the last (partial) window and reports it with its real length.
    const out = r.finish(1_260);
    expect(windows.map((w) => [w.startUs, w.endUs])).toEqual([
      [0, 100],
      [100, 200],
      [200, 260],
    ]);
    expect(windows[2]?.operations.find((o) => o.name === 'a')?.count).toBe(1);
    // The windows add up to the result's totals, and agree with its interval list.
    for (const op of out.operations) {
      const sum = windows.reduce((n, w) => n + (w.operations.find((o) => o.name === op.name)?.count ?? 0), 0);
      expect(sum, op.name).toBe(op.count);
    }
    for (const iv of out.intervals) {
      const w = windows.find((x) => x.startUs === iv.startUs);
      expect(w?.operations.find((o) => o.name === iv.operation)?.count).toBe(iv.count);
    }
  });

  it('advance() closes windows on time while nothing completes (a stall shows as empty windows)', () => {
    const windows: ClosedWindow[] = [];
    const r = new Recorder({ startUs: 0, intervalUs: 1_000, onWindow: (w) => windows.push(w) });
    r.record('op', 5, 500);
    r.advance(999);
    expect(windows).toHaveLength(0);
    r.advance(3_500);
    expect(windows.map((w) => w.startUs)).toEqual([0, 1_000, 2_000]);
    expect(windows.map((w) => w.operations[0]?.count)).toEqual([1, 0, 0]);
    r.record('op', 5, 3_600);
    r.finish(4_000);
    expect(windows.map((w) => w.startUs)).toEqual([0, 1_000, 2_000, 3_000]);
  });

  it('an operation first seen late is reported from its first window on, never twice', () => {
    const windows: ClosedWindow[] = [];
    const r = new Recorder({ startUs: 0, intervalUs: 10, onWindow: (w) => windows.push(w) });
    r.record('early', 1, 5);
    r.record('early', 1, 25);
    r.record('late', 1, 26);
    r.finish(30);
    expect(windows.map((w) => w.operations.map((o) => o.name).sort())).toEqual([['early'], ['early'], ['early', 'late']]);
  });

  it('without a listener, results are the same as with one', () => {
    const run = (onWindow?: (w: ClosedWindow) => void) => {
      const r = new Recorder({ startUs: 0, intervalUs: 100, seed: 3, ...(onWindow ? { onWindow } : {}) });
      for (let i = 0; i < 1_000; i++) r.record(i % 3 === 0 ? 'x' : 'y', 1 + (i % 17), i);
      return r.finish(1_000);
    };
    const plain = run();
    const withEvents = run(() => {});
    expect(withEvents.intervals.sort((a, b) => a.operation.localeCompare(b.operation) || a.startUs - b.startUs)).toEqual(
      plain.intervals.sort((a, b) => a.operation.localeCompare(b.operation) || a.startUs - b.startUs),
    );
    expect(withEvents.operations.map((o) => [o.name, o.count, o.latencyUs])).toEqual(plain.operations.map((o) => [o.name, o.count, o.latencyUs]));
  });
});
