/** Helpers over one etcd namespace (key prefix): compare-and-set on mod_revision, counters. */
import type { Namespace } from 'etcd3';
import type { Counters } from '../remote/counters.js';

export interface Versioned<T> {
  value: T;
  /** mod_revision of the key; 0 when the key does not exist. */
  revision: number;
}

export async function read<T>(ns: Namespace, key: string): Promise<Versioned<T> | null> {
  const res = await ns.get(key).exec();
  const kv = res.kvs[0];
  return kv ? { value: JSON.parse(kv.value.toString()) as T, revision: Number(kv.mod_revision) } : null;
}

/**
 * Writes `next(current)` in a transaction that commits only if the key's mod_revision is still the
 * one read (or, for a missing key, it is still missing); retries on a lost race, counted under
 * `operation`. `next` returns undefined to write nothing. Returns the value and the write's revision.
 */
export async function casWrite<T>(ns: Namespace, key: string, operation: string, counters: Counters, next: (current: T | null) => T | undefined): Promise<Versioned<T> | undefined> {
  for (;;) {
    const current = await read<T>(ns, key);
    const value = next(current ? current.value : null);
    if (value === undefined) return undefined;
    const txn = current ? ns.if(key, 'Mod', '==', current.revision) : ns.if(key, 'Create', '==', 0);
    const res = await txn.then(ns.put(key).value(JSON.stringify(value))).commit();
    if (res.succeeded) return { value, revision: Number(res.header.revision) };
    counters.retry(operation);
  }
}

/** Deletes the key only if it is still at `revision`; false if it changed since. */
export async function deleteAt(ns: Namespace, key: string, revision: number): Promise<boolean> {
  return (await ns.if(key, 'Mod', '==', revision).then(ns.delete().key(key)).commit()).succeeded;
}


/** Every key/value under a prefix, with the revision the read saw. */
export async function readPrefix<T>(ns: Namespace, prefix: string): Promise<{ entries: Array<{ key: string } & Versioned<T>>; revision: number }> {
  const res = await ns.getAll().prefix(prefix).exec();
  return {
    revision: Number(res.header.revision),
    entries: res.kvs.map((kv) => ({ key: kv.key.toString(), value: JSON.parse(kv.value.toString()) as T, revision: Number(kv.mod_revision) })),
  };
}
