/**
 * Lock wait measured inside the real SQLite adapter and carried from the agent processes into each
 * operation's breakdown: several agent processes writing one database wait for its write lock, and
 * the lock-wait finding names it; one agent alone waits for nothing and gets no such finding. The
 * agents recorded the latencies, so the main process's event loop and GC are no finding either.
 * Agent processes fork from dist/ (built before the tests); nothing here is timing-asserted.
 */
import { describe, expect, it } from 'vitest';
import { findBottlenecks } from '../../src/analysis/bottlenecks.js';
import type { RunResult, SuiteResult } from '../../src/core/result.js';
import { runTasksSuite, tasksParams } from '../../src/suites/coordination/index.js';
import { runResult } from '../report/fixtures.js';
import { failedChecks, flags, suiteOptions } from './helpers.js';

function asRun(suite: SuiteResult, agents: number): RunResult {
  const r = runResult('20261202-120000-aaaaaa', '2026-12-02T12:00:00.000Z', [suite]);
  r.config = { ...r.config, command: 'run', agents, backend: 'sqlite' };
  return r;
}

// Writes only (create, claim, complete, update): every operation takes the write lock.
const WRITES = { mix: 'create=40,claim=40,update=20', queue: '200' };

describe('lock wait, measured by the sqlite adapter under agent processes', () => {
  it('several agents: the waits reach breakdown.lockWaitUs and the lock-wait finding names the operations', async () => {
    // Ends on work done (4 × 600 writes), not on a wall-clock window a loaded machine may starve;
    // the 60 s duration is only a cap.
    const suite = await runTasksSuite(suiteOptions({ backend: 'sqlite', agents: 4, durationUs: 60_000_000, warmupUs: 0, iterations: 2_400 }), undefined, flags(tasksParams, WRITES));
    expect(failedChecks(suite)).toEqual([]);
    // Every operation of a backend that measures lock waits carries them (zero is measured, too).
    for (const op of suite.operations) expect(op.breakdown?.lockWaits, op.name).toBeGreaterThanOrEqual(0);
    const waited = suite.operations.filter((op) => (op.breakdown?.lockWaitUs ?? 0) > 0);
    expect(waited.length, JSON.stringify(suite.operations.map((o) => [o.name, o.breakdown]))).toBeGreaterThan(0);
    for (const op of waited) expect(op.breakdown?.lockWaits).toBeGreaterThan(0);
    // The agents measured, not the main process.
    expect(suite.measuredBy?.length).toBe(4);
    expect(suite.measuredBy).not.toContain('main');

    const findings = findBottlenecks(asRun(suite, 4));
    const lock = findings.find((f) => f.kind === 'lock-wait');
    expect(lock, JSON.stringify(findings.map((f) => [f.kind, f.severity, f.evidence]))).toBeDefined();
    expect(lock!.impact!.share).toBeGreaterThan(0);
    expect(lock!.operations).toEqual(expect.arrayContaining(waited.map((o) => o.name)));
    expect(lock!.knob).toMatch(/sqlite\?busyWait=spin/);
    // Nothing of the main process is a finding: it recorded no latency.
    expect(findings.filter((f) => f.component === 'tasks/main')).toEqual([]);
  }, 120_000);

  it('one agent: no lock is ever held by someone else, so no wait and no lock-wait finding', async () => {
    const suite = await runTasksSuite(suiteOptions({ backend: 'sqlite', agents: 1, durationUs: 60_000_000, warmupUs: 0, iterations: 600 }), undefined, flags(tasksParams, WRITES));
    expect(failedChecks(suite)).toEqual([]);
    expect(suite.operations.length).toBeGreaterThan(0);
    for (const op of suite.operations) expect(op.breakdown, op.name).toMatchObject({ lockWaitUs: 0, lockWaits: 0 });
    expect(findBottlenecks(asRun(suite, 1)).filter((f) => f.kind === 'lock-wait')).toEqual([]);
  }, 120_000);
});
