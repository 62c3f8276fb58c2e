/**
 * SQLite MemoryStore: one row per (namespace, key). Expired rows stay until purgeExpired() but every
 * read filters them out with `expires_at > now`, so a TTL'd entry is never returned after expiry.
 * Search narrows by the pattern's literal prefix (index range), then tests the compiled glob and the
 * case-insensitive query in JS — the same code every adapter uses, so all adapters agree.
 */
import type Database from 'better-sqlite3';
import { compileGlob, valueContains } from '../glob.js';
import type { WallClockMs } from '../options.js';
import type { MemoryEntry, MemoryStore } from '../ports.js';
import { byString, checkImportEntry, checkKey, checkNamespace, checkTtl, fullKeyOf, isExpired } from '../validate.js';
import type { SqliteConnection } from './connection.js';

interface MemoryRow {
  namespace: string;
  key: string;
  value: string;
  created_at: number;
  updated_at: number;
  expires_at: number | null;
}

const LIVE = '(expires_at IS NULL OR expires_at > @now)';

export class SqliteMemoryStore implements MemoryStore {
  private readonly upsert: Database.Statement;
  private readonly replace: Database.Statement;
  private readonly getOne: Database.Statement;
  private readonly removeOne: Database.Statement;
  private readonly inNamespaceFrom: Database.Statement;
  private readonly namespacesFrom: Database.Statement;
  private readonly all: Database.Statement;
  private readonly clearNs: Database.Statement;
  private readonly purge: Database.Statement;
  private readonly importTx: Database.Transaction<(entries: MemoryEntry[]) => void>;

  constructor(
    private readonly conn: SqliteConnection,
    private readonly now: WallClockMs,
  ) {
    const db = conn.db;
    // Overwriting a live entry keeps its created_at; overwriting an expired one starts anew.
    this.upsert = db.prepare(
      `INSERT INTO memory (namespace, key, value, created_at, updated_at, expires_at) VALUES (@ns, @key, @value, @now, @now, @exp)
       ON CONFLICT (namespace, key) DO UPDATE SET
         value = excluded.value, updated_at = excluded.updated_at, expires_at = excluded.expires_at,
         created_at = CASE WHEN memory.expires_at IS NOT NULL AND memory.expires_at <= excluded.updated_at
                           THEN excluded.created_at ELSE memory.created_at END
       RETURNING *`,
    );
    this.replace = db.prepare('INSERT OR REPLACE INTO memory (namespace, key, value, created_at, updated_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)');
    this.getOne = db.prepare(`SELECT * FROM memory WHERE namespace = @ns AND key = @key AND ${LIVE}`);
    this.removeOne = db.prepare('DELETE FROM memory WHERE namespace = ? AND key = ? RETURNING expires_at');
    this.inNamespaceFrom = db.prepare(`SELECT * FROM memory WHERE namespace = @ns AND key >= @from AND ${LIVE}`);
    this.namespacesFrom = db.prepare(`SELECT * FROM memory WHERE namespace >= @from AND ${LIVE}`);
    this.all = db.prepare(`SELECT * FROM memory WHERE ${LIVE}`);
    this.clearNs = db.prepare('DELETE FROM memory WHERE namespace = ? RETURNING expires_at');
    this.purge = db.prepare('DELETE FROM memory WHERE expires_at IS NOT NULL AND expires_at <= ?');
    this.importTx = db.transaction((entries: MemoryEntry[]) => {
      for (const e of entries) this.replace.run(e.namespace, e.key, e.value, e.createdAt, e.updatedAt, e.expiresAt ?? null);
    });
  }

  store(namespace: string, key: string, value: string, ttlMs?: number): Promise<MemoryEntry> {
    try {
      checkNamespace(namespace);
      checkKey(key);
      checkTtl(ttlMs);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return this.conn.withRetry('memory.store', () => {
      const now = this.now();
      const row = this.upsert.get({ ns: namespace, key, value: String(value), now, exp: ttlMs === undefined ? null : now + ttlMs }) as MemoryRow;
      return toEntry(row);
    });
  }

  retrieve(namespace: string, key: string): Promise<MemoryEntry | null> {
    return this.conn.withRetry('memory.retrieve', () => {
      const row = this.getOne.get({ ns: namespace, key, now: this.now() }) as MemoryRow | undefined;
      return row ? toEntry(row) : null;
    });
  }

  delete(namespace: string, key: string): Promise<boolean> {
    return this.conn.withRetry('memory.delete', () => {
      const row = this.removeOne.get(namespace, key) as { expires_at: number | null } | undefined;
      // An expired entry "no longer exists": deleting it reports false, like a missing one.
      return row !== undefined && !isExpired({ expiresAt: row.expires_at }, this.now());
    });
  }

  list(namespace: string, prefix = ''): Promise<MemoryEntry[]> {
    return this.conn.withRetry('memory.list', () => {
      const rows = this.inNamespaceFrom.all({ ns: namespace, from: prefix, now: this.now() }) as MemoryRow[];
      return rows
        .filter((r) => r.key.startsWith(prefix))
        .map(toEntry)
        .sort(byString((e) => e.key));
    });
  }

  search(pattern: string, query?: string): Promise<MemoryEntry[]> {
    let glob;
    try {
      glob = compileGlob(pattern);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return this.conn.withRetry('memory.search', () => {
      const now = this.now();
      const slash = glob.literalPrefix.indexOf('/');
      let rows: MemoryRow[];
      if (slash >= 0) {
        rows = this.inNamespaceFrom.all({ ns: glob.literalPrefix.slice(0, slash), from: glob.literalPrefix.slice(slash + 1), now }) as MemoryRow[];
      } else if (glob.literalPrefix !== '') {
        rows = this.namespacesFrom.all({ from: glob.literalPrefix, now }) as MemoryRow[];
      } else {
        rows = this.all.all({ now }) as MemoryRow[];
      }
      const out: MemoryEntry[] = [];
      for (const r of rows) {
        if (glob.test(fullKeyOf(r.namespace, r.key)) && valueContains(r.value, query)) out.push(toEntry(r));
      }
      return out.sort(byString((e) => e.fullKey));
    });
  }

  clear(namespace: string): Promise<number> {
    return this.conn.withRetry('memory.clear', () => {
      const now = this.now();
      const rows = this.clearNs.all(namespace) as { expires_at: number | null }[];
      return rows.filter((r) => !isExpired({ expiresAt: r.expires_at }, now)).length;
    });
  }

  export(): Promise<MemoryEntry[]> {
    return this.conn.withRetry('memory.export', () =>
      (this.all.all({ now: this.now() }) as MemoryRow[]).map(toEntry).sort(byString((e) => e.fullKey)),
    );
  }

  import(entries: MemoryEntry[]): Promise<number> {
    try {
      // Validate everything before writing: an import is all or nothing (and one transaction).
      entries.forEach((e, i) => checkImportEntry(e, i));
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return this.conn.withRetry('memory.import', () => {
      this.importTx.immediate(entries);
      return entries.length;
    });
  }

  purgeExpired(): Promise<number> {
    return this.conn.withRetry('memory.purgeExpired', () => this.purge.run(this.now()).changes);
  }
}

function toEntry(r: MemoryRow): MemoryEntry {
  return {
    namespace: r.namespace,
    key: r.key,
    fullKey: fullKeyOf(r.namespace, r.key),
    value: r.value,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    expiresAt: r.expires_at,
  };
}
