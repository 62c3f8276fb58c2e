/**
 * The tasks suite's claim-only mode (`--complete off`) and its drain deadline: claim-only still
 * runs every check (and still catches a non-atomic claim), and a drain that runs out of time fails
 * "no claimable task left unclaimed" instead of skipping it. In-process agents, bounded.
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/parse.js';
import { runTasksSuite, tasksParams } from '../../src/suites/coordination/index.js';
import { MemoryBackend } from '../../src/targets/memory/index.js';
import { buggyTasksBackend } from './broken-backends.js';
import { check, failedChecks, flags, suiteOptions } from './helpers.js';

describe('tasks suite, --complete off', () => {
  it('claims without completing: every check runs and passes on a correct store', async () => {
    const r = await runTasksSuite(suiteOptions(), new MemoryBackend(), flags(tasksParams, { complete: 'off', depPercent: '40' }));
    expect(failedChecks(r)).toEqual([]);
    expect(r.metrics?.completionOn).toBe(0);
    expect(r.metrics?.completed).toBe(0);
    expect(r.metrics?.claims).toBeGreaterThan(20);
    expect(r.operations.find((op) => op.name === 'complete')).toBeUndefined();
    // Drained for real: the end-state check ran (it says so) rather than being skipped.
    expect(check(r, 'no claimable task left unclaimed').detail).toMatch(/queue drained/);
    // Nothing completed, so a task with a dependency can never have been claimed.
    expect(check(r, 'dependencies respected').detail).toMatch(/^0 claims of tasks with dependencies/);
  });

  it('still catches a non-atomic claim as a double claim', async () => {
    const r = await runTasksSuite(suiteOptions({ agents: 4 }), buggyTasksBackend({ nonAtomicClaim: true }), flags(tasksParams, { complete: 'off' }));
    expect(check(r, 'no task claimed by two workers').passed).toBe(false);
  });

  it('still catches a claim that reports an empty queue while tasks are claimable', async () => {
    const r = await runTasksSuite(suiteOptions(), buggyTasksBackend({ skipLowPriority: true }), flags(tasksParams, { complete: 'off' }));
    expect(check(r, 'no claimable task left unclaimed').passed).toBe(false);
  });

  it('rejects a bad --complete value with a usage error naming the flag', async () => {
    // The suite's parameters are parsed from its declaration before it runs (the CLI and MCP both do this).
    expect(() => flags(tasksParams, { complete: 'maybe' })).toThrow(UsageError);
    expect(() => flags(tasksParams, { complete: 'maybe' })).toThrow(/--complete: expected one of on, off/);
    expect(() => flags(tasksParams, { drainTimeout: 'soon' })).toThrow(/--drain-timeout/);
  });
});

describe('tasks suite drain deadline', () => {
  it('a queue the agents cannot drain in time FAILS "no claimable task left unclaimed" (not verified is not passed)', async () => {
    // A store whose claims take 5 ms each cannot drain 400 tasks in the shortest allowed drain (100 ms).
    const r = await runTasksSuite(
      suiteOptions({ agents: 2, durationUs: 100_000, warmupUs: 0 }),
      buggyTasksBackend({ claimDelayMs: 5 }),
      flags(tasksParams, { queue: '400', drainTimeout: '100ms', mix: 'claim=100', depPercent: '0' }),
    );
    const c = check(r, 'no claimable task left unclaimed');
    expect(c.passed).toBe(false);
    expect(c.detail).toMatch(/not verified: 2 agent\(s\) did not drain the queue within --drain-timeout 100 ms \(\d+ tasks still claimable\)/);
  });
});
