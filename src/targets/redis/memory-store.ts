/**
 * Redis MemoryStore. An entry is a hash at `<prefix>m:<namespace>/<key>` (value, createdAt,
 * updatedAt, expiresAt) with a `PEXPIRE` of its TTL, so the server drops it by itself. Reads also
 * compare expiresAt with the adapter's clock — every adapter agrees on "exists while now <
 * expiresAt", to the millisecond, whatever the server's expiry cycle is doing.
 *
 * search() turns the swarmperf glob into a Redis `SCAN MATCH` pattern that matches a SUPERSET
 * (`*` and `**` both become `*`, since Redis' `*` crosses `/`; `?` becomes `?*`, since Redis' `?`
 * is one byte and a character may be up to four), then keeps exactly the keys the swarmperf glob
 * matches. The server does the coarse filtering; the result is exact.
 */
import type { Redis } from 'ioredis';
import { compileGlob, GlobSyntaxError, valueContains } from '../glob.js';
import type { WallClockMs } from '../options.js';
import type { MemoryEntry, MemoryStore } from '../ports.js';
import { byString, checkImportEntry, checkKey, checkNamespace, checkTtl, fullKeyOf, isExpired } from '../validate.js';
import type { RedisKeys } from './keys.js';
import { escapeRedisGlob, LuaScript, scanKeys } from './script.js';

// KEYS: entry. ARGV: value, now, expiresAt ('' for none), ttl ms ('' for none).
// createdAt carries over only from a live previous entry: a re-store after expiry is a new entry.
const STORE = new LuaScript(`
local old = redis.call('HMGET', KEYS[1], 'c', 'e')
local created = ARGV[2]
if old[1] and (not old[2] or tonumber(old[2]) > tonumber(ARGV[2])) then created = old[1] end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'c', created, 'u', ARGV[2])
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[1], 'e', ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
end
return created`);

// KEYS: entry. ARGV: now. 1 if a live entry was deleted.
const DELETE = new LuaScript(`
local e = redis.call('HGET', KEYS[1], 'e')
if redis.call('DEL', KEYS[1]) == 0 then return 0 end
if e and tonumber(e) <= tonumber(ARGV[1]) then return 0 end
return 1`);

// KEYS: entries. ARGV: now. Deletes the expired ones; returns how many.
const PURGE = new LuaScript(`
local n = 0
for _, k in ipairs(KEYS) do
  local e = redis.call('HGET', k, 'e')
  if e and tonumber(e) <= tonumber(ARGV[1]) then n = n + redis.call('DEL', k) end
end
return n`);

/** swarmperf glob → a Redis MATCH pattern matching every key the glob matches (and maybe more). */
export function toRedisMatch(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === '\\') {
      if (i + 1 >= pattern.length) throw new GlobSyntaxError(pattern, 'trailing "\\" escapes nothing');
      out += escapeRedisGlob(pattern[++i] as string);
    } else if (ch === '*') {
      // `**/` may match zero segments (`a/**/b` matches `a/b`), so its `/` cannot be required.
      if (pattern[i + 1] === '*' && pattern[i + 2] === '/') i += 2;
      if (!out.endsWith('*') || out.endsWith('\\*')) out += '*';
    } else if (ch === '?') {
      out += '?*';
    } else {
      out += escapeRedisGlob(ch);
    }
  }
  return out;
}

