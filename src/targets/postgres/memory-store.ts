/**
 * PostgreSQL MemoryStore: one row per entry with an expiry column (indexed). Reads filter
 * `expires_at > now` with the adapter's clock; purgeExpired() deletes the expired rows. A glob's
 * literal prefix narrows the scan in SQL (the namespace, then a key prefix); the glob itself and
 * the value query are then tested exactly as every adapter tests them.
 */
import type { Pool } from 'pg';
import { compileGlob, valueContains } from '../glob.js';
import type { WallClockMs } from '../options.js';
import type { MemoryEntry, MemoryStore } from '../ports.js';
import { byString, checkImportEntry, checkKey, checkNamespace, checkTtl, fullKeyOf, isExpired } from '../validate.js';

interface MemoryRow {
  namespace: string;
  key: string;
  value: string;
  created_at: string;
  updated_at: string;
  expires_at: string | null;
}

const LIVE = '(expires_at IS NULL OR expires_at > $1)';

export class PostgresMemoryStore implements MemoryStore {
  constructor(
    private readonly pool: Pool,
    private readonly now: WallClockMs,
  ) {}

  async store(namespace: string, key: string, value: string, ttlMs?: number): Promise<MemoryEntry> {
    checkNamespace(namespace);
    checkKey(key);
    checkTtl(ttlMs);
    const t = this.now();
    // createdAt carries over only from a live previous entry: a re-store after expiry is a new entry.
    const { rows } = await this.pool.query<MemoryRow>(
      `INSERT INTO memory (namespace, key, value, created_at, updated_at, expires_at) VALUES ($1, $2, $3, $4, $4, $5)
       ON CONFLICT (namespace, key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at, expires_at = EXCLUDED.expires_at,
         created_at = CASE WHEN memory.expires_at IS NOT NULL AND memory.expires_at <= EXCLUDED.updated_at THEN EXCLUDED.created_at ELSE memory.created_at END
       RETURNING *`,
      [namespace, key, String(value), t, ttlMs === undefined ? null : t + ttlMs],
    );
    return toEntry(rows[0] as MemoryRow);
  }

  async retrieve(namespace: string, key: string): Promise<MemoryEntry | null> {
    const { rows } = await this.pool.query<MemoryRow>(`SELECT * FROM memory WHERE ${LIVE} AND namespace = $2 AND key = $3`, [this.now(), namespace, key]);
    return rows[0] ? toEntry(rows[0]) : null;
  }

  async delete(namespace: string, key: string): Promise<boolean> {
    const { rows } = await this.pool.query<MemoryRow>('DELETE FROM memory WHERE namespace = $1 AND key = $2 RETURNING expires_at', [namespace, key]);
    return rows.length > 0 && !isExpired({ expiresAt: rows[0]?.expires_at == null ? null : Number(rows[0].expires_at) }, this.now());
  }

  async list(namespace: string, prefix = ''): Promise<MemoryEntry[]> {
    checkNamespace(namespace);
    const { rows } = await this.pool.query<MemoryRow>(`SELECT * FROM memory WHERE ${LIVE} AND namespace = $2 AND starts_with(key, $3)`, [this.now(), namespace, prefix]);
    return rows.map(toEntry).sort(byString((e) => e.key));
  }

  async search(pattern: string, query?: string): Promise<MemoryEntry[]> {
    const glob = compileGlob(pattern);
    const slash = glob.literalPrefix.indexOf('/');
    const { rows } =
      slash >= 0
        ? await this.pool.query<MemoryRow>(`SELECT * FROM memory WHERE ${LIVE} AND namespace = $2 AND starts_with(key, $3)`, [
            this.now(),
            glob.literalPrefix.slice(0, slash),
            glob.literalPrefix.slice(slash + 1),
          ])
        : await this.pool.query<MemoryRow>(`SELECT * FROM memory WHERE ${LIVE} AND starts_with(namespace, $2)`, [this.now(), glob.literalPrefix]);
    return rows
      .map(toEntry)
      .filter((e) => glob.test(e.fullKey) && valueContains(e.value, query))
      .sort(byString((e) => e.fullKey));
  }

  async clear(namespace: string): Promise<number> {
    checkNamespace(namespace);
    const { rows } = await this.pool.query<{ expires_at: string | null }>('DELETE FROM memory WHERE namespace = $1 RETURNING expires_at', [namespace]);
    const t = this.now();
    return rows.filter((r) => r.expires_at === null || Number(r.expires_at) > t).length;
  }

  async export(): Promise<MemoryEntry[]> {
    const { rows } = await this.pool.query<MemoryRow>(`SELECT * FROM memory WHERE ${LIVE}`, [this.now()]);
    return rows.map(toEntry).sort(byString((e) => e.fullKey));
  }

  async import(entries: MemoryEntry[]): Promise<number> {
    // Validated first, then one statement: an import is all or nothing.
    entries.forEach((e, i) => checkImportEntry(e, i));
    if (entries.length === 0) return 0;
    // Later entries win over earlier ones with the same key (ON CONFLICT cannot touch a row twice).
    const last = new Map(entries.map((e) => [fullKeyOf(e.namespace, e.key), e]));
    const rows = [...last.values()];
    await this.pool.query(
      `INSERT INTO memory (namespace, key, value, created_at, updated_at, expires_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[])
       ON CONFLICT (namespace, key) DO UPDATE SET value = EXCLUDED.value, created_at = EXCLUDED.created_at,
         updated_at = EXCLUDED.updated_at, expires_at = EXCLUDED.expires_at`,
      [
        rows.map((e) => e.namespace),
        rows.map((e) => e.key),
        rows.map((e) => e.value),
        rows.map((e) => e.createdAt),
        rows.map((e) => e.updatedAt),
        rows.map((e) => e.expiresAt ?? null),
      ],
    );
    return entries.length;
  }

  async purgeExpired(): Promise<number> {
    return (await this.pool.query('DELETE FROM memory WHERE expires_at <= $1', [this.now()])).rowCount ?? 0;
  }
}

function toEntry(r: MemoryRow): MemoryEntry {
  return {
    namespace: r.namespace,
    key: r.key,
    fullKey: fullKeyOf(r.namespace, r.key),
    value: r.value,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    expiresAt: r.expires_at === null ? null : Number(r.expires_at),
  };
}
