import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { HistoryError, HistoryRefError, defaultHistoryPath, historyPathFromOptions, openHistory, type HistoryStore } from '../../src/results/history/index.js';
import { syntheticRun } from './fixtures.js';

const open: HistoryStore[] = [];
afterEach(() => {
  for (const h of open.splice(0)) h.close();
});

function tmp(): string {
  return mkdtempSync(join(os.tmpdir(), 'swarmperf-history-'));
}

function fresh(): HistoryStore {
  const h = openHistory(defaultHistoryPath(tmp()));
  open.push(h);
  return h;
}

const op = { name: 'claim', medianUs: 1000, samples: 500 };

describe('history store', () => {
  it('records runs whole and lists them oldest first with git, env and tags', () => {
    const h = fresh();
    const a = syntheticRun({ seed: 1, ops: [op], startedAt: '2026-01-01T00:00:00.000Z', tags: { branch: 'main' } });
    const b = syntheticRun({ seed: 2, ops: [op], startedAt: '2026-01-02T00:00:00.000Z' });
    // recorded out of order: listing still goes by start time
    expect(h.record(b).inserted).toBe(true);
    expect(h.record(a).inserted).toBe(true);
    expect(h.record(a).inserted).toBe(false);
    const runs = h.listRuns();
    expect(runs.map((r) => r.id)).toEqual([a.id, b.id]);
    expect(runs[0]).toMatchObject({ suites: ['tasks'], gitSha: 'abc123', gitBranch: 'main', tags: { branch: 'main' }, command: 'run' });
    expect(runs[0]?.envHash).toMatch(/^[0-9a-f]{12}$/);
    expect(h.getRun(a.id)).toEqual(a);
    expect(h.listRuns({ tags: { branch: 'main' } }).map((r) => r.id)).toEqual([a.id]);
    expect(h.listRuns({ limit: 1 }).map((r) => r.id)).toEqual([b.id]);
    expect(h.listRuns({ since: new Date('2026-01-01T12:00:00Z') }).map((r) => r.id)).toEqual([b.id]);
    expect(h.latest(2).map((r) => r.id)).toEqual([a.id, b.id]);
  });

  it('resolves latest, latest~N and unique prefixes, and names bad references', () => {
    const h = fresh();
    expect(() => h.resolveRef('latest')).toThrow(/holds no runs yet/);
    const a = syntheticRun({ seed: 0xaaaaaa, ops: [op], id: '20260101-000000-aaaaaa', startedAt: '2026-01-01T00:00:00Z' });
    const b = syntheticRun({ seed: 0xaaaabb, ops: [op], id: '20260101-000000-aaaabb', startedAt: '2026-01-01T00:00:01Z' });
    h.record(a);
    h.record(b);
    expect(h.resolveRef('latest')).toBe(b.id);
    expect(h.resolveRef('latest~1')).toBe(a.id);
    expect(() => h.resolveRef('latest~2')).toThrow(HistoryRefError);
    expect(h.resolveRef('20260101-000000-aaaab')).toBe(b.id);
    expect(() => h.resolveRef('20260101-000000-aaaa')).toThrow(/ambiguous.*aaaaaa.*aaaabb/);
    expect(() => h.resolveRef('nope')).toThrow(/run "nope": no such run/);
  });

  it('indexes metric values for series', () => {
    const h = fresh();
    for (let i = 0; i < 5; i++) h.record(syntheticRun({ seed: i, ops: [{ ...op, medianUs: 1000 * (i + 1) }] }));
    expect(h.metricNames()).toContain('tasks.claim.p99');
    const s = h.series('tasks.claim.p50');
    expect(s).toHaveLength(5);
    expect(s.map((p) => p.value)).toEqual([...s.map((p) => p.value)].sort((x, y) => x - y));
    expect(s[4]?.value).toBeGreaterThan(4000);
    expect(h.series('tasks.claim.p50', { limit: 2 })).toEqual(s.slice(3));
  });

  it('refuses a file that is not SQLite, naming it, and leaves it untouched', () => {
    const file = join(tmp(), 'history.db');
    writeFileSync(file, 'this is my thesis, not a database\n'.repeat(200));
    const before = readFileSync(file);
    expect(() => openHistory(file)).toThrow(HistoryError);
    expect(() => openHistory(file)).toThrow(new RegExp(`${file}.*not an SQLite file`));
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('refuses a foreign SQLite database and never writes to it', () => {
    const file = join(tmp(), 'other.db');
    const db = new Database(file);
    db.exec("CREATE TABLE accounts (id INTEGER PRIMARY KEY, owner TEXT); INSERT INTO accounts (owner) VALUES ('alice')");
    db.close();
    const before = readFileSync(file);
    expect(() => openHistory(file)).toThrow(/other\.db: an SQLite database, but not a swarmperf history/);
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(existsSync(`${file}-wal`)).toBe(false);
  });

  it('refuses a corrupt history with a message naming the file', () => {
    const h = fresh();
    for (let i = 0; i < 20; i++) h.record(syntheticRun({ seed: i, ops: [op] }));
    const file = h.path;
    h.close();
    // Checkpointed into the main file by close(); now damage the pages after the header.
    const bytes = readFileSync(file);
    for (let i = 100; i < bytes.length; i += 7) bytes[i] = 0xff;
    writeFileSync(file, bytes);
    const before = readFileSync(file);
    let error: unknown;
    try {
      const again = openHistory(file);
      open.push(again);
      again.listRuns();
      again.getRun('latest');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(HistoryError);
    expect(String(error)).toContain(file);
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('refuses a history written by a newer schema', () => {
    const h = fresh();
    const file = h.path;
    h.close();
    const db = new Database(file);
    db.pragma('user_version = 99');
    db.close();
    expect(() => openHistory(file)).toThrow(/newer swarmperf/);
  });

  it('mustExist reports a missing history instead of creating it', () => {
    const file = join(tmp(), 'none.db');
    expect(() => openHistory(file, { mustExist: true })).toThrow(/no history here yet/);
    expect(existsSync(file)).toBe(false);
  });

  it('resolves the file from --history / --no-history', () => {
    expect(historyPathFromOptions({ history: false }, '/d')).toBeUndefined();
    expect(historyPathFromOptions({}, '/d')).toBe('/d/history.db');
    expect(historyPathFromOptions({ history: '/x/h.db' }, '/d')).toBe('/x/h.db');
  });

  it('keeps every run when two processes write one fresh history at once', async () => {
    const file = join(tmp(), 'history.db');
    const script = join(import.meta.dirname, 'history-writer.ts');
    const writer = (seed: number): Promise<void> =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', script, file, String(seed), '100'], { stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer ${seed} exited ${code}: ${err}`))));
      });
    await Promise.all([writer(1000), writer(2000)]);
    const h = openHistory(file);
    open.push(h);
    expect(h.count()).toBe(200);
    expect(new Set(h.listRuns().map((r) => r.id)).size).toBe(200);
  }, 60_000);
});