export class RedisMemoryStore implements MemoryStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly now: WallClockMs,
  ) {}

  async store(namespace: string, key: string, value: string, ttlMs?: number): Promise<MemoryEntry> {
    checkNamespace(namespace);
    checkKey(key);
    checkTtl(ttlMs);
    const t = this.now();
    const expiresAt = ttlMs === undefined ? null : t + ttlMs;
    const fullKey = fullKeyOf(namespace, key);
    const args = [String(value), t, expiresAt ?? '', ttlMs === undefined ? '' : Math.ceil(ttlMs)];
    const created = await STORE.run<string>(this.redis, [this.keys.memory(fullKey)], args);
    return { namespace, key, fullKey, value: String(value), createdAt: Number(created), updatedAt: t, expiresAt };
  }

  async retrieve(namespace: string, key: string): Promise<MemoryEntry | null> {
    const fullKey = fullKeyOf(namespace, key);
    const entry = toEntry(fullKey, await this.redis.hgetall(this.keys.memory(fullKey)));
    return entry && !isExpired(entry, this.now()) ? entry : null;
  }

  async delete(namespace: string, key: string): Promise<boolean> {
    return (await DELETE.run<number>(this.redis, [this.keys.memory(fullKeyOf(namespace, key))], [this.now()])) === 1;
  }

  async list(namespace: string, prefix = ''): Promise<MemoryEntry[]> {
    checkNamespace(namespace);
    const entries = await this.scan(`${escapeRedisGlob(namespace)}/${escapeRedisGlob(prefix)}*`);
    return entries.filter((e) => e.key.startsWith(prefix)).sort(byString((e) => e.key));
  }

  async search(pattern: string, query?: string): Promise<MemoryEntry[]> {
    const glob = compileGlob(pattern);
    const entries = await this.scan(toRedisMatch(pattern));
    return entries.filter((e) => glob.test(e.fullKey) && valueContains(e.value, query)).sort(byString((e) => e.fullKey));
  }

  async clear(namespace: string): Promise<number> {
    checkNamespace(namespace);
    const entries = await this.scan(`${escapeRedisGlob(namespace)}/*`, true);
    const t = this.now();
    if (entries.length > 0) await this.redis.unlink(...entries.map((e) => this.keys.memory(e.fullKey)));
    return entries.filter((e) => !isExpired(e, t)).length;
  }

  async export(): Promise<MemoryEntry[]> {
    return (await this.scan('*')).sort(byString((e) => e.fullKey));
  }

  async import(entries: MemoryEntry[]): Promise<number> {
    // Validate everything first, then one MULTI/EXEC: an import is all or nothing.
    entries.forEach((e, i) => checkImportEntry(e, i));
    const t = this.now();
    const tx = this.redis.multi();
    for (const e of entries) {
      const k = this.keys.memory(fullKeyOf(e.namespace, e.key));
      tx.del(k).hset(k, 'v', e.value, 'c', e.createdAt, 'u', e.updatedAt);
      if (e.expiresAt !== null && e.expiresAt !== undefined) {
        tx.hset(k, 'e', e.expiresAt);
        // Already expired: reads hide it and purgeExpired() removes it; PEXPIRE needs a positive TTL.
        if (e.expiresAt > t) tx.pexpire(k, Math.ceil(e.expiresAt - t));
      }
    }
    await tx.exec();
    return entries.length;
  }

  async purgeExpired(): Promise<number> {
    const keys = await scanKeys(this.redis, `${escapeRedisGlob(this.keys.memoryPrefix)}*`);
    let purged = 0;
    for (let i = 0; i < keys.length; i += 256) purged += await PURGE.run<number>(this.redis, keys.slice(i, i + 256), [this.now()]);
    return purged;
  }

  /** Live entries whose full key matches the Redis pattern (expired ones too when asked). */
  private async scan(match: string, includeExpired = false): Promise<MemoryEntry[]> {
    const keys = await scanKeys(this.redis, `${escapeRedisGlob(this.keys.memoryPrefix)}${match}`);
    if (keys.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const k of keys) pipeline.hgetall(k);
    const replies = (await pipeline.exec()) ?? [];
    const t = this.now();
    const out: MemoryEntry[] = [];
    replies.forEach(([err, fields], i) => {
      if (err) throw err;
      const entry = toEntry((keys[i] as string).slice(this.keys.memoryPrefix.length), fields as Record<string, string>);
      if (entry && (includeExpired || !isExpired(entry, t))) out.push(entry);
    });
    return out;
  }
}

function toEntry(fullKey: string, f: Record<string, string>): MemoryEntry | null {
  if (f.v === undefined) return null;
  const slash = fullKey.indexOf('/');
  return {
    namespace: fullKey.slice(0, slash),
    key: fullKey.slice(slash + 1),
    fullKey,
    value: f.v,
    createdAt: Number(f.c),
    updatedAt: Number(f.u),
    expiresAt: f.e === undefined ? null : Number(f.e),
  };
}
