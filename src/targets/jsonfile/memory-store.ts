/** jsonfile MemoryStore: memory.json, one object keyed by full key. Reads skip expired entries. */
import { compileGlob, valueContains } from '../glob.js';
import type { WallClockMs } from '../options.js';
import type { MemoryEntry, MemoryStore } from '../ports.js';
import { byString, checkImportEntry, checkKey, checkNamespace, checkTtl, fullKeyOf, isExpired } from '../validate.js';
import type { JsonDocuments, Versioned } from './documents.js';

interface EntryJson {
  namespace: string;
  key: string;
  value: string;
  created_at: number;
  updated_at: number;
  expires_at: number | null;
}

export interface MemoryDoc extends Versioned {
  version: string;
  entries: Record<string, EntryJson>;
}

export const MEMORY_FILE = 'memory.json';
const empty = (): MemoryDoc => ({ version: '1.0.0', entries: {}, last_updated: new Date(0).toISOString(), lock_version: 0 });

export class JsonMemoryStore implements MemoryStore {
  constructor(
    private readonly docs: JsonDocuments,
    private readonly now: WallClockMs,
  ) {}

  async store(namespace: string, key: string, value: string, ttlMs?: number): Promise<MemoryEntry> {
    checkNamespace(namespace);
    checkKey(key);
    checkTtl(ttlMs);
    return this.docs.update('memory.store', MEMORY_FILE, empty, (doc) => {
      const t = this.now();
      const full = fullKeyOf(namespace, key);
      const prev = doc.entries[full];
      const live = prev && !isExpired(toEntry(prev), t) ? prev : undefined;
      const e: EntryJson = { namespace, key, value: String(value), created_at: live ? live.created_at : t, updated_at: t, expires_at: ttlMs === undefined ? null : t + ttlMs };
      doc.entries[full] = e;
      return { result: toEntry(e), changed: true };
    });
  }

  retrieve(namespace: string, key: string): Promise<MemoryEntry | null> {
    const e = this.docs.read(MEMORY_FILE, empty).entries[fullKeyOf(namespace, key)];
    const entry = e ? toEntry(e) : null;
    return Promise.resolve(entry && !isExpired(entry, this.now()) ? entry : null);
  }

  delete(namespace: string, key: string): Promise<boolean> {
    return this.docs.update('memory.delete', MEMORY_FILE, empty, (doc) => {
      const full = fullKeyOf(namespace, key);
      const e = doc.entries[full];
      if (!e) return { result: false, changed: false };
      delete doc.entries[full];
      return { result: !isExpired(toEntry(e), this.now()), changed: true };
    });
  }

  list(namespace: string, prefix = ''): Promise<MemoryEntry[]> {
    return Promise.resolve(this.live().filter((e) => e.namespace === namespace && e.key.startsWith(prefix)).sort(byString((e) => e.key)));
  }

  async search(pattern: string, query?: string): Promise<MemoryEntry[]> {
    const glob = compileGlob(pattern);
    return this.live()
      .filter((e) => glob.test(e.fullKey) && valueContains(e.value, query))
      .sort(byString((e) => e.fullKey));
  }

  clear(namespace: string): Promise<number> {
    return this.docs.update('memory.clear', MEMORY_FILE, empty, (doc) => {
      const t = this.now();
      let live = 0;
      let removed = 0;
      for (const [full, e] of Object.entries(doc.entries)) {
        if (e.namespace !== namespace) continue;
        if (!isExpired(toEntry(e), t)) live++;
        delete doc.entries[full];
        removed++;
      }
      return { result: live, changed: removed > 0 };
    });
  }

  export(): Promise<MemoryEntry[]> {
    return Promise.resolve(this.live().sort(byString((e) => e.fullKey)));
  }

  async import(entries: MemoryEntry[]): Promise<number> {
    entries.forEach((e, i) => checkImportEntry(e, i));
    // One locked read-modify-write and one rename: all entries land, or none do.
    return this.docs.update('memory.import', MEMORY_FILE, empty, (doc) => {
      for (const e of entries) {
        doc.entries[fullKeyOf(e.namespace, e.key)] = { namespace: e.namespace, key: e.key, value: e.value, created_at: e.createdAt, updated_at: e.updatedAt, expires_at: e.expiresAt ?? null };
      }
      return { result: entries.length, changed: entries.length > 0 };
    });
  }

  purgeExpired(): Promise<number> {
    return this.docs.update('memory.purgeExpired', MEMORY_FILE, empty, (doc) => {
      const t = this.now();
      let purged = 0;
      for (const [full, e] of Object.entries(doc.entries)) {
        if (isExpired(toEntry(e), t)) {
          delete doc.entries[full];
          purged++;
        }
      }
      return { result: purged, changed: purged > 0 };
    });
  }

  private live(): MemoryEntry[] {
    const t = this.now();
    return Object.values(this.docs.read(MEMORY_FILE, empty).entries)
      .map(toEntry)
      .filter((e) => !isExpired(e, t));
  }
}

function toEntry(e: EntryJson): MemoryEntry {
  return { namespace: e.namespace, key: e.key, fullKey: fullKeyOf(e.namespace, e.key), value: e.value, createdAt: e.created_at, updatedAt: e.updated_at, expiresAt: e.expires_at };
}
