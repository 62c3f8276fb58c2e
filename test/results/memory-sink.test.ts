import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MEMORY_NAMESPACE, memoryKey, memorySink } from '../../src/results/memory-sink.js';
import type { RunContext } from '../../src/results/pipeline.js';
import { openBackend } from '../../src/targets/backend.js';
import { syntheticRun } from './fixtures.js';

describe('memory store sink', () => {
  it('stores the run summary under performance/swarmperf/bench-{id}/results when the store exists', async () => {
    const dataDir = mkdtempSync(join(os.tmpdir(), 'swarmperf-memsink-'));
    const warnings: string[] = [];
    const ctx: RunContext = { dataDir, options: {}, warn: (m) => warnings.push(m) };
    const run = syntheticRun({ seed: 1, ops: [{ name: 'claim', medianUs: 1000, samples: 300 }] });
    // No store yet: nothing is created.
    await memorySink(run, ctx);
    expect(existsSync(join(dataDir, 'coordination.db'))).toBe(false);
    const created = await openBackend('sqlite', dataDir);
    await created.close();
    await memorySink(run, ctx);
    const b = await openBackend('sqlite', dataDir);
    try {
      const entry = await b.memory.retrieve(MEMORY_NAMESPACE, memoryKey(run.id));
      expect(entry?.fullKey).toBe(`performance/swarmperf/bench-${run.id}/results`);
      // The seed convention performance/{agent}/{task}/{type}: its documented search finds swarmperf's runs.
      expect((await b.memory.search('performance/*/bench-*/results')).map((e) => e.fullKey)).toContain(entry?.fullKey);
      const value = JSON.parse(entry!.value) as { runId: string; metrics: Record<string, number>; checksPassed: boolean };
      expect(value.runId).toBe(run.id);
      expect(value.checksPassed).toBe(true);
      expect(value.metrics['tasks.claim.p50']).toBe(run.suites[0]!.operations[0]!.latencyUs.p50);
    } finally {
      await b.close();
    }
    expect(warnings).toEqual([]);
  });
});
