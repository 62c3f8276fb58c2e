/**
 * One SQLite connection (better-sqlite3, synchronous) shared by the five SQLite ports of a
 * backend: opening (WAL, synchronous=NORMAL, busy timeout), the schema, and the bounded retry that
 * surfaces SQLITE_BUSY instead of hiding it.
 *
 * Contention model — one attempt waits for the lock for up to `busyTimeoutMs`, in one of two ways
 * (`busyWait`), both inside the call (they block the process's event loop, as SQLite's own busy
 * handler does in every better-sqlite3 agent system):
 *   - 'sqlite': SQLite's own busy handler (busy_timeout). It sleeps 1, 2, 5, 10 … up to 100 ms
 *     between tries and queues no one, so under steady contention a process that lost a few times
 *     sleeps long while the others keep retaking the lock: agents starve.
 *   - 'spin': busy_timeout 0; on SQLITE_BUSY the adapter itself pauses a short jittered while
 *     (Atomics.wait, tens to hundreds of µs, growing slowly, capped at 1 ms) and tries again until
 *     the same budget is spent. Every such try is counted as a retry of the operation.
 * If the store is still locked after an attempt, the operation is retried `retries` more times
 * after a short jittered async backoff, each retry counted per operation; when all fail, a
 * BackendBusyError with code 'SQLITE_BUSY' is thrown and counted under `busy`.
 *
 * Lock wait is measured, not guessed. better-sqlite3 has no busy-handler hook, so the connection
 * runs with busy_timeout 0 and every operation first tries once, untimed (the uncontended path
 * costs nothing extra). Only when that try meets the lock held does the operation wait:
 *   - 'sqlite': busy_timeout is set to `busyTimeoutMs` and the write lock is taken with a
 *     separate `BEGIN IMMEDIATE`, so SQLite's own busy handler does the waiting exactly as it
 *     would have; the operation then runs inside that transaction. The time from the failed
 *     try to holding the lock is the lock wait.
 *   - 'spin': the time from the failed try to the start of the try that succeeds.
 * Either way the wait is added to `lockWaitUs` and the operation to `lockWaits` (an operation that
 * gives up counts its whole wait). A try meets the lock only when someone else holds it, so one
 * agent alone waits for nothing.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { BackendBusyError } from '../errors.js';
import { addLockWait, type BackendStats } from '../ports.js';

export interface SqliteTuning {
  /** SQLite busy_timeout: how long one attempt waits for a lock inside SQLite, ms (default 1000). */
  busyTimeoutMs: number;
  /** Attempts after the first one when SQLite still reports busy (default 3). */
  retries: number;
  /** Who waits for a held lock within one attempt: SQLite's busy handler, or the adapter's spin (see above). */
  busyWait: BusyWait;
}

export const BUSY_WAITS = ['sqlite', 'spin'] as const;
export type BusyWait = (typeof BUSY_WAITS)[number];

/**
 * Spin pauses, µs. The floor stays above a lock hold (~20 µs for one claim) so a waiter does not
 * burn a core the holder needs (2-core boxes); the ceiling starts low so a waiter is back soon after
 * the lock frees, grows ×1.25 per busy try so a long hold costs fewer wake-ups, and is capped at
 * 1 ms — far below SQLite's 100 ms sleeps, which is what lets a waiter that lost keep competing.
 */
const SPIN_MIN_US = 20;
const SPIN_FIRST_CEILING_US = 200;
const SPIN_MAX_CEILING_US = 1000;
const SPIN_GROWTH = 1.25;

/** Atomics.wait needs an Int32Array on shared memory; nobody ever notifies it, so it is a precise sleep. */
const SLEEP_CELL = new Int32Array(new SharedArrayBuffer(4));

function sleepSyncUs(us: number): void {
  Atomics.wait(SLEEP_CELL, 0, 0, us / 1000);
}

function nowUs(): number {
  return performance.now() * 1000;
}

/**
 * How an operation waits once it met the lock held ('sqlite' busyWait): 'transaction' takes the
 * write lock with a timed BEGIN IMMEDIATE and runs inside it; 'plain' retries the work itself under
 * the busy handler (opening: pragmas that cannot run inside a transaction), its whole time then
 * counted as waiting.
 */
