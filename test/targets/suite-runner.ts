/** Runs one coordination suite briefly against a backend spec and holds it to every check. */
import { expect } from 'vitest';
import { runBusSuite, runElectionSuite, runMemorySuite, runRegistrySuite, runTasksSuite } from '../../src/suites/coordination/index.js';
import type { SuiteResult } from '../../src/core/result.js';
import { failedChecks, suiteOptions } from '../suites/helpers.js';

const RUNNERS = { tasks: runTasksSuite, memory: runMemorySuite, election: runElectionSuite, bus: runBusSuite, registry: runRegistrySuite };

export async function runSuiteOn(suite: keyof typeof RUNNERS, spec: string): Promise<SuiteResult> {
  // Small workloads with generous drain time: a fsync-per-write server (etcd, PostgreSQL) on a busy
  // machine must still finish the queue; these runs check invariants, not speed.
  const extra: Record<string, string> =
    suite === 'memory' ? { keys: '200' } : suite === 'election' ? { leaseTtl: '300ms' } : suite === 'tasks' ? { queue: '30', drainTimeout: '60s' } : {};
  const r = await RUNNERS[suite](suiteOptions({ backend: spec, agents: 2, durationUs: 600_000, warmupUs: 0, extra }));
  expect(failedChecks(r), JSON.stringify(r.checks.filter((c) => !c.passed))).toEqual([]);
  expect(r.checks.length).toBeGreaterThan(1);
  // workers also holds non-agent rows (e.g. the election suite's hand-over cycles): agents have a pid.
  const agents = ((r.workers ?? []) as Array<{ pid?: number; mode?: string }>).filter((w) => w.pid !== undefined);
  expect(agents.length).toBeGreaterThan(0);
  expect(agents.every((a) => a.mode === 'process' && a.pid !== process.pid)).toBe(true);
  expect(r.operations.reduce((s, op) => s + op.count, 0)).toBeGreaterThan(0);
  return r;
}
