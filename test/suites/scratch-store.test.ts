/**
 * Benchmarks never touch the user's memory store: each suite run works on a scratch store of its
 * own under <data-dir>/scratch/, removed at the end unless --keep-store, and two runs in one data
 * folder at once do not disturb each other.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunResult, type RunResult } from '../../src/core/result.js';
import { runCli, startCli, tempDir } from '../helpers/cli.js';

function memory(dir: string, ...args: string[]): ReturnType<typeof runCli> {
  return runCli(['memory', ...args, '--data-dir', dir]);
}

// What is tested is where the store lives, not contention: one agent keeps the runs cheap on a busy machine.
const ONE_AGENT = ['--quick', '--agents', '1', '--duration', '0.5s', '--warmup', '0s', '--seed', '3', '--no-history', '--quiet'];
const SHORT = ['--quick', '--agents', '2', '--duration', '0.5s', '--warmup', '0s', '--seed', '3', '--no-history', '--quiet'];

function scratchEntries(dir: string): string[] {
  const scratch = join(dir, 'scratch');
  return existsSync(scratch) ? readdirSync(scratch) : [];
}

function exited(child: ReturnType<typeof startCli>): Promise<{ code: number | null; stderr: string }> {
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

describe('benchmarks run on a scratch store', () => {
  it('the memory store keeps every entry through a run of every suite, and the scratch store is removed', () => {
    const dir = tempDir('swarmperf-scratch-');
    expect(memory(dir, 'store', '--key', 'notes/mine', '--value', 'keep me').status).toBe(0);
    expect(memory(dir, 'store', '--key', 'swarm/config', '--value', 'topology=mesh').status).toBe(0);
    const out = join(dir, 'r.json');
    const r = runCli(['run', 'registry', 'tasks', 'memory', 'election', 'bus', 'selftest', ...ONE_AGENT, '--data-dir', dir, '--json', out], { timeoutMs: 280_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const result = parseRunResult(JSON.parse(readFileSync(out, 'utf8')), out);
    // The suites ran on their own store, not on <data-dir>/coordination.db.
    for (const s of result.suites.filter((x) => x.name !== 'selftest')) expect(s.backend).toContain(join(dir, 'scratch'));

    const mine = memory(dir, 'retrieve', '--key', 'notes/mine');
    expect(mine.status).toBe(0);
    expect(mine.stdout).toBe('keep me\n');
    expect(memory(dir, 'retrieve', '--key', 'swarm/config').stdout).toBe('topology=mesh\n');
    const keys = (JSON.parse(memory(dir, 'list', '--json').stdout) as Array<{ key: string }>).map((e) => e.key);
    expect(keys).toContain('notes/mine');
    expect(keys).toContain('swarm/config');
    expect(keys.some((k) => k.startsWith('performance/swarmperf/'))).toBe(true); // the run's summary, appended
    expect(scratchEntries(dir)).toEqual([]);
  }, 300_000);

  it('--keep-store keeps the scratch store (jsonfile) and says where', () => {
    const dir = tempDir('swarmperf-scratch-');
    expect(memory(dir, 'store', '--key', 'notes/mine', '--value', 'keep me').status).toBe(0);
    const r = runCli(['run', 'tasks', '--backend', 'jsonfile', '--keep-store', '--drain-timeout', '60s', ...ONE_AGENT.filter((a) => a !== '--quiet'), '--data-dir', dir], { timeoutMs: 110_000 });
    expect(r.status).toBe(0);
    const kept = scratchEntries(dir);
    expect(kept).toHaveLength(1);
    expect(existsSync(join(dir, 'scratch', kept[0]!, 'coordination-json', 'tasks.json'))).toBe(true);
    expect(r.stderr + r.stdout).toContain(join(dir, 'scratch', kept[0]!));
    expect(memory(dir, 'retrieve', '--key', 'notes/mine').stdout).toBe('keep me\n');
  }, 120_000);

  it('refuses a --backend path that names the memory store of the data folder', () => {
    const dir = tempDir('swarmperf-scratch-');
    const r = runCli(['run', 'tasks', '--backend', `sqlite:${join(dir, 'coordination.db')}`, ...SHORT, '--data-dir', dir]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--backend: .* is the memory store of the data folder/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('two runs at once in one data folder both pass their checks', async () => {
    const dir = tempDir('swarmperf-scratch-');
    const outs = [join(dir, 'a.json'), join(dir, 'b.json')];
    const runs = outs.map((out) => exited(startCli(['run', 'registry', 'tasks', ...SHORT, '--data-dir', dir, '--json', out])));
    const done = await Promise.all(runs);
    for (const d of done) expect(d).toEqual({ code: 0, stderr: '' });
    const results: RunResult[] = outs.map((out) => parseRunResult(JSON.parse(readFileSync(out, 'utf8')), out));
    for (const result of results) {
      expect(result.suites.map((s) => s.name)).toEqual(['registry', 'tasks']);
      for (const s of result.suites) expect(s.checks.filter((c) => !c.passed)).toEqual([]);
    }
    // Different stores, different agent ids.
    const backends = results.map((res) => res.suites[1]!.backend);
    expect(backends[0]).not.toBe(backends[1]);
    const ids = results.map((res) => ((res.suites[1]!.workers ?? []) as Array<{ agent: string }>).map((w) => w.agent));
    expect(ids[0]!.some((id) => ids[1]!.includes(id))).toBe(false);
  }, 120_000);
});
