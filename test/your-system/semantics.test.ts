import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkSemantics, type SemanticResult } from '../../src/targets/contract/semantics.js';
import { openModuleBackend } from '../../src/targets/external/module.js';
import { portsProvided } from '../../src/targets/external/ports.js';
import { JsonFileBackend } from '../../src/targets/jsonfile/index.js';
import { MemoryBackend } from '../../src/targets/memory/index.js';
import { SqliteBackend } from '../../src/targets/sqlite/index.js';
import type { Backend } from '../../src/targets/ports.js';

export const EXAMPLE_ADAPTER = resolve('examples/jsonfile-lock-adapter.mjs');
const quick = { concurrency: 16, rounds: 3, ttlMs: 150 };
const statusOf = (rs: SemanticResult[]): Record<string, string> => Object.fromEntries(rs.map((r) => [r.name, r.status]));

const opened: Backend[] = [];
afterEach(async () => {
  for (const b of opened.splice(0)) await b.close();
  delete process.env.JSONSTORE_DIR;
  delete process.env.JSONSTORE_SAFE_CLAIM;
});
async function keep(b: Backend | Promise<Backend>): Promise<Backend> {
  const backend = await b;
  opened.push(backend);
  return backend;
}
const scratch = (): string => mkdtempSync(join(tmpdir(), 'swarmperf-contract-'));

describe('contract semantics on the built-in adapters (all hold)', () => {
  const makers: Array<[string, () => Promise<Backend>]> = [
    ['memory', () => Promise.resolve(new MemoryBackend())],
    ['sqlite', () => SqliteBackend.open(join(scratch(), 'c.db'), { pollMs: 1 })],
    ['jsonfile', () => JsonFileBackend.open(scratch(), { pollMs: 1 })],
  ];
  for (const [name, make] of makers) {
    it(name, async () => {
      const results = await checkSemantics(await keep(make()), quick);
      expect(results.filter((r) => r.status !== 'holds')).toEqual([]);
      expect(results.map((r) => r.name)).toEqual(['atomic claim', 'lease fencing', 'ordered delivery', 'TTL', 'glob search', 'concurrent writes kept']);
    });
  }
});

describe('the example JSON-files-with-lock-files adapter module', () => {
  it('provides registry, tasks and memory; election and bus are skipped', async () => {
    process.env.JSONSTORE_DIR = scratch();
    const b = await keep(openModuleBackend(EXAMPLE_ADAPTER));
    expect(portsProvided(b)).toEqual(['registry', 'tasks', 'memory']);
    expect(() => b.election.current()).toThrow(/provides no election port/);
  });

  it('fails atomic claim (the check-outside-the-lock defect) and keeps the rest', async () => {
    process.env.JSONSTORE_DIR = scratch();
    const results = await checkSemantics(await keep(openModuleBackend(EXAMPLE_ADAPTER)), quick);
    expect(statusOf(results)).toEqual({ 'atomic claim': 'fails', 'lease fencing': 'skipped', 'ordered delivery': 'skipped', TTL: 'holds', 'glob search': 'holds', 'concurrent writes kept': 'holds' });
    expect(results[0]?.detail).toMatch(/claimed by more than one worker \(task-\d+ by worker-/);
  });

  it('with the re-check under the lock (JSONSTORE_SAFE_CLAIM=1) atomic claim holds', async () => {
    process.env.JSONSTORE_DIR = scratch();
    process.env.JSONSTORE_SAFE_CLAIM = '1';
    const results = await checkSemantics(await keep(openModuleBackend(EXAMPLE_ADAPTER)), quick);
    expect(statusOf(results)['atomic claim']).toBe('holds');
  });
});
