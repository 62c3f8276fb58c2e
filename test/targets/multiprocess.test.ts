/**
 * Backends shared by several OS processes — where "database is locked", lock files and double
 * claims actually happen. Agents are real child processes started together (ready/go handshake).
 * Runs against every backend that can be shared across processes.
 */
import Database from 'better-sqlite3';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { openBackend } from '../../src/targets/backend.js';
import type { Backend, BusMessage } from '../../src/targets/ports.js';
import { rejection, waitFor } from './contract/harness.js';

const AGENT = fileURLToPath(new URL('./fixtures/agent.ts', import.meta.url));

interface Agent {
  child: ChildProcessWithoutNullStreams;
  ready: Promise<void>;
  done: Promise<Record<string, unknown>>;
}

function startAgent(args: string[]): Agent {
  const child = spawn(process.execPath, ['--import', 'tsx', AGENT, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let markReady!: () => void;
  const ready = new Promise<void>((r) => (markReady = r));
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.includes('ready\n')) markReady();
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<Record<string, unknown>>((resolve, reject) => {
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`agent ${args.join(' ')} exited ${code}: ${err}`));
      resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as Record<string, unknown>);
    });
  });
  return { child, ready, done };
}

async function runTogether(argsList: string[][]): Promise<Record<string, unknown>[]> {
  const agents = argsList.map(startAgent);
  await Promise.all(agents.map((a) => a.ready));
  for (const a of agents) a.child.stdin.end('go\n');
  return Promise.all(agents.map((a) => a.done));
}

const SHARED = [
  { kind: 'sqlite', spec: (dir: string) => `sqlite:${join(dir, 'coordination.db')}`, tasks: 300 },
  // The adapter's own short-pause wait instead of SQLite's busy handler: same guarantees required.
  { kind: 'sqlite (busyWait=spin)', spec: (dir: string) => `sqlite:${join(dir, 'coordination.db')}?busyWait=spin`, tasks: 300 },
  // Every jsonfile write rewrites the whole tasks.json under one lock: fewer tasks keep the test short.
  { kind: 'jsonfile', spec: (dir: string) => `jsonfile:${dir}`, tasks: 120 },
];

