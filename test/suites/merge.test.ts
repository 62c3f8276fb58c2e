/** Merging agents' recordings equals one recorder that saw every operation. */
import { describe, expect, it } from 'vitest';
import { Recorder } from '../../src/measure/recorder.js';
import { Rng } from '../../src/measure/rng.js';
import { AgentRecorder } from '../../src/suites/agents/agent-recorder.js';
import { mergeRecordings, poolReservoirs } from '../../src/suites/agents/merge.js';

describe('mergeRecordings', () => {
  it('gives the same counts, errors, retries, percentiles and windows as a single recorder', () => {
    const rng = new Rng(3);
    const agents = [0, 1, 2].map((i) => new AgentRecorder({ startUs: 0, intervalUs: 1_000, seed: i }));
    const single = new Recorder({ startUs: 0, intervalUs: 1_000, reservoirSize: 100 });
    for (let i = 0; i < 3000; i++) {
      const at = Math.floor(i / 1.1);
      const lat = 1 + Math.floor(rng.exponential(200));
      const a = agents[i % 3]!;
      if (i % 97 === 0) {
        a.recordError('op', 'SQLITE_BUSY', lat, at);
        single.recordError('op', 'SQLITE_BUSY', lat, at);
      } else {
        a.record(i % 2 ? 'op' : 'other', lat, at);
        single.record(i % 2 ? 'op' : 'other', lat, at);
      }
      if (i % 50 === 0) {
        a.recordRetry('op');
        single.recordRetry('op');
      }
    }
    const end = 2_800;
    const merged = mergeRecordings(
      agents.map((a) => a.finishForMerge(end)),
      { intervalUs: 1_000, seed: 1, ciSamples: 100 },
    );
    const want = single.finish(end);
    for (const name of ['op', 'other']) {
      const m = merged.operations.find((o) => o.name === name)!;
      const w = want.operations.find((o) => o.name === name)!;
      expect(m.count).toBe(w.count);
      expect(m.errors).toBe(w.errors);
      expect(m.errorReasons).toEqual(w.errorReasons);
      expect(m.retries).toBe(w.retries);
      expect(m.latencyUs).toEqual(w.latencyUs);
      expect(m.throughput).toBeCloseTo(w.throughput, 6);
      expect(m.ci95?.p50.low).toBeLessThanOrEqual(m.ci95!.p50.high);
    }
    const key = (i: { operation: string; startUs: number }) => `${i.operation}@${i.startUs}`;
    const mw = new Map(merged.intervals.map((i) => [key(i), i]));
    for (const w of want.intervals) {
      const m = mw.get(key(w));
      expect(m, key(w)).toBeDefined();
      expect(m!.count).toBe(w.count);
      expect(m!.errors).toBe(w.errors);
      expect(m!.p99Us).toBe(w.p99Us);
    }
  });

  it('pools reservoirs in proportion to what each agent saw', () => {
    const pooled = poolReservoirs(
      [
        { reservoir: Array.from({ length: 100 }, () => 1), seen: 9000 },
        { reservoir: Array.from({ length: 100 }, () => 2), seen: 1000 },
      ],
      new Rng(1),
      100,
    );
    expect(pooled.filter((v) => v === 1)).toHaveLength(90);
    expect(pooled.filter((v) => v === 2)).toHaveLength(10);
  });
});
