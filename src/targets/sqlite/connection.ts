/**
 * One SQLite connection (better-sqlite3, synchronous) shared by the five SQLite ports of a
 * backend: opening (WAL, synchronous=NORMAL, busy timeout), the schema, and the bounded retry that
 * surfaces SQLITE_BUSY instead of hiding it.
 *
 * Contention model: SQLite's own busy handler waits up to `busyTimeoutMs` inside the call (this
 * blocks the process's event loop, as it does in every better-sqlite3 agent system). If the store is
 * still locked, the operation is retried `retries` more times after a short jittered async backoff,
 * each retry counted per operation; when all fail, a BackendBusyError with code 'SQLITE_BUSY' is
 * thrown and counted under `busy`.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { BackendBusyError } from '../errors.js';
import type { BackendStats } from '../ports.js';

export interface SqliteTuning {
  /** SQLite busy_timeout: how long one attempt waits for a lock inside SQLite, ms (default 1000). */
  busyTimeoutMs: number;
  /** Attempts after the first one when SQLite still reports busy (default 3). */
  retries: number;
}

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

  constructor(
    readonly path: string,
    readonly tuning: SqliteTuning,
  ) {
    mkdirSync(dirname(path), { recursive: true });
    try {
      this.db = new Database(path, { timeout: tuning.busyTimeoutMs });
    } catch (err) {
      throw new Error(`sqlite backend: cannot open ${path}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Pragmas and schema. Several processes may open the same file at once: retried like any write. */
  async init(): Promise<void> {
    await this.withRetry('open', () => {
      // WAL: readers never block the writer and vice versa; NORMAL: fsync at checkpoints, not at
      // every commit — durable against process crashes, which is what agents sharing a file need.
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.exec(SCHEMA);
    });
  }

  /** Runs `fn` (synchronous SQLite work), retrying while SQLite reports busy; see the file comment. */
  async withRetry<T>(op: string, fn: () => T): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return fn();
      } catch (err) {
        if (!isBusyError(err)) throw err;
        if (attempt > this.tuning.retries) {
          this.busyByOp[op] = (this.busyByOp[op] ?? 0) + 1;
          throw new BackendBusyError('SQLITE_BUSY', op, attempt, `database is locked (${(err as { code: string }).code}, busy_timeout ${this.tuning.busyTimeoutMs} ms)`);
        }
        this.retriesByOp[op] = (this.retriesByOp[op] ?? 0) + 1;
        // Jittered exponential backoff (1–2, 1–4, 1–8 ms ...) so retrying processes spread out.
        await delay(1 + Math.floor(Math.random() * 2 ** attempt));
      }
    }
  }

  /** Counts a busy error met outside withRetry (the bus poller retries on its next tick). */
  countRetry(op: string): void {
    this.retriesByOp[op] = (this.retriesByOp[op] ?? 0) + 1;
  }

  stats(): BackendStats {
    return { retries: { ...this.retriesByOp }, busy: { ...this.busyByOp } };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
