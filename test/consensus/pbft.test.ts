/** PBFT in the simulator: agreement with up to f Byzantine replicas, a visible violation with f + 1, view changes, determinism. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SuiteResult } from '../../src/core/result.js';
import { runConsensusBench } from '../../src/consensus/index.js';
import { BYZANTINE_BEHAVIOURS } from '../../src/consensus/pbft/replica.js';
import { silentProgress } from '../../src/report/progress.js';

const run = (params: Record<string, unknown>, seed = 1, durationUs = 1_500_000) =>
  runConsensusBench(
    { protocol: 'pbft', latency: 'uniform:1ms-3ms', concurrency: '8', keys: '10', reads: '0.3', cas: '0.1', ...params },
    { durationUs, warmupUs: 300_000, intervalUs: 1_000_000, seed, signal: new AbortController().signal, progress: silentProgress, startedAt: new Date() },
  );
const suiteOf = async (params: Record<string, unknown>, seed = 1, durationUs?: number): Promise<SuiteResult> => (await run(params, seed, durationUs)).run.suites[0] as SuiteResult;
const failedChecks = (s: SuiteResult): string[] => s.checks.filter((c) => !c.passed).map((c) => `${c.name}: ${c.detail}`);

describe('PBFT', () => {
  it('orders commands linearizably on a clean network, its messages growing as n²', async () => {
    const four = await suiteOf({ nodes: '4' });
    const ten = await suiteOf({ nodes: '10' });
    for (const s of [four, ten]) {
      expect(failedChecks(s)).toEqual([]);
      expect(s.checks.map((c) => c.name)).toContain('linearizability');
      expect(s.metrics?.committedOpsPerSec).toBeGreaterThan(100);
    }
    // Prepare and commit are all-to-all: (10/4)² = 6.25× the messages; a linear protocol would be 2.5×.
    expect((ten.metrics?.messagesPerOp as number) / (four.metrics?.messagesPerOp as number)).toBeGreaterThan(4.5);
  });

  const behaviour = fc.constantFrom(...BYZANTINE_BEHAVIOURS);
  it('agreement holds with up to f Byzantine replicas of any behaviour (random placements and seeds)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.constantFrom(4, 7), fc.array(behaviour, { minLength: 1, maxLength: 2 }), fc.integer({ min: 0, max: 6 }), async (seed, nodes, behaviours, offset) => {
        const f = Math.floor((nodes - 1) / 3);
        const byz = behaviours.slice(0, f).map((b, k) => `${((offset + k * 3) % nodes) + 1}:${b}`);
        const s = await suiteOf({ nodes: String(nodes), byzantine: byz.join(',') }, seed, 1_200_000);
        const bad = failedChecks(s);
        if (bad.length > 0) throw new Error(`seed ${seed}, n ${nodes}, --byzantine ${byz.join(',')}: ${bad.join('; ')}`);
        expect(s.metrics?.committedOpsPerSec).toBeGreaterThan(0);
      }),
      { numRuns: 16, seed: 99 },
    );
  });

  it('with f + 1 colluding replicas (equivocating primary and an accomplice) the violation is visible and names the seed', async () => {
    const s = await suiteOf({ nodes: '4', byzantine: '1:equivocate,4:equivocate' }, 5);
    const agreement = s.checks.find((c) => c.name === 'agreement (honest replicas)');
    expect(agreement?.passed).toBe(false);
    expect(agreement?.detail).toMatch(/honest replicas \d and \d executed different requests at sequence \d+/);
    expect(agreement?.detail).toMatch(/replay with --seed 5/);
  });

  it('a silent primary is voted out: a view change, then progress', async () => {
    const s = await suiteOf({ nodes: '4', byzantine: '1:silent' });
    expect(s.metrics?.viewChanges).toBeGreaterThanOrEqual(1);
    expect(s.checks.find((c) => c.name === 'progress after a view change')?.passed).toBe(true);
    expect(failedChecks(s)).toEqual([]);
  });

  it('a crashed primary (crash-leader) is replaced, availability recovers', async () => {
    const s = await suiteOf({ nodes: '4', scenario: 'faults', faults: 'crash-leader@800ms-1.6s', rate: '200' }, 2, 2_500_000);
    expect(s.metrics?.viewChanges).toBeGreaterThanOrEqual(1);
    expect(s.operations.find((o) => o.name === 'recovery')?.count).toBeGreaterThanOrEqual(1);
    expect(failedChecks(s)).toEqual([]);
  });

  it('authentication cost shows: signatures cost throughput that MACs do not', async () => {
    const mac = await suiteOf({ nodes: '7', authCost: '2us,2us', serviceTime: '0' });
    const sig = await suiteOf({ nodes: '7', authCost: '400us,800us', serviceTime: '0' });
    expect(sig.metrics?.committedOpsPerSec as number).toBeLessThan(mac.metrics?.committedOpsPerSec as number);
  });

  it('n = 3f + 1 needs at least 4 replicas; bad --byzantine values are usage errors', async () => {
    await expect(run({ nodes: '3' })).rejects.toThrow(/n = 3f \+ 1 ≥ 4/);
    await expect(run({ nodes: '4', byzantine: '9:silent' })).rejects.toThrow(/replica 9 does not exist/);
    await expect(run({ nodes: '4', byzantine: '1:lying' })).rejects.toThrow(/unknown behaviour "lying"/);
  });

  it('the same seed gives the same run', async () => {
    const a = await suiteOf({ nodes: '4', byzantine: '2:wrong-digest' }, 9);
    const b = await suiteOf({ nodes: '4', byzantine: '2:wrong-digest' }, 9);
    const keep = (s: SuiteResult) => ({ ops: s.metrics?.committedOpsPerSec, msgs: s.metrics?.messagesPerOp, d: s.metrics?.deliveries });
    expect(keep(a)).toEqual(keep(b));
  });
});