describe.each(SHARED)('$kind backend across processes', ({ spec: specOf, tasks: taskCount }) => {
  const open: Backend[] = [];
  afterEach(async () => {
    for (const b of open.splice(0)) await b.close();
  });
  const fresh = async (): Promise<{ spec: string; backend: Backend }> => {
    const spec = specOf(mkdtempSync(join(tmpdir(), 'swarmperf-mp-')));
    const backend = await openBackend(spec, '/unused');
    open.push(backend);
    return { spec, backend };
  };

  it(`4 agent processes claim ${taskCount} tasks: each exactly once, dependencies first, none left`, async () => {
    const { spec, backend } = await fresh();
    const ids: string[] = [];
    for (let i = 0; i < taskCount; i++) {
      // Every 10th task depends on the one before it: claimable only once that one is completed
      // (the agent fixture fails if it ever claims a task whose dependency is not completed).
      const dependsOn = i % 10 === 9 ? [ids[i - 1] as string] : [];
      ids.push((await backend.tasks.create({ title: `task ${i}`, priority: i % 7, dependsOn })).id);
    }
    const reports = await runTogether([0, 1, 2, 3].map((w) => ['claim', spec, `worker-${w}`]));
    const claims = reports.flatMap((r) => r.claimed as string[]);
    expect(claims).toHaveLength(taskCount);
    expect(new Set(claims)).toEqual(new Set(ids));
    // The store agrees with what each worker believes it claimed.
    const tasks = await backend.tasks.list();
    expect(tasks.every((t) => t.status === 'completed')).toBe(true);
    reports.forEach((r, w) => {
      for (const id of r.claimed as string[]) expect(tasks.find((t) => t.id === id)?.claimedBy).toBe(`worker-${w}`);
    });
    // Contention was real: more than one worker got work (they started together on "go").
    expect(reports.filter((r) => (r.claimed as string[]).length > 0).length).toBeGreaterThan(1);
    for (const r of reports) expect((r.stats as { busy: Record<string, number> }).busy).toEqual({});
  });

  it('a subscriber receives every message from 2 publisher processes once, in each publisher order', async () => {
    const { spec, backend } = await fresh();
    const got: BusMessage[] = [];
    const sub = await backend.bus.subscribe('events', (m) => got.push(m));
    const reports = await runTogether([
      ['publish', spec, 'events', '150'],
      ['publish', spec, 'events', '150'],
    ]);
    await waitFor(() => got.length >= 300, '300 messages across processes', 10_000);
    await new Promise((r) => setTimeout(r, 30));
    expect(got).toHaveLength(300);
    // Dense, increasing sequence numbers: nothing lost, nothing twice.
    expect(got.map((m) => m.seq)).toEqual(Array.from({ length: 300 }, (_, i) => got[0]!.seq + i));
    for (const r of reports) {
      const mine = got.filter((m) => m.payload.startsWith(`${String(r.pid)}:`)).map((m) => Number(m.payload.split(':')[1]));
      expect(mine).toEqual(Array.from({ length: 150 }, (_, i) => i));
    }
    await sub.unsubscribe();
  });

  it('concurrent campaigns from 4 processes elect exactly one leader; epochs continue in a new process', async () => {
    const { spec } = await fresh();
    const reports = await runTogether([0, 1, 2, 3].map((w) => ['campaign', spec, `cand-${w}`, '60000']));
    const winners = reports.filter((r) => r.lease !== null);
    expect(winners).toHaveLength(1);
    const lease = winners[0]!.lease as { leaderId: string; epoch: number };
    const backend = await openBackend(spec, '/unused'); // a new opener, as a restarted process
    open.push(backend);
    expect((await backend.election.current())?.leaderId).toBe(lease.leaderId);
    expect(await backend.election.resign(lease.leaderId, lease.epoch)).toBe(true);
    expect((await backend.election.campaign('newcomer', 1000))!.epoch).toBe(lease.epoch + 1);
  });
});

/**
 * Another thread holds the SQLite write lock for `ms` (a waiting operation blocks this thread, so
 * the holder must live elsewhere, as another agent process would); resolves once it holds it.
 */
