import { describe, expect, it } from 'vitest';
import type { ResourceSample } from '../../src/core/result.js';
import { startResourceSampler } from '../../src/monitor/sampler.js';

describe('resource sampler streaming', () => {
  it('delivers each sample as it is taken, and stop() still returns them all', async () => {
    const seen: ResourceSample[] = [];
    let firstArrived: () => void = () => {};
    const first = new Promise<void>((resolve) => (firstArrived = resolve));
    const sampler = startResourceSampler({
      intervalMs: 20,
      onSample: (s) => {
        seen.push(s);
        firstArrived();
      },
    });
    // A sample reaches the listener while the sampler runs (before stop), not only at the end.
    await first;
    expect(seen.length).toBeGreaterThanOrEqual(1);
    expect(seen[0]?.label).toBe('main');
    const resources = sampler.stop();
    expect(resources.samples).toEqual(seen);
  });

  it('a listener that throws does not stop the sampling', async () => {
    let calls = 0;
    let twice: () => void = () => {};
    const done = new Promise<void>((resolve) => (twice = resolve));
    const sampler = startResourceSampler({
      intervalMs: 10,
      onSample: () => {
        if (++calls >= 2) twice();
        throw new Error('listener broke');
      },
    });
    await done;
    expect(sampler.stop().samples.length).toBeGreaterThanOrEqual(2);
  });
});
