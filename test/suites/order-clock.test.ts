/**
 * Order facts across agent processes come from one clock. Each agent process here gets a planted
 * wall-clock skew (its performance.timeOrigin moved by +25, 0 or −25 ms, as happens by a few ms when
 * processes start under load): a correct store must still pass every check, and a store that ignores
 * dependencies must still fail.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runTasksSuite, tasksParams } from '../../src/suites/coordination/index.js';
import { checkDependenciesRespected, type ClaimEvent } from '../../src/suites/invariants/tasks.js';
import { check, failedChecks, flags, suiteOptions, tempDir } from './helpers.js';

const SKEWS_MS = [25, 0, -25];

/** A module preloaded into every agent process: takes the next slot and skews its timeOrigin. */
function skewPreload(dir: string): string {
  const slots = join(dir, 'slots');
  mkdirSync(slots, { recursive: true });
  const file = join(dir, 'skew.mjs');
  writeFileSync(
    file,
    `import { openSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
let slot = 0;
for (; slot < 64; slot++) { try { openSync(${JSON.stringify(slots)} + '/' + slot, 'wx'); break; } catch {} }
const skew = ${JSON.stringify(SKEWS_MS)}[slot % ${SKEWS_MS.length}];
const origin = performance.timeOrigin + skew;
Object.defineProperty(performance, 'timeOrigin', { get: () => origin, configurable: true });
`,
  );
  return pathToFileURL(file).href;
}

const saved = process.env.NODE_OPTIONS;
afterEach(() => {
  if (saved === undefined) delete process.env.NODE_OPTIONS;
  else process.env.NODE_OPTIONS = saved;
});

describe('task ordering across processes with skewed wall clocks', () => {
  it('a correct store passes "dependencies respected" although the agents\' wall clocks differ by 50 ms', async () => {
    const dir = tempDir();
    // Forked agents inherit the environment: each one loads the skew before anything else.
    process.env.NODE_OPTIONS = `${saved ?? ''} --import ${skewPreload(dir)}`.trim();
    const r = await runTasksSuite(suiteOptions({ backend: 'sqlite', agents: 3, dataDir: dir, durationUs: 1_000_000 }), undefined, flags(tasksParams, { depPercent: '80', queue: '300' }));
    expect(failedChecks(r)).toEqual([]);
    // The check had something to judge: many claims of tasks with dependencies.
    expect(check(r, 'dependencies respected').detail).toMatch(/^([1-9]\d{2,}) claims of tasks with dependencies/);
  }, 60_000);

  it('the checker judges by the times it is given: a claim that returned before the completion started fails', () => {
    const claim: ClaimEvent = { taskId: 'task-2', workerId: 'b', startUs: 100, endUs: 110, dependsOn: ['task-1'] };
    const finalTasks = [{ id: 'task-1', status: 'completed' as const, dependsOn: [], claimedBy: 'a' }];
    const completes = [{ taskId: 'task-1', workerId: 'a', startUs: 111, endUs: 120, ok: true }];
    expect(checkDependenciesRespected({ claims: [claim], completes, finalTasks }).passed).toBe(false);
    // Completion started at the very instant the claim returned: not certain, not a violation.
    expect(checkDependenciesRespected({ claims: [claim], completes: [{ ...completes[0]!, startUs: 110 }], finalTasks }).passed).toBe(true);
  });
});
