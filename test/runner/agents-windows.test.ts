import { describe, expect, it } from 'vitest';
import type { ClosedWindow, ProgressSink } from '../../src/core/events.js';
import type { ResourceSample } from '../../src/core/result.js';
import { registryParams, runRegistrySuite } from '../../src/suites/coordination/index.js';
import { MemoryBackend } from '../../src/targets/memory/index.js';
import { flags, suiteOptions } from '../suites/helpers.js';

describe('the agents harness on the runner', () => {
  it("reports the agents' merged windows (with histograms) and streams resource samples to the sink", async () => {
    const windows: ClosedWindow[] = [];
    const samples: ResourceSample[] = [];
    const progress: ProgressSink = { update() {}, log() {}, done() {}, window: (w) => void windows.push(w), sample: (s) => void samples.push(s) };
    const r = await runRegistrySuite(suiteOptions({ durationUs: 1_000_000, intervalUs: 100_000, progress }), new MemoryBackend(), flags(registryParams, { staleAfter: '100ms' }));
    // One window per 100 ms of the measured window (the last agent may finish a little past 1 s).
    expect(windows.length).toBeGreaterThanOrEqual(10);
    expect(windows.map((w) => w.startUs)).toEqual(Array.from({ length: windows.length }, (_, i) => i * 100_000));
    // The windows say what the result's intervals say, operation by operation.
    for (const op of r.operations) {
      const streamed = windows.reduce((n, w) => n + (w.operations.find((o) => o.name === op.name)?.count ?? 0), 0);
      const recorded = r.intervals.filter((iv) => iv.operation === op.name).reduce((n, iv) => n + iv.count, 0);
      expect(streamed, op.name).toBe(recorded);
    }
    expect(windows.some((w) => w.operations.some((o) => o.count > 0 && typeof o.histogram === 'string'))).toBe(true);
    // Every sample the result holds went to the sink as it was taken.
    expect(samples.length).toBe(r.resources.samples.length);
  });
});
