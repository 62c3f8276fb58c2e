/** Runs one coordination suite briefly against a backend spec and holds it to every check. */
import { expect } from 'vitest';
import type { SuiteResult } from '../../src/core/result.js';
import { busParams, electionParams, memoryParams, registryParams, runBusSuite, runElectionSuite, runMemorySuite, runRegistrySuite, runTasksSuite, tasksParams } from '../../src/suites/coordination/index.js';
import type { SuiteRunOptions } from '../../src/suites/types.js';
import { failedChecks, flags, suiteOptions } from '../suites/helpers.js';

// Small workloads with generous drain time: a fsync-per-write server (etcd, PostgreSQL) on a busy
// machine must still finish the queue; these runs check invariants, not speed.
const RUNNERS: Record<string, (o: SuiteRunOptions) => Promise<SuiteResult>> = {
  tasks: (o) => runTasksSuite(o, undefined, flags(tasksParams, { queue: '30', drainTimeout: '60s' })),
  memory: (o) => runMemorySuite(o, undefined, flags(memoryParams, { keys: '200' })),
  election: (o) => runElectionSuite(o, undefined, flags(electionParams, { leaseTtl: '300ms' })),
  bus: (o) => runBusSuite(o, undefined, flags(busParams)),
  registry: (o) => runRegistrySuite(o, undefined, flags(registryParams)),
};

export async function runSuiteOn(suite: 'tasks' | 'memory' | 'election' | 'bus' | 'registry', spec: string): Promise<SuiteResult> {
  const r = await (RUNNERS[suite] as (o: SuiteRunOptions) => Promise<SuiteResult>)(suiteOptions({ backend: spec, agents: 2, durationUs: 600_000, warmupUs: 0 }));
  expect(failedChecks(r), JSON.stringify(r.checks.filter((c) => !c.passed))).toEqual([]);
  expect(r.checks.length).toBeGreaterThan(1);
  // workers also holds non-agent rows (e.g. the election suite's hand-over cycles): agents have a pid.
  const agents = ((r.workers ?? []) as Array<{ pid?: number; mode?: string }>).filter((w) => w.pid !== undefined);
  expect(agents.length).toBeGreaterThan(0);
  expect(agents.every((a) => a.mode === 'process' && a.pid !== process.pid)).toBe(true);
  expect(r.operations.reduce((s, op) => s + op.count, 0)).toBeGreaterThan(0);
  return r;
}
