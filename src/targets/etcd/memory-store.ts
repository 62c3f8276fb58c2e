/**
 * etcd MemoryStore: one key per entry, `m/<namespace>/<key>` (etcd keys are bytes, so the full key
 * goes in verbatim and a namespace or key prefix is a range read). An entry with a TTL is attached
 * to an etcd lease of that TTL (rounded up to whole seconds, at least the server's minimum), so
 * etcd drops it by itself; reads also compare expiresAt with the adapter's clock, so every adapter
 * agrees to the millisecond. Writes are transactions on mod_revision (createdAt carries over from
 * the live entry replaced); import() is ONE transaction (all or nothing).
 */
import type { Etcd3, Namespace } from 'etcd3';
import { compileGlob, valueContains } from '../glob.js';
import type { WallClockMs } from '../options.js';
import type { MemoryEntry, MemoryStore } from '../ports.js';
import type { Counters } from '../remote/counters.js';
import { byString, checkImportEntry, checkKey, checkNamespace, checkTtl, fullKeyOf, isExpired } from '../validate.js';
import { deleteAt, read, readPrefix } from './kv.js';

interface StoredEntry {
  v: string;
  c: number;
  u: number;
  e: number | null;
}

/** etcd refuses leases shorter than its minimum TTL (a few seconds, from the election timeout). */
const MIN_LEASE_SECONDS = 5;

export class EtcdMemoryStore implements MemoryStore {
  constructor(
    private readonly client: Etcd3,
    private readonly ns: Namespace,
    private readonly now: WallClockMs,
    private readonly counters: Counters,
  ) {}

  async store(namespace: string, key: string, value: string, ttlMs?: number): Promise<MemoryEntry> {
    checkNamespace(namespace);
    checkKey(key);
    checkTtl(ttlMs);
    const k = `m/${fullKeyOf(namespace, key)}`;
    const leaseId = ttlMs === undefined ? undefined : await this.grant(ttlMs);
    for (;;) {
      const t = this.now();
      const old = await read<StoredEntry>(this.ns, k);
      const stored: StoredEntry = { v: String(value), c: old && !isExpired({ expiresAt: old.value.e }, t) ? old.value.c : t, u: t, e: ttlMs === undefined ? null : t + ttlMs };
      const put = this.ns.put(k).value(JSON.stringify(stored));
      if (leaseId !== undefined) put.lease(leaseId);
      const txn = old ? this.ns.if(k, 'Mod', '==', old.revision) : this.ns.if(k, 'Create', '==', 0);
      if ((await txn.then(put).commit()).succeeded) return toEntry(namespace, key, stored);
      this.counters.retry('memory.store');
    }
  }

  async retrieve(namespace: string, key: string): Promise<MemoryEntry | null> {
    const got = await read<StoredEntry>(this.ns, `m/${fullKeyOf(namespace, key)}`);
    return got && !isExpired({ expiresAt: got.value.e }, this.now()) ? toEntry(namespace, key, got.value) : null;
  }

  async delete(namespace: string, key: string): Promise<boolean> {
    const res = await this.ns.delete().key(`m/${fullKeyOf(namespace, key)}`).getPrevious();
    const prev = res[0];
    return prev !== undefined && !isExpired({ expiresAt: (JSON.parse(prev.value.toString()) as StoredEntry).e }, this.now());
  }

  async list(namespace: string, prefix = ''): Promise<MemoryEntry[]> {
    checkNamespace(namespace);
    return (await this.read(`${namespace}/${prefix}`)).sort(byString((e) => e.key));
  }

  async search(pattern: string, query?: string): Promise<MemoryEntry[]> {
    const glob = compileGlob(pattern);
    const entries = await this.read(glob.literalPrefix);
    return entries.filter((e) => glob.test(e.fullKey) && valueContains(e.value, query)).sort(byString((e) => e.fullKey));
  }

  async clear(namespace: string): Promise<number> {
    checkNamespace(namespace);
    const previous = await this.ns.delete().prefix(`m/${namespace}/`).getPrevious();
    const t = this.now();
    return previous.filter((kv) => !isExpired({ expiresAt: (JSON.parse(kv.value.toString()) as StoredEntry).e }, t)).length;
  }

  async export(): Promise<MemoryEntry[]> {
    return (await this.read('')).sort(byString((e) => e.fullKey));
  }

  async import(entries: MemoryEntry[]): Promise<number> {
    entries.forEach((e, i) => checkImportEntry(e, i));
    if (entries.length === 0) return 0;
    const puts = entries.map((e) => {
      const stored: StoredEntry = { v: e.value, c: e.createdAt, u: e.updatedAt, e: e.expiresAt ?? null };
      return this.ns.put(`m/${fullKeyOf(e.namespace, e.key)}`).value(JSON.stringify(stored));
    });
    // One transaction whose condition always holds (create_revision > -1): every put or none. etcd caps a
    // transaction at 128 operations by default, so a larger import is several transactions.
    for (let i = 0; i < puts.length; i += 128) await this.ns.if('m/', 'Create', '>', -1).then(...puts.slice(i, i + 128)).commit();
    return entries.length;
  }

  async purgeExpired(): Promise<number> {
    const t = this.now();
    let purged = 0;
    for (const e of (await readPrefix<StoredEntry>(this.ns, 'm/')).entries) {
      if (isExpired({ expiresAt: e.value.e }, t) && (await deleteAt(this.ns, e.key, e.revision))) purged++;
    }
    return purged;
  }

  private async grant(ttlMs: number): Promise<string> {
    const lease = this.client.lease(Math.max(MIN_LEASE_SECONDS, Math.ceil(ttlMs / 1000)), { autoKeepAlive: false });
    return lease.grant();
  }

  /** Live entries whose full key starts with `prefix`. */
  private async read(prefix: string): Promise<MemoryEntry[]> {
    const t = this.now();
    return (await readPrefix<StoredEntry>(this.ns, `m/${prefix}`)).entries
      .map((e) => {
        const full = e.key.slice(2);
        const slash = full.indexOf('/');
        return toEntry(full.slice(0, slash), full.slice(slash + 1), e.value);
      })
      .filter((e) => !isExpired(e, t));
  }
}

function toEntry(namespace: string, key: string, s: StoredEntry): MemoryEntry {
  return { namespace, key, fullKey: fullKeyOf(namespace, key), value: s.v, createdAt: s.c, updatedAt: s.u, expiresAt: s.e };
}
