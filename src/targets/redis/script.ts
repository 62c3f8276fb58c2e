/**
 * A Lua script run by SHA (EVALSHA), loaded on first use or after the server forgot it (NOSCRIPT,
 * e.g. after a restart). Every multi-step operation of the Redis adapter is one script, so it is
 * atomic on the server and costs one round trip.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export class LuaScript {
  private readonly sha: string;
  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run<T>(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<T> {
    try {
      return (await redis.evalsha(this.sha, keys.length, ...keys, ...args)) as T;
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return (await redis.eval(this.source, keys.length, ...keys, ...args)) as T;
    }
  }
}

/** HGETALL-style flat reply [k1, v1, k2, v2, ...] → object. */
export function pairs(flat: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i] as string] = flat[i + 1] as string;
  return out;
}

/** Redis glob metacharacters (`* ? [ ] \`) escaped, so text matches itself in SCAN MATCH. */
export function escapeRedisGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/** Every key matching `match` (SCAN, so the server is never blocked the way KEYS blocks it). */
export async function scanKeys(redis: Redis, match: string): Promise<string[]> {
  const keys = new Set<string>();
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
    for (const k of batch) keys.add(k); // SCAN may return a key twice
    cursor = next;
  } while (cursor !== '0');
  return [...keys];
}
