/**
 * jsonfile under contention: a lock timeout is an operation error counted with its reason, never
 * an agent's death, and no JavaScript stack trace reaches a check's detail or the result.
 */
import { describe, expect, it } from 'vitest';
import { memoryParams, runMemorySuite, runTasksSuite, tasksParams } from '../../src/suites/coordination/index.js';
import { agentsReportedCheck } from '../../src/suites/coordination/common.js';
import { check, flags, suiteOptions } from './helpers.js';

const STACK_FRAME = /\bat .*(\.js|\.ts|node:)[^ ]*:\d+/;

describe('lock timeouts (jsonfile)', () => {
  it('tasks: agents that time out on the lock keep going; the timeouts are counted errors with their reason', async () => {
    // A 1 ms lock timeout with 4 agent processes: most contended operations time out.
    const r = await runTasksSuite(suiteOptions({ backend: 'jsonfile?lockTimeout=1', agents: 4, durationUs: 1_000_000, warmupUs: 0 }), undefined, flags(tasksParams, { queue: '50', drainTimeout: '20s' }));
    expect(check(r, 'every agent reported')).toMatchObject({ passed: true, status: 'passed' });
    const timeouts = r.operations.reduce((s, op) => s + (op.errorReasons?.LOCK_TIMEOUT ?? 0), 0);
    expect(timeouts).toBeGreaterThan(0);
    const agents = (r.workers ?? []) as Array<{ failure?: string; operations: number }>;
    expect(agents).toHaveLength(4);
    expect(agents.every((a) => a.failure === undefined && a.operations > 0)).toBe(true);
    expect(JSON.stringify(r)).not.toMatch(STACK_FRAME);
  }, 90_000);

  it('memory: the end-of-run read-back survives lock timeouts too', async () => {
    const r = await runMemorySuite(suiteOptions({ backend: 'jsonfile?lockTimeout=1', agents: 4, durationUs: 800_000, warmupUs: 0 }), undefined, flags(memoryParams, { keys: '40' }));
    expect(check(r, 'every agent reported')).toMatchObject({ passed: true });
    expect(JSON.stringify(r)).not.toMatch(STACK_FRAME);
  }, 90_000);

  it('a crashed agent\'s failure is reported without the stack frames from its stderr', () => {
    const c = agentsReportedCheck([
      { index: 0, agentId: 'agent-0', generation: 0, pid: 1, killed: false, mode: 'process', failure: 'agent agent-0 (pid 1) exited with code 1 before reporting: Error: boom | at run (/x/dist/a.js:1:2) | at node:internal/process:3:4' },
    ]);
    expect(c.passed).toBe(false);
    expect(c.detail).toMatch(/Error: boom/);
    expect(c.detail).not.toMatch(STACK_FRAME);
  });
});
