/**
 * The SQLite backend: one database file in WAL mode that several processes open at once — the
 * embedded default for swarms whose agents are processes on one machine. Each process opens its
 * own connection; atomicity across processes comes from BEGIN IMMEDIATE transactions.
 */
import type Database from 'better-sqlite3';
import type { Backend, BackendStats } from '../ports.js';
import type { AdapterOptions } from '../options.js';
import { SqliteMessageBus } from './bus.js';
import { SqliteConnection, type BusyWait } from './connection.js';
import { SqliteLeaderElection } from './election.js';
import { SqliteMemoryStore } from './memory-store.js';
import { SqliteAgentRegistry } from './registry.js';
import { SqliteTaskStore } from './tasks.js';

export interface SqliteBackendOptions extends AdapterOptions {
  /** SQLite busy_timeout per attempt, ms. Default 1000. */
  busyTimeoutMs?: number;
  /** Retries after SQLITE_BUSY outlasts the busy timeout. Default 3. */
  retries?: number;
  /** Who waits for a held lock within one attempt: 'sqlite' (its busy handler) or 'spin' (the adapter). */
  busyWait?: BusyWait;
  /** Bus subscriber poll period, ms. Default 1. */
  pollMs?: number;
  /** Bus message retention, ms. Default 60 000. */
  retentionMs?: number;
}

export const SQLITE_DEFAULTS = { busyTimeoutMs: 1000, retries: 3, busyWait: 'sqlite', pollMs: 1, retentionMs: 60_000 } as const;

export class SqliteBackend implements Backend {
  readonly name: string;
  readonly registry: SqliteAgentRegistry;
  readonly tasks: SqliteTaskStore;
  readonly memory: SqliteMemoryStore;
  readonly election: SqliteLeaderElection;
  readonly bus: SqliteMessageBus;
  private readonly resetTx: Database.Transaction<() => void>;

  private constructor(
    private readonly conn: SqliteConnection,
    options: SqliteBackendOptions,
  ) {
    const now = options.now ?? Date.now;
    this.name = `sqlite:${conn.path}`;
    this.registry = new SqliteAgentRegistry(conn, now);
    this.tasks = new SqliteTaskStore(conn, now);
    this.memory = new SqliteMemoryStore(conn, now);
    this.election = new SqliteLeaderElection(conn, now);
    this.bus = new SqliteMessageBus(conn, now, {
      pollMs: options.pollMs ?? SQLITE_DEFAULTS.pollMs,
      retentionMs: options.retentionMs ?? SQLITE_DEFAULTS.retentionMs,
    });
    this.resetTx = conn.db.transaction(() => {
      // Epoch, task seq (AUTOINCREMENT) and bus seqs survive: they are tokens others may still hold.
      conn.db.exec(`
        DELETE FROM agents; DELETE FROM task_deps; DELETE FROM tasks; DELETE FROM memory; DELETE FROM bus_messages;
        UPDATE election SET leader_id = NULL, acquired_at = NULL, expires_at = NULL WHERE id = 1;`);
    });
  }

  static async open(path: string, options: SqliteBackendOptions = {}): Promise<SqliteBackend> {
    const conn = new SqliteConnection(path, {
      busyTimeoutMs: options.busyTimeoutMs ?? SQLITE_DEFAULTS.busyTimeoutMs,
      retries: options.retries ?? SQLITE_DEFAULTS.retries,
      busyWait: options.busyWait ?? SQLITE_DEFAULTS.busyWait,
    });
    try {
      await conn.init();
    } catch (err) {
      conn.close();
      throw err;
    }
    return new SqliteBackend(conn, options);
  }

  async reset(): Promise<void> {
    await this.conn.withRetry('reset', () => this.resetTx.immediate());
  }

  close(): void {
    this.bus.stopAll();
    this.conn.close();
  }

  stats(): BackendStats {
    return this.conn.stats();
  }
}
