/**
 * NATS KV MemoryStore: one key per entry, `m.<hex namespace>.<hex key>`, so a namespace is a
 * subject filter (`m.<hex>.>`) and search() with a literal namespace reads only that namespace's
 * keys. Writes are revision-checked (createdAt carries over from the live entry it replaces).
 * TTL: the server here (nats-server 2.9) has no per-key TTL, so expiresAt is stored with the value,
 * every read hides expired entries and purgeExpired() deletes them, each delete checked against
 * the revision it judged (a concurrent re-store survives). import() validates everything first,
 * but NATS KV has no multi-key transaction: a server failure part-way leaves part of it written.
 */
import type { KV, KvEntry } from '@nats-io/kv';
import { compileGlob, valueContains } from '../glob.js';
import type { WallClockMs } from '../options.js';
import type { MemoryEntry, MemoryStore } from '../ports.js';
import type { Counters } from '../remote/counters.js';
import { byString, checkImportEntry, checkKey, checkNamespace, checkTtl, fullKeyOf, isExpired } from '../validate.js';
import { casWrite, entriesOf, getLive, hex, isCasConflict, type KeyLister, unhex } from './kv.js';

interface StoredEntry {
  v: string;
  c: number;
  u: number;
  e: number | null;
}

function keyOf(namespace: string, key: string): string {
  return `m.${hex(namespace)}.${hex(key)}`;
}

/** `m.<hex ns>.<hex key>` → [namespace, key]. */
function namesOf(subject: string): [string, string] {
  const [, ns = '', key = ''] = subject.split('.');
  return [unhex(ns), unhex(key)];
}

export class NatsMemoryStore implements MemoryStore {
  constructor(
    private readonly kv: KV,
    private readonly now: WallClockMs,
    private readonly counters: Counters,
    private readonly keysOf: KeyLister,
  ) {}

  async store(namespace: string, key: string, value: string, ttlMs?: number): Promise<MemoryEntry> {
    checkNamespace(namespace);
    checkKey(key);
    checkTtl(ttlMs);
    const t = this.now();
    const written = await casWrite<StoredEntry>(this.kv, keyOf(namespace, key), 'memory.store', this.counters, (old) => ({
      v: String(value),
      c: old && !isExpired({ expiresAt: old.e }, t) ? old.c : t,
      u: t,
      e: ttlMs === undefined ? null : t + ttlMs,
    }));
    return toEntry(namespace, key, (written as { value: StoredEntry }).value);
  }

  async retrieve(namespace: string, key: string): Promise<MemoryEntry | null> {
    const entry = await getLive(this.kv, keyOf(namespace, key));
    if (!entry) return null;
    const stored = entry.json<StoredEntry>();
    return isExpired({ expiresAt: stored.e }, this.now()) ? null : toEntry(namespace, key, stored);
  }

  async delete(namespace: string, key: string): Promise<boolean> {
    const subject = keyOf(namespace, key);
    for (;;) {
      const entry = await getLive(this.kv, subject);
      if (!entry) return false;
      try {
        await this.kv.delete(subject, { previousSeq: entry.revision });
        return !isExpired({ expiresAt: entry.json<StoredEntry>().e }, this.now());
      } catch (err) {
        if (!isCasConflict(err)) throw err;
        this.counters.retry('memory.delete');
      }
    }
  }

  async list(namespace: string, prefix = ''): Promise<MemoryEntry[]> {
    checkNamespace(namespace);
    return (await this.read(`m.${hex(namespace)}.>`, (_, key) => key.startsWith(prefix))).sort(byString((e) => e.key));
  }

  async search(pattern: string, query?: string): Promise<MemoryEntry[]> {
    const glob = compileGlob(pattern);
    const slash = glob.literalPrefix.indexOf('/');
    const filter = slash >= 0 ? `m.${hex(glob.literalPrefix.slice(0, slash))}.>` : 'm.>';
    const entries = await this.read(filter, (ns, key) => glob.test(fullKeyOf(ns, key)));
    return entries.filter((e) => valueContains(e.value, query)).sort(byString((e) => e.fullKey));
  }

  async clear(namespace: string): Promise<number> {
    checkNamespace(namespace);
    let live = 0;
    const t = this.now();
    for (const entry of await entriesOf(this.kv, await this.keysOf(`m.${hex(namespace)}.>`))) {
      if (await this.deleteAt(entry)) live += isExpired({ expiresAt: entry.json<StoredEntry>().e }, t) ? 0 : 1;
    }
    return live;
  }

  async export(): Promise<MemoryEntry[]> {
    return (await this.read('m.>', () => true)).sort(byString((e) => e.fullKey));
  }

  async import(entries: MemoryEntry[]): Promise<number> {
    entries.forEach((e, i) => checkImportEntry(e, i));
    for (const e of entries) {
      const stored: StoredEntry = { v: e.value, c: e.createdAt, u: e.updatedAt, e: e.expiresAt ?? null };
      await this.kv.put(keyOf(e.namespace, e.key), JSON.stringify(stored));
    }
    return entries.length;
  }

  async purgeExpired(): Promise<number> {
    const t = this.now();
    let purged = 0;
    for (const entry of await entriesOf(this.kv, await this.keysOf('m.>'))) {
      if (isExpired({ expiresAt: entry.json<StoredEntry>().e }, t) && (await this.deleteAt(entry))) purged++;
    }
    return purged;
  }

  /** Deletes the entry if it is still the revision that was read; false if it changed since. */
  private async deleteAt(entry: KvEntry): Promise<boolean> {
    try {
      await this.kv.delete(entry.key, { previousSeq: entry.revision });
      return true;
    } catch (err) {
      if (!isCasConflict(err)) throw err;
      this.counters.retry('memory.delete');
      return false;
    }
  }

  /** Live entries under the subject filter whose names pass `keep` (tested before fetching values). */
  private async read(filter: string, keep: (namespace: string, key: string) => boolean): Promise<MemoryEntry[]> {
    const subjects = (await this.keysOf(filter)).filter((s) => keep(...namesOf(s)));
    const t = this.now();
    return (await entriesOf(this.kv, subjects))
      .map((e) => toEntry(...namesOf(e.key), e.json<StoredEntry>()))
      .filter((e) => !isExpired(e, t));
  }
}

function toEntry(namespace: string, key: string, s: StoredEntry): MemoryEntry {
  return { namespace, key, fullKey: fullKeyOf(namespace, key), value: s.v, createdAt: s.c, updatedAt: s.u, expiresAt: s.e };
}