export type LockedRun = 'transaction' | 'plain';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS agents (
  id TEXT PRIMARY KEY, role TEXT NOT NULL, pid INTEGER NOT NULL, meta TEXT,
  registered_at INTEGER NOT NULL, last_heartbeat INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS agents_heartbeat ON agents(last_heartbeat);

-- AUTOINCREMENT: a task id (task-<seq>) is never reused, even after reset().
CREATE TABLE IF NOT EXISTS tasks (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL, priority REAL NOT NULL,
  depends_on TEXT NOT NULL, status TEXT NOT NULL, claimed_by TEXT, result TEXT NOT NULL,
  version INTEGER NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS tasks_claim_order ON tasks(status, priority DESC, seq);
CREATE TABLE IF NOT EXISTS task_deps (
  task_seq INTEGER NOT NULL, dep_seq INTEGER NOT NULL, PRIMARY KEY (task_seq, dep_seq)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS memory (
  namespace TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, expires_at INTEGER,
  PRIMARY KEY (namespace, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS memory_expiry ON memory(expires_at) WHERE expires_at IS NOT NULL;

-- One row; epoch only ever grows (it is the fencing token), reset() clears the leader, not the epoch.
CREATE TABLE IF NOT EXISTS election (
  id INTEGER PRIMARY KEY CHECK (id = 1), leader_id TEXT, epoch INTEGER NOT NULL,
  acquired_at INTEGER, expires_at INTEGER
);
INSERT OR IGNORE INTO election (id, epoch) VALUES (1, 0);

-- last_seq survives reset() too, so subscribers' cursors stay valid.
CREATE TABLE IF NOT EXISTS bus_topics (topic TEXT PRIMARY KEY, last_seq INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS bus_messages (
  topic TEXT NOT NULL, seq INTEGER NOT NULL, payload TEXT NOT NULL, published_at INTEGER NOT NULL,
  PRIMARY KEY (topic, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS bus_messages_age ON bus_messages(published_at);
`;

export function isBusyError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  // SQLITE_BUSY and its extended codes (SQLITE_BUSY_SNAPSHOT, _RECOVERY, _TIMEOUT), and SQLITE_LOCKED.
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

export class SqliteConnection {
  readonly db: Database.Database;
  private readonly retriesByOp: Record<string, number> = {};
  private readonly busyByOp: Record<string, number> = {};
  private readonly waits = { lockWaitUs: {} as Record<string, number>, lockWaits: {} as Record<string, number> };
  private readonly beginImmediate: Database.Statement;
  private readonly commit: Database.Statement;
  private readonly rollback: Database.Statement;
  private readonly handlerOn: Database.Statement;
  private readonly handlerOff: Database.Statement;

  constructor(
    readonly path: string,
    readonly tuning: SqliteTuning,
  ) {
    mkdirSync(dirname(path), { recursive: true });
    try {
      // busy_timeout 0: every try reports a held lock at once, so the wait can be timed (file comment).
      this.db = new Database(path, { timeout: 0 });
    } catch (err) {
      throw new Error(`sqlite backend: cannot open ${path}: ${(err as Error).message}`, { cause: err });
    }
    this.beginImmediate = this.db.prepare('BEGIN IMMEDIATE');
    this.commit = this.db.prepare('COMMIT');
    this.rollback = this.db.prepare('ROLLBACK');
    this.handlerOn = this.db.prepare(`PRAGMA busy_timeout = ${Math.round(tuning.busyTimeoutMs)}`);
    this.handlerOff = this.db.prepare('PRAGMA busy_timeout = 0');
  }

  /** Pragmas and schema. Several processes may open the same file at once: retried like any write. */
  async init(): Promise<void> {
    await this.withRetry(
      'open',
      () => {
        // WAL: readers never block the writer and vice versa; NORMAL: fsync at checkpoints, not at
        // every commit — durable against process crashes, which is what agents sharing a file need.
        this.db.pragma('journal_mode = WAL');
        this.db.pragma('synchronous = NORMAL');
        this.db.exec(SCHEMA);
      },
      'plain',
    );
  }

  /** Runs `fn` (synchronous SQLite work), retrying while SQLite reports busy; see the file comment. */
  async withRetry<T>(op: string, fn: () => T, locked: LockedRun = 'transaction'): Promise<T> {
    // The uncontended path: one try, nothing timed.
    try {
      return fn();
    } catch (err) {
      if (!isBusyError(err)) throw err;
    }
    return this.waitForLock(op, fn, locked, nowUs());
  }

  /** The contended path: the lock was held at `sinceUs`; wait for it (timed), retrying per the tuning. */
  private async waitForLock<T>(op: string, fn: () => T, locked: LockedRun, sinceUs: number): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        if (this.tuning.busyWait === 'spin') return this.spinAttempt(op, fn, sinceUs, attempt === 1);
        return this.underBusyHandler(op, fn, locked, sinceUs);
      } catch (err) {
        if (!isBusyError(err)) throw err;
        if (attempt > this.tuning.retries) {
          this.busyByOp[op] = (this.busyByOp[op] ?? 0) + 1;
          addLockWait(this.waits, op, nowUs() - sinceUs);
          const how = this.tuning.busyWait === 'spin' ? `spin wait ${this.tuning.busyTimeoutMs} ms` : `busy_timeout ${this.tuning.busyTimeoutMs} ms`;
          throw new BackendBusyError('SQLITE_BUSY', op, attempt, `database is locked (${(err as { code: string }).code}, ${how})`);
        }
        this.countRetry(op);
        // Jittered exponential backoff (1–2, 1–4, 1–8 ms ...) so retrying processes spread out.
        await delay(1 + Math.floor(Math.random() * 2 ** attempt));
      }
    }
  }

  /**
   * One attempt under busyWait 'sqlite': SQLite's busy handler waits (up to busyTimeoutMs) for the
   * write lock inside a separate BEGIN IMMEDIATE, then `fn` runs in that transaction. Holding the
   * lock ends the wait, so its time is exactly what the handler spent.
   */
  private underBusyHandler<T>(op: string, fn: () => T, locked: LockedRun, sinceUs: number): T {
    this.handlerOn.run();
    let result: T | undefined;
    try {
      if (locked === 'plain') result = fn();
      else this.beginImmediate.run();
    } finally {
      this.handlerOff.run();
    }
    addLockWait(this.waits, op, nowUs() - sinceUs);
    if (locked === 'plain') return result as T;
    try {
      const out = fn();
      this.commit.run();
      return out;
    } catch (err) {
      if (this.db.inTransaction) this.rollback.run();
      throw err;
    }
  }

  /**
   * One attempt under busyWait 'spin': while SQLite reports busy (busy_timeout 0, so at once) the
   * process sleeps a short jittered pause and tries `fn` again, each busy try counted, until
   * `busyTimeoutMs` has passed since the lock was first met held; then the last busy error is
   * rethrown for waitForLock to handle. `afterBusy`: the try just before this attempt met the lock
   * (so it starts with a pause). Retrying `fn` whole is safe for the same reason the retries are: a
   * busy statement or transaction has been rolled back and changed nothing.
   */
  private spinAttempt<T>(op: string, fn: () => T, sinceUs: number, afterBusy: boolean): T {
    const deadlineUs = (afterBusy ? sinceUs : nowUs()) + this.tuning.busyTimeoutMs * 1000;
    let ceilingUs = SPIN_FIRST_CEILING_US;
    let pause = afterBusy;
    for (;;) {
      if (pause) {
        const now = nowUs();
        if (now >= deadlineUs) throw new BusyAgain();
        this.countRetry(op);
        sleepSyncUs(Math.min(SPIN_MIN_US + Math.floor(Math.random() * (ceilingUs - SPIN_MIN_US)), deadlineUs - now));
        ceilingUs = Math.min(SPIN_MAX_CEILING_US, ceilingUs * SPIN_GROWTH);
      }
      const triedAtUs = nowUs();
      try {
        const out = fn();
        addLockWait(this.waits, op, triedAtUs - sinceUs);
        return out;
      } catch (err) {
        if (!isBusyError(err)) throw err;
        pause = true;
      }
    }
  }

  /** Counts one retry of `op` (also a busy error met outside withRetry: the bus poller retries on its next tick). */
  countRetry(op: string): void {
    this.retriesByOp[op] = (this.retriesByOp[op] ?? 0) + 1;
  }

  stats(): BackendStats {
    return { retries: { ...this.retriesByOp }, busy: { ...this.busyByOp }, lockWaitUs: { ...this.waits.lockWaitUs }, lockWaits: { ...this.waits.lockWaits } };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** The spin budget ran out with the lock still held: a busy error like SQLite's own. */
class BusyAgain extends Error {
  readonly code = 'SQLITE_BUSY';
  constructor() {
    super('database is locked');
  }
}