async function holdWriteLock(db: string, ms: number): Promise<{ exited: Promise<number> }> {
  const holder = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const Database = require(workerData.module);
     const db = new Database(workerData.db);
     db.exec('BEGIN IMMEDIATE');
     parentPort.postMessage('locked');
     Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, workerData.ms);
     db.exec('COMMIT');
     db.close();`,
    { eval: true, workerData: { db, ms, module: createRequire(import.meta.url).resolve('better-sqlite3') } },
  );
  const exited = new Promise<number>((resolve) => holder.on('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    holder.once('message', () => resolve());
    holder.once('error', reject);
  });
  return { exited };
}

describe('contention is surfaced, not hidden', () => {
  const open: Backend[] = [];
  afterEach(async () => {
    for (const b of open.splice(0)) await b.close();
  });

  it('sqlite: "database is locked" becomes code SQLITE_BUSY after bounded retries, counted per operation', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'swarmperf-busy-')), 'c.db');
    const backend = await openBackend(`sqlite:${db}?busyTimeout=0&retries=2`, '/unused');
    open.push(backend);
    await backend.tasks.create({ title: 't', priority: 1 });
    // Another connection (as another process would) holds the write lock.
    const other = new Database(db);
    other.exec('BEGIN IMMEDIATE');
    const err = await rejection(backend.tasks.claim('w'));
    expect(err.code).toBe('SQLITE_BUSY');
    expect(err.message).toMatch(/tasks\.claim: database is locked/);
    // The operation that gave up waited too: its whole wait is counted.
    expect(backend.stats!()).toMatchObject({ retries: { 'tasks.claim': 2 }, busy: { 'tasks.claim': 1 }, lockWaits: { 'tasks.claim': 1 } });
    // Reads are not blocked by a writer in WAL mode.
    expect(await backend.tasks.list('pending')).toHaveLength(1);
    other.exec('ROLLBACK');
    other.close();
    expect((await backend.tasks.claim('w'))?.claimedBy).toBe('w');
  });

  it('sqlite: a retry that outlasts a short lock succeeds and is counted', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'swarmperf-busy-')), 'c.db');
    const backend = await openBackend(`sqlite:${db}?busyTimeout=0&retries=50`, '/unused');
    open.push(backend);
    const other = new Database(db);
    other.exec('BEGIN IMMEDIATE');
    setTimeout(() => {
      other.exec('COMMIT');
      other.close();
    }, 30);
    expect((await backend.memory.store('ns', 'k', 'v')).value).toBe('v');
    expect(backend.stats!().retries['memory.store']).toBeGreaterThan(0);
    expect(backend.stats!().busy).toEqual({});
  });

  it('sqlite busyWait=spin: a held lock still ends in SQLITE_BUSY after the budget, every pause counted', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'swarmperf-busy-')), 'c.db');
    const backend = await openBackend(`sqlite:${db}?busyWait=spin&busyTimeout=30&retries=1`, '/unused');
    open.push(backend);
    await backend.tasks.create({ title: 't', priority: 1 });
    const other = new Database(db);
    other.exec('BEGIN IMMEDIATE');
    const started = performance.now();
    const err = await rejection(backend.tasks.claim('w'));
    const elapsedMs = performance.now() - started;
    expect(err.code).toBe('SQLITE_BUSY');
    expect(err.message).toMatch(/^tasks\.claim: database is locked \(SQLITE_BUSY, spin wait 30 ms\) after 2 attempt\(s\)$/);
    const stats = backend.stats!();
    expect(stats.busy).toEqual({ 'tasks.claim': 1 });
    // Each of the 2 attempts spins at least once before its 30 ms budget ends, plus the 1 retry
    // between attempts; the budget is honoured (a deadline, not a speed: it can only be exceeded).
    expect(stats.retries['tasks.claim']).toBeGreaterThanOrEqual(3);
    expect(elapsedMs).toBeGreaterThanOrEqual(59);
    other.exec('ROLLBACK');
    other.close();
    expect((await backend.tasks.claim('w'))?.claimedBy).toBe('w');
  });

  it('sqlite busyWait=spin: a lock freed by another thread mid-attempt is taken in that same attempt', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'swarmperf-busy-')), 'c.db');
    // retries=0: success can only come from the spin inside the one attempt.
    const backend = await openBackend(`sqlite:${db}?busyWait=spin&busyTimeout=5000&retries=0`, '/unused');
    open.push(backend);
    await backend.tasks.create({ title: 't', priority: 1 });
    // The spin blocks this thread, so the holder must live elsewhere: a worker thread holds the
    // write lock for 40 ms, as another agent process would.
    const holder = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       const Database = require(workerData.module);
       const db = new Database(workerData.db);
       db.exec('BEGIN IMMEDIATE');
       parentPort.postMessage('locked');
       Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 40);
       db.exec('COMMIT');
       db.close();`,
      { eval: true, workerData: { db, module: createRequire(import.meta.url).resolve('better-sqlite3') } },
    );
    const exited = new Promise<number>((resolve) => holder.on('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      holder.once('message', () => resolve());
      holder.once('error', reject);
    });
    expect((await backend.tasks.claim('w'))?.claimedBy).toBe('w');
    expect(backend.stats!().retries['tasks.claim']).toBeGreaterThan(0);
    expect(backend.stats!().busy).toEqual({});
    // One operation waited, for as long as it took the holder to let go.
    expect(backend.stats!().lockWaits).toEqual({ 'tasks.claim': 1 });
    expect(backend.stats!().lockWaitUs?.['tasks.claim']).toBeGreaterThan(0);
    expect(await exited).toBe(0);
  });

  it('sqlite (default busy handler): the wait inside SQLite\'s busy handler is measured; an uncontended operation waits for nothing', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'swarmperf-busy-')), 'c.db');
    const backend = await openBackend(`sqlite:${db}?busyTimeout=5000&retries=0`, '/unused');
    open.push(backend);
    await backend.tasks.create({ title: 'a', priority: 1 });
    await backend.tasks.create({ title: 'b', priority: 1 });
    expect(backend.stats!().lockWaits).toEqual({});
    const holder = await holdWriteLock(db, 40);
    expect((await backend.tasks.claim('w'))?.claimedBy).toBe('w');
    expect(await holder.exited).toBe(0);
    const stats = backend.stats!();
    // SQLite's handler waited inside one attempt: no retry, one wait, its time measured.
    expect(stats.retries).toEqual({});
    expect(stats.lockWaits).toEqual({ 'tasks.claim': 1 });
    expect(stats.lockWaitUs?.['tasks.claim']).toBeGreaterThan(0);
    // The lock free again: the next claim does not wait.
    expect((await backend.tasks.claim('w'))?.claimedBy).toBe('w');
    expect(backend.stats!().lockWaits).toEqual({ 'tasks.claim': 1 });
    // The claim ran inside the timed BEGIN IMMEDIATE and committed: both tasks are claimed, none twice.
    expect((await backend.tasks.list('claimed')).map((t) => t.title).sort()).toEqual(['a', 'b']);
  });

  it('jsonfile: the time from finding the lock file held to taking it is the lock wait', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'swarmperf-lock-'));
    const backend = await openBackend(`jsonfile:${dir}?lockTimeout=5000&staleLock=60000`, '/unused');
    open.push(backend);
    await backend.tasks.create({ title: 'free', priority: 1 });
    expect(backend.stats!().lockWaits).toEqual({});
    const lock = join(dir, 'tasks.json.lock');
    writeFileSync(lock, '999999 held by another agent\n');
    setTimeout(() => rmSync(lock, { force: true }), 30);
    expect((await backend.tasks.create({ title: 'waited', priority: 1 })).status).toBe('pending');
    expect(backend.stats!().lockWaits).toEqual({ 'tasks.create': 1 });
    expect(backend.stats!().lockWaitUs?.['tasks.create']).toBeGreaterThan(0);
  });

  it('jsonfile: a held lock file times out with code LOCK_TIMEOUT; a stale one is broken', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'swarmperf-lock-'));
    const backend = await openBackend(`jsonfile:${dir}?lockTimeout=30&staleLock=60000`, '/unused');
    open.push(backend);
    writeFileSync(join(dir, 'tasks.json.lock'), '999999 held by another agent\n');
    const err = await rejection(backend.tasks.create({ title: 't', priority: 1 }));
    expect(err.code).toBe('LOCK_TIMEOUT');
    expect(err.message).toMatch(/tasks\.create: .*tasks\.json\.lock still held/);
    expect(backend.stats!().busy).toEqual({ 'tasks.create': 1 });
    expect(backend.stats!().retries['tasks.create']).toBeGreaterThan(0);
    // The same lock file, now older than staleLock, belongs to a crashed agent: it is broken.
    const staleDir = mkdtempSync(join(tmpdir(), 'swarmperf-lock-'));
    const stale = await openBackend(`jsonfile:${staleDir}?lockTimeout=1000&staleLock=1`, '/unused');
    open.push(stale);
    writeFileSync(join(staleDir, 'tasks.json.lock'), '999999 crashed\n');
    await new Promise((r) => setTimeout(r, 10));
    expect((await stale.tasks.create({ title: 't', priority: 1 })).status).toBe('pending');
  });
});
