/**
 * Helpers over one NATS KV bucket. Keys are NATS subjects (`[-/_=.a-zA-Z0-9]`, `.` between
 * tokens), so user text (agent ids, memory namespaces and keys) goes in as hex tokens, which keep
 * every character and sort nowhere in particular (listings are sorted in JS like every adapter).
 */
import type { JetStreamManager } from '@nats-io/jetstream';
import type { KV, KvEntry } from '@nats-io/kv';
import type { Counters } from '../remote/counters.js';

export function hex(text: string): string {
  return Buffer.from(text, 'utf8').toString('hex');
}

export function unhex(token: string): string {
  return Buffer.from(token, 'hex').toString('utf8');
}

/** A compare-and-set that lost: the key changed (or appeared) since it was read. */
export function isCasConflict(err: unknown): boolean {
  return err instanceof Error && /wrong last sequence|key exists/i.test(err.message);
}

/** The live entry (a PUT), or null when the key is missing, deleted or purged. */
export async function getLive(kv: KV, key: string): Promise<KvEntry | null> {
  const e = await kv.get(key);
  return e && e.operation === 'PUT' ? e : null;
}

/** Every key of the bucket matching a subject filter (`a.>`), deleted ones included. */
export type KeyLister = (filter: string) => Promise<string[]>;

/**
 * Lists keys from the stream's per-subject counts (one request, paged by the client) rather
 * than `kv.keys()`: that one follows an ordered consumer until a message arrives with nothing
 * pending, and under concurrent writers (history 1 drops the messages it still counts as
 * pending) it waited for the 30 s idle heartbeat — an agent "hung" after the window. Deleted
 * keys keep their subject (the delete marker); callers read entries with `getLive`, which skips them.
 */
export function streamKeyLister(jsm: JetStreamManager, bucket: string): KeyLister {
  const prefix = `$KV.${bucket}.`;
  return async (filter) => {
    const info = await jsm.streams.info(`KV_${bucket}`, { subjects_filter: `${prefix}${filter}` });
    return Object.keys(info.state.subjects ?? {}).map((subject) => subject.slice(prefix.length));
  };
}

/** The live entries of these keys, fetched concurrently (requests pipeline on the one connection). */
export async function entriesOf(kv: KV, keys: readonly string[]): Promise<KvEntry[]> {
  const entries = await Promise.all(keys.map((k) => getLive(kv, k)));
  return entries.filter((e): e is KvEntry => e !== null);
}

/**
 * Writes `next(current)` with a revision check, re-reading and retrying when another writer got
 * there first (each retry counted under `operation`). `next` returns undefined to write nothing.
 * Returns what was written (and its revision), or undefined.
 */
export async function casWrite<T>(
  kv: KV,
  key: string,
  operation: string,
  counters: Counters,
  next: (current: T | null, entry: KvEntry | null) => T | undefined,
): Promise<{ value: T; revision: number } | undefined> {
  for (;;) {
    const entry = await getLive(kv, key);
    const value = next(entry ? entry.json<T>() : null, entry);
    if (value === undefined) return undefined;
    try {
      const revision = entry ? await kv.update(key, JSON.stringify(value), entry.revision) : await kv.create(key, JSON.stringify(value));
      return { value, revision };
    } catch (err) {
      if (!isCasConflict(err)) throw err;
      counters.retry(operation);
    }
  }
}

