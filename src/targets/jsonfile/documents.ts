/**
 * JSON documents guarded by lock files — how many agent systems share state today (see
 * registry.json with lock_version, orchestrator-state.json, message-bus.jsonl in shared/data).
 *
 * A write takes `<file>.lock` (created with O_EXCL: exactly one process wins), reads the JSON,
 * changes it, bumps `lock_version`, writes it to a temp file and renames it over the original
 * (readers never see half a file), then removes the lock. Reads take no lock: rename is atomic.
 * A held lock is retried with jittered backoff for up to `lockTimeoutMs`, each retry counted;
 * then the operation fails with code 'LOCK_TIMEOUT'. The time from finding the lock held to taking
 * it (or giving up) is the operation's lock wait, counted with the operations that waited (stats()).
 * A lock file older than `staleLockMs` is taken
 * to belong to a crashed process and is broken (two processes breaking the same stale lock at the
 * same instant can both proceed — the known weakness of lock files, kept visible here).
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { writeFileAtomic } from '../../core/atomic-write.js';
import { BackendBusyError } from '../errors.js';
import { addLockWait, type BackendStats } from '../ports.js';

export interface LockTuning {
  /** Give up waiting for a lock after this long, ms (default 5000). */
  lockTimeoutMs: number;
  /** Break a lock file older than this, ms (default 10 000). */
  staleLockMs: number;
}

export interface Versioned {
  lock_version: number;
  last_updated: string;
}

export class JsonDocuments {
  private readonly retriesByOp: Record<string, number> = {};
  private readonly busyByOp: Record<string, number> = {};
  private readonly waits = { lockWaitUs: {} as Record<string, number>, lockWaits: {} as Record<string, number> };

  constructor(
    readonly dir: string,
    private readonly tuning: LockTuning,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  /** The document as last written (or `empty()` when the file does not exist yet). */
  read<T>(name: string, empty: () => T): T {
    const file = this.path(name);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return empty();
      throw err;
    }
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new Error(`jsonfile backend: ${file} is not valid JSON (${(err as Error).message})`, { cause: err });
    }
  }

  /**
   * Read-modify-write under the file's lock. `change` returns its result and whether it changed
   * the document (nothing is written otherwise).
   */
  async update<T extends Versioned, R>(op: string, name: string, empty: () => T, change: (doc: T) => { result: R; changed: boolean }): Promise<R> {
    return this.locked(op, name, () => {
      const doc = this.read(name, empty);
      const { result, changed } = change(doc);
      if (changed) {
        doc.lock_version = (doc.lock_version ?? 0) + 1;
        doc.last_updated = new Date().toISOString();
        writeFileAtomic(this.path(name), JSON.stringify(doc, null, 2) + '\n');
      }
      return result;
    });
  }

  /** Runs `fn` while holding `<name>.lock`. */
  async locked<R>(op: string, name: string, fn: () => R): Promise<R> {
    const lock = this.path(`${name}.lock`);
    const deadline = Date.now() + this.tuning.lockTimeoutMs;
    let heldSinceUs = -1; // when the lock was first found held: read only then, the free path reads no clock
    for (let attempt = 1; ; attempt++) {
      let fd: number;
      try {
        fd = openSync(lock, 'wx');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        if (heldSinceUs < 0) heldSinceUs = performance.now() * 1000;
        if (this.breakIfStale(lock)) continue;
        if (Date.now() >= deadline) {
          this.busyByOp[op] = (this.busyByOp[op] ?? 0) + 1;
          addLockWait(this.waits, op, performance.now() * 1000 - heldSinceUs);
          throw new BackendBusyError('LOCK_TIMEOUT', op, attempt, `${lock} still held after ${this.tuning.lockTimeoutMs} ms`);
        }
        this.retriesByOp[op] = (this.retriesByOp[op] ?? 0) + 1;
        await delay(1 + Math.floor(Math.random() * Math.min(16, 2 ** Math.min(attempt, 4))));
        continue;
      }
      if (heldSinceUs >= 0) addLockWait(this.waits, op, performance.now() * 1000 - heldSinceUs);
      try {
        writeSync(fd, `${process.pid} ${new Date().toISOString()}\n`);
        closeSync(fd);
        return fn();
      } finally {
        rmSync(lock, { force: true });
      }
    }
  }

  private breakIfStale(lock: string): boolean {
    try {
      if (Date.now() - statSync(lock).mtimeMs < this.tuning.staleLockMs) return false;
    } catch {
      return true; // released between our open and stat: just try again
    }
    rmSync(lock, { force: true });
    return true;
  }

  stats(): BackendStats {
    return { retries: { ...this.retriesByOp }, busy: { ...this.busyByOp }, lockWaitUs: { ...this.waits.lockWaitUs }, lockWaits: { ...this.waits.lockWaits } };
  }
}
