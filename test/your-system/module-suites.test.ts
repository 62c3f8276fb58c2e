/**
 * `--backend module:FILE` end to end: the tasks suite's agents are separate processes, each
 * importing the user's module; the example adapter's check-outside-the-lock claim is caught by
 * the suite's invariant, and the suite of a port the module lacks is reported as skipped.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runSuites } from '../../src/results/run-suites.js';
import { setup } from '../../src/setup.js';
import { openBackend, parseBackendSpec } from '../../src/targets/backend.js';

setup();
const EXAMPLE = resolve('examples/jsonfile-lock-adapter.mjs');
const scratch = (): string => mkdtempSync(join(tmpdir(), 'swarmperf-module-'));

afterEach(() => {
  delete process.env.JSONSTORE_DIR;
  delete process.env.JSONSTORE_SAFE_CLAIM;
});

async function runOnExample(suites: string[]): Promise<Awaited<ReturnType<typeof runSuites>>> {
  process.env.JSONSTORE_DIR = scratch();
  return runSuites(
    { suites, settings: { backend: `module:${EXAMPLE}`, agents: 4, duration: '1500ms', warmup: '0s' }, params: { queue: 300, depPercent: 0 } },
    { dataDir: scratch(), history: false },
  );
}

describe('module: adapter through the suites (agents as processes)', () => {
  it('the tasks suite catches the double claims of the example adapter', async () => {
    const run = await runOnExample(['tasks']);
    const tasks = run.suites.find((s) => s.name === 'tasks')!;
    expect(tasks.skipped).toBeUndefined();
    const agents = (tasks.workers ?? []) as Array<{ pid: number; mode: string }>;
    expect(agents.length).toBe(4);
    expect(agents.every((a) => a.mode === 'process' && a.pid !== process.pid)).toBe(true);
    const doubled = tasks.checks.find((c) => c.name === 'no task claimed by two workers')!;
    expect(doubled.passed).toBe(false);
    expect(doubled.detail).toMatch(/task-\d+/);
    expect(tasks.operations.find((o) => o.name === 'claim')!.count).toBeGreaterThan(0);
  });

  it('the fixed claim (re-chosen under the lock) passes the same suite', async () => {
    process.env.JSONSTORE_SAFE_CLAIM = '1';
    const run = await runOnExample(['tasks']);
    const tasks = run.suites[0]!;
    expect(tasks.checks.filter((c) => !c.passed)).toEqual([]);
  });

  it('a suite whose port the module lacks is reported as skipped, not crashed', async () => {
    const run = await runOnExample(['election', 'bus']);
    expect(run.suites.map((s) => [s.name, s.skipped])).toEqual([
      ['election', expect.stringMatching(/provides no election port \(it provides registry, tasks, memory\)/)],
      ['bus', expect.stringMatching(/provides no bus port/)],
    ]);
    expect(run.suites.every((s) => s.checks.every((c) => c.passed) && s.operations.length === 0)).toBe(true);
  });
});

describe('module: spec and loading errors name the file and what is wrong', () => {
  it('resolves the path to an absolute one (agents import it themselves)', () => {
    expect(parseBackendSpec('module:examples/jsonfile-lock-adapter.mjs', '/tmp').location).toBe(EXAMPLE);
  });
  it('a missing file, a module without createBackend, a port lacking methods', async () => {
    const dir = scratch();
    await expect(openBackend(`module:${join(dir, 'nope.mjs')}`, dir)).rejects.toThrow(/module:.*nope\.mjs: no such file/);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'empty.mjs'), 'export const x = 1;\n');
    await expect(openBackend(`module:${join(dir, 'empty.mjs')}`, dir)).rejects.toThrow(/exports neither createBackend\(options\) nor a default function/);
    writeFileSync(join(dir, 'half.mjs'), 'export default () => ({ tasks: { create() {}, claim() {} } });\n');
    await expect(openBackend(`module:${join(dir, 'half.mjs')}`, dir)).rejects.toThrow(/the tasks port lacks update\(\), complete\(\), list\(\), get\(\)/);
    await expect(openBackend('module:', dir)).rejects.toThrow(/empty path/);
    await expect(openBackend('module', dir)).rejects.toThrow(/expected the path of your adapter module/);
  });
});
