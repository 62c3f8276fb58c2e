/**
 * The memory agent: owns one namespace (agent-<index>) holding the same key names as every other
 * agent's, so any leak across namespaces is visible. Keys are chosen with zipfian popularity. It
 * stores, retrieves, searches (glob and query), lists and deletes, verifying every answer on the
 * spot against what it wrote last — it is the only writer of its namespace, so it knows — and
 * reads every key back at the end.
 */
import { runClosedLoop } from '../../load/closed-loop.js';
import type { Workload } from '../../load/types.js';
import { Zipf } from '../../measure/rng.js';
import type { MemoryEntry } from '../../targets/ports.js';
import type { AgentRole } from '../agents/runtime.js';
import type { IsolationLeak, ReadbackEntry } from '../invariants/memory.js';

export const MEMORY_OPS = ['store', 'retrieve', 'search-glob', 'search-query', 'list', 'delete'] as const;
export type MemoryOp = (typeof MEMORY_OPS)[number];

export interface MemoryAgentLog {
  readback: ReadbackEntry[];
  leaks: IsolationLeak[];
  leakCount: number;
  /** In-run reads that returned something other than the last write (examples). */
  staleReads: string[];
  searchMisses: string[];
  complete: boolean;
}

const KEEP = 20;

/** Values carry who wrote them for which key and version: `<namespace>|<key>|<version>|<padding>`. */
export function memoryValue(namespace: string, key: string, version: number, size: number): string {
  const head = `${namespace}|${key}|${version}|`;
  return head.length >= size ? head : head + 'x'.repeat(size - head.length);
}

/** What a value says about itself, plus its length (so a truncated value does not pass). */
export function valueDigest(value: string): string {
  const parts = value.split('|', 3);
  return `${parts.join('|')}#${value.length}`;
}

export function valueNamespace(value: string): string | null {
  const i = value.indexOf('|');
  return i > 0 ? value.slice(0, i) : null;
}

export const memoryAgent: AgentRole = async (ctx) => {
  const mem = ctx.backend.memory;
  const ns = `agent-${ctx.spec.index}`;
  const keys = ctx.param('keysPerAgent', 1000);
  const valueSize = ctx.param('valueSize', 256);
  const mix = ctx.param<Record<MemoryOp, number>>('mix', { store: 25, retrieve: 50, 'search-glob': 5, 'search-query': 5, list: 10, delete: 5 });
  const rng = ctx.rng;
  const zipf = new Zipf(keys, ctx.param('zipfS', 0.99));
  const keyName = (rank: number): string => `k${rank}`;
  // Last version written per key rank; -1 = deleted last.
  const versions = new Int32Array(keys);
  const digestOf = (rank: number): string | null => {
    const v = versions[rank] as number;
    return v < 0 ? null : valueDigest(memoryValue(ns, keyName(rank), v, valueSize));
  };
  const leaks: IsolationLeak[] = [];
  let leakCount = 0;
  const staleReads: string[] = [];
  const searchMisses: string[] = [];
  const counters = { stored: 0, deleted: 0, retrieved: 0, found: 0, searchResults: 0, leaks: 0, staleReads: 0, searchMisses: 0 };

  const scoped = (operation: string, entries: MemoryEntry[]): void => {
    for (const e of entries) {
      if (e.namespace === ns && valueNamespace(e.value) === ns) continue;
      leakCount++;
      counters.leaks++;
      if (leaks.length < KEEP) leaks.push({ operation, scope: ns, fullKey: e.fullKey });
    }
  };

  const ops: Record<MemoryOp, () => Promise<void>> = {
    async store() {
      const rank = zipf.sample(rng);
      const v = Math.max(0, versions[rank] as number) + 1;
      await mem.store(ns, keyName(rank), memoryValue(ns, keyName(rank), v, valueSize));
      versions[rank] = v;
      counters.stored++;
    },
    async retrieve() {
      const rank = zipf.sample(rng);
      const e = await mem.retrieve(ns, keyName(rank));
      counters.retrieved++;
      if (e) {
        counters.found++;
        scoped('retrieve', [e]);
      }
      const got = e ? valueDigest(e.value) : null;
      if (got !== digestOf(rank)) {
        counters.staleReads++;
        if (staleReads.length < KEEP) staleReads.push(`${ns}/${keyName(rank)}: read ${got ?? 'nothing'}, last wrote ${digestOf(rank) ?? 'a delete'}`);
      }
    },
    async 'search-glob'() {
      const found = await mem.search(`${ns}/k${rng.int(1, 9)}*`);
      counters.searchResults += found.length;
      scoped('search-glob', found);
    },
    async 'search-query'() {
      const rank = zipf.sample(rng);
      // The value embeds "|k<rank>|", so exactly this key matches (if it exists).
      const found = await mem.search(`${ns}/*`, `|${keyName(rank)}|`);
      counters.searchResults += found.length;
      scoped('search-query', found);
      const live = (versions[rank] as number) >= 0;
      if (live !== found.some((e) => e.key === keyName(rank))) {
        counters.searchMisses++;
        if (searchMisses.length < KEEP) searchMisses.push(`search ${ns}/* for "|${keyName(rank)}|" ${live ? 'missed the stored key' : 'found a deleted key'}`);
      }
    },
    async list() {
      const found = await mem.list(ns, `k${rng.int(1, 9)}`);
      counters.searchResults += found.length;
      scoped('list', found);
    },
    async delete() {
      const rank = zipf.sample(rng);
      await mem.delete(ns, keyName(rank));
      versions[rank] = -1;
      counters.deleted++;
    },
  };
  const total = MEMORY_OPS.reduce((s, op) => s + mix[op], 0);
  const workload: Workload = {
    next() {
      let u = rng.next() * total;
      for (const op of MEMORY_OPS) {
        u -= mix[op];
        if (u < 0) return { name: op, run: ops[op] };
      }
      return { name: 'retrieve', run: ops.retrieve };
    },
  };

  // Pre-populate the namespace in one import (not measured): every key at version 0.
  const now = Date.now();
  const initial: MemoryEntry[] = [];
  for (let rank = 0; rank < keys; rank++) {
    const key = keyName(rank);
    initial.push({ namespace: ns, key, fullKey: `${ns}/${key}`, value: memoryValue(ns, key, 0, valueSize), createdAt: now, updatedAt: now, expiresAt: null });
  }
  await ctx.untilNotBusy(() => mem.import(initial));
  await ctx.ready();
  const recording = await ctx.measure((lc, _phase, durationUs, iterations) =>
    runClosedLoop(workload, { concurrency: 1, durationUs, ...(iterations !== undefined ? { iterations } : {}) }, lc),
  );

  // Read every key back (bounded by the stop signal: an interrupted run checks what it read).
  const readback: ReadbackEntry[] = [];
  for (let rank = 0; rank < keys && !ctx.signal.aborted; rank++) {
    const e = await ctx.untilNotBusy(() => mem.retrieve(ns, keyName(rank)));
    readback.push({ fullKey: `${ns}/${keyName(rank)}`, expected: digestOf(rank), actual: e ? valueDigest(e.value) : null });
  }
  const log: MemoryAgentLog = { readback, leaks, leakCount, staleReads, searchMisses, complete: readback.length === keys };
  return { recording, counters, log };
};
