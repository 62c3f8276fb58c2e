/** In-process MemoryStore: namespace → key → entry. Expired entries are invisible to every read. */
import { compileGlob, valueContains } from '../glob.js';
import type { WallClockMs } from '../options.js';
import type { MemoryEntry, MemoryStore } from '../ports.js';
import { byString, checkImportEntry, checkKey, checkNamespace, checkTtl, fullKeyOf, isExpired } from '../validate.js';

export class MemoryMemoryStore implements MemoryStore {
  private readonly namespaces = new Map<string, Map<string, MemoryEntry>>();
  constructor(private readonly now: WallClockMs) {}

  store(namespace: string, key: string, value: string, ttlMs?: number): MemoryEntry {
    checkNamespace(namespace);
    checkKey(key);
    checkTtl(ttlMs);
    const t = this.now();
    let ns = this.namespaces.get(namespace);
    if (!ns) this.namespaces.set(namespace, (ns = new Map()));
    const previous = ns.get(key);
    const live = previous && !isExpired(previous, t) ? previous : undefined;
    const entry: MemoryEntry = {
      namespace,
      key,
      fullKey: fullKeyOf(namespace, key),
      value: String(value),
      createdAt: live ? live.createdAt : t,
      updatedAt: t,
      expiresAt: ttlMs === undefined ? null : t + ttlMs,
    };
    ns.set(key, entry);
    return { ...entry };
  }

  retrieve(namespace: string, key: string): MemoryEntry | null {
    const entry = this.namespaces.get(namespace)?.get(key);
    if (!entry || isExpired(entry, this.now())) return null;
    return { ...entry };
  }

  delete(namespace: string, key: string): boolean {
    const ns = this.namespaces.get(namespace);
    const entry = ns?.get(key);
    if (!ns || !entry) return false;
    ns.delete(key);
    // An expired entry "no longer exists": deleting it reports false, like a missing one.
    return !isExpired(entry, this.now());
  }

  list(namespace: string, prefix = ''): MemoryEntry[] {
    const ns = this.namespaces.get(namespace);
    if (!ns) return [];
    const t = this.now();
    const out: MemoryEntry[] = [];
    for (const e of ns.values()) if (e.key.startsWith(prefix) && !isExpired(e, t)) out.push({ ...e });
    return out.sort(byString((e) => e.key));
  }

  search(pattern: string, query?: string): MemoryEntry[] {
    const glob = compileGlob(pattern);
    const t = this.now();
    // A literal namespace in the pattern (text before the first "/" with no wildcard) narrows the scan.
    const slash = glob.literalPrefix.indexOf('/');
    const only = slash >= 0 ? glob.literalPrefix.slice(0, slash) : undefined;
    const out: MemoryEntry[] = [];
    for (const [name, ns] of this.namespaces) {
      if (only !== undefined && name !== only) continue;
      for (const e of ns.values()) {
        if (!isExpired(e, t) && glob.test(e.fullKey) && valueContains(e.value, query)) out.push({ ...e });
      }
    }
    return out.sort(byString((e) => e.fullKey));
  }

  clear(namespace: string): number {
    const ns = this.namespaces.get(namespace);
    if (!ns) return 0;
    const t = this.now();
    let live = 0;
    for (const e of ns.values()) if (!isExpired(e, t)) live++;
    this.namespaces.delete(namespace);
    return live;
  }

  export(): MemoryEntry[] {
    const t = this.now();
    const out: MemoryEntry[] = [];
    for (const ns of this.namespaces.values()) for (const e of ns.values()) if (!isExpired(e, t)) out.push({ ...e });
    return out.sort(byString((e) => e.fullKey));
  }

  import(entries: MemoryEntry[]): number {
    // Validate everything first: an import is all or nothing.
    entries.forEach((e, i) => checkImportEntry(e, i));
    for (const e of entries) {
      let ns = this.namespaces.get(e.namespace);
      if (!ns) this.namespaces.set(e.namespace, (ns = new Map()));
      ns.set(e.key, {
        namespace: e.namespace,
        key: e.key,
        fullKey: fullKeyOf(e.namespace, e.key),
        value: e.value,
        createdAt: e.createdAt,
        updatedAt: e.updatedAt,
        expiresAt: e.expiresAt ?? null,
      });
    }
    return entries.length;
  }

  purgeExpired(): number {
    const t = this.now();
    let purged = 0;
    for (const [name, ns] of this.namespaces) {
      for (const [key, e] of ns) {
        if (isExpired(e, t)) {
          ns.delete(key);
          purged++;
        }
      }
      if (ns.size === 0) this.namespaces.delete(name);
    }
    return purged;
  }

  clearAll(): void {
    this.namespaces.clear();
  }
}
