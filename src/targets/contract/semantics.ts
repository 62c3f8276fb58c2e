/**
 * The semantics a coordination store must keep for a swarm to be safe, checked against any
 * Backend (built-in, a user's module, an MCP server through a mapping): `swarmperf contract`
 * prints them, the contract tests run the same code against every adapter. Each check works on
 * scratch names of its own, waits for events (expiry, delivery) on real time with a bound, and
 * reports the first violation it saw with the ids involved — something a user can act on.
 *
 * A check whose port the backend does not provide is "skipped", not failed.
 */
import type { Backend, Lease, MemoryEntry } from '../ports.js';
import { portsProvided, type PortName } from '../external/ports.js';

export type SemanticStatus = 'holds' | 'fails' | 'skipped';

export interface SemanticResult {
  /** e.g. "atomic claim". */
  name: string;
  port: PortName;
  status: SemanticStatus;
  detail: string;
}

export interface SemanticOptions {
  /** Concurrent claims/stores per round (default 32). */
  concurrency?: number;
  /** Rounds of the racy checks: a race may need several tries to show (default 5). */
  rounds?: number;
  /** TTL and lease length used by the expiry checks, ms (default 300). */
  ttlMs?: number;
  /** Longest wait for a delivery or an expiry, ms (default 5000). */
  timeoutMs?: number;
}

interface Resolved {
  concurrency: number;
  rounds: number;
  ttlMs: number;
  timeoutMs: number;
}

export interface SemanticCheck {
  name: string;
  port: PortName;
  /** What holding means, in one line (printed next to the verdict). */
  meaning: string;
  /** Resolves to a failure detail, or to the success detail prefixed by "ok: ". */
  run(backend: Backend, o: Resolved): Promise<string>;
}

class Violation extends Error {}
function violated(message: string): never {
  throw new Violation(message);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits (on real time) until `now() > t`; the bound keeps a clock-less adapter from hanging us. */
async function waitPast(t: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() <= t + 5) {
    if (Date.now() > deadline) violated(`waited ${timeoutMs} ms for time ${t} to pass`);
    await sleep(Math.min(50, Math.max(1, t + 6 - Date.now())));
  }
}

const atomicClaim: SemanticCheck = {
  name: 'atomic claim',
  port: 'tasks',
  meaning: 'concurrent claims never hand one task to two workers',
  async run(b, o) {
    let claims = 0;
    for (let round = 0; round < o.rounds; round++) {
      await b.reset();
      const tasks = Math.max(1, Math.floor(o.concurrency / 4));
      for (let i = 0; i < tasks; i++) await b.tasks.create({ title: `contract claim ${round}.${i}`, priority: i % 3 });
      const results = await Promise.all(Array.from({ length: o.concurrency }, (_, w) => Promise.resolve(b.tasks.claim(`worker-${round}-${w}`))));
      const winners = new Map<string, string[]>();
      for (const [w, t] of results.entries()) {
        if (t === null) continue;
        claims++;
        winners.set(t.id, [...(winners.get(t.id) ?? []), `worker-${round}-${w}`]);
      }
      const doubled = [...winners].filter(([, ws]) => ws.length > 1);
      if (doubled.length > 0) {
        const [id, ws] = doubled[0] as [string, string[]];
        violated(`round ${round + 1}: ${doubled.length} of ${tasks} tasks were claimed by more than one worker (${id} by ${ws.slice(0, 3).join(', ')}${ws.length > 3 ? ` and ${ws.length - 3} more` : ''}) among ${o.concurrency} concurrent claims`);
      }
      if (winners.size < tasks) violated(`round ${round + 1}: ${o.concurrency} concurrent claims took only ${winners.size} of ${tasks} pending tasks`);
    }
    return `ok: ${o.rounds} rounds of ${o.concurrency} concurrent claims, ${claims} claims, none doubled`;
  },
};

const leaseFencing: SemanticCheck = {
  name: 'lease fencing',
  port: 'election',
  meaning: 'one live leader; a new leadership gets a higher epoch; the old epoch can neither renew nor resign',
  async run(b, o) {
    // A rival granted a lease is a violation only if it asked before the first one expired: on a
    // starved machine the first lease can lapse between the two calls, and then the grant is right.
    // Such a try proves nothing either way, so it is repeated with a longer lease.
    let first: Lease | null = null;
    let ttlMs = o.ttlMs;
    for (let attempt = 0; ; attempt++, ttlMs *= 4) {
      await b.reset();
      first = await b.election.campaign('contract-a', ttlMs);
      if (first === null) violated('campaign on an empty election returned null');
      const askedAt = Date.now();
      const rival = await b.election.campaign('contract-b', ttlMs);
      if (rival === null) break;
      if (askedAt < first.expiresAt) violated(`contract-b was granted a lease (epoch ${rival.epoch}) while contract-a held a live one (epoch ${first.epoch})`);
      if (attempt === 3 || ttlMs * 4 > o.timeoutMs) violated(`could not judge: contract-a's ${ttlMs} ms lease lapsed before contract-b's campaign ${attempt + 1} times (machine too slow)`);
    }
    await waitPast(first.expiresAt, o.timeoutMs);
    const second = await b.election.campaign('contract-b', o.ttlMs);
    if (second === null) violated(`contract-b could not take the lease after contract-a's expired (at ${first.expiresAt})`);
    if (!(second.epoch > first.epoch)) violated(`the new leadership's epoch ${second.epoch} is not above the old one's ${first.epoch}: a stale leader's writes cannot be fenced`);
    const staleRenew = await b.election.renew('contract-a', first.epoch, o.ttlMs);
    if (staleRenew !== null) violated(`contract-a renewed with its old epoch ${first.epoch} after losing the lease`);
    if ((await b.election.resign('contract-a', first.epoch)) !== false) violated(`contract-a resigned a lease it no longer held (epoch ${first.epoch})`);
    const current = await b.election.current();
    if (current?.leaderId !== 'contract-b') violated(`current() names ${current?.leaderId ?? 'nobody'}, expected contract-b`);
    return `ok: epochs ${first.epoch} → ${second.epoch}, the old leader fenced off`;
  },
};

const orderedDelivery: SemanticCheck = {
  name: 'ordered delivery',
  port: 'bus',
  meaning: 'every subscriber gets every message of a topic once, in publish order',
  async run(b, o) {
    await b.reset();
    const topic = 'contract-order';
    const count = Math.max(10, o.concurrency * 2);
    const got: Array<{ seq: number; payload: string }> = [];
    const sub = await b.bus.subscribe(topic, (m) => got.push({ seq: m.seq, payload: m.payload }));
    try {
      for (let i = 0; i < count; i++) await b.bus.publish(topic, `m${i}`);
      const deadline = Date.now() + o.timeoutMs;
      while (got.length < count && Date.now() < deadline) await sleep(5);
      await sleep(20); // duplicates arrive late
      if (got.length < count) violated(`${count - got.length} of ${count} messages were not delivered within ${o.timeoutMs} ms`);
      const payloads = got.map((m) => m.payload);
      const dup = payloads.find((p, i) => payloads.indexOf(p) !== i);
      if (dup !== undefined) violated(`message ${dup} was delivered twice`);
      const outOfOrder = payloads.findIndex((p, i) => p !== `m${i}`);
      if (outOfOrder >= 0) violated(`delivery ${outOfOrder} was ${payloads[outOfOrder]}, expected m${outOfOrder} (publish order)`);
      const badSeq = got.findIndex((m, i) => i > 0 && m.seq <= (got[i - 1] as { seq: number }).seq);
      if (badSeq >= 0) violated(`seq did not increase at delivery ${badSeq}`);
      return `ok: ${count} messages, once each, in order`;
    } finally {
      await sub.unsubscribe();
    }
  },
};

const ttl: SemanticCheck = {
  name: 'TTL',
  port: 'memory',
  meaning: 'an entry is readable until its TTL and never after; entries without TTL stay',
  async run(b, o) {
    await b.reset();
    const stored = await b.memory.store('contract', 'short', 'expires', o.ttlMs);
    await b.memory.store('contract', 'kept', 'stays');
    if (stored.expiresAt === null) violated('store() with a TTL returned expiresAt null');
    const before = await b.memory.retrieve('contract', 'short');
    if (before === null && Date.now() < stored.expiresAt) violated('an entry was gone before its TTL');
    await waitPast(stored.expiresAt, o.timeoutMs);
    const after = await b.memory.retrieve('contract', 'short');
    if (after !== null) violated(`contract/short was still returned after its TTL (expiresAt ${stored.expiresAt})`);
    if ((await b.memory.search('contract/*')).some((e) => e.key === 'short')) violated('search() returned an expired entry');
    if ((await b.memory.retrieve('contract', 'kept'))?.value !== 'stays') violated('an entry without TTL was lost');
    return `ok: gone after ${o.ttlMs} ms, the entry without TTL kept`;
  },
};

const GLOB_KEYS: Array<[string, string, string]> = [
  ['alpha', 'notes', 'Raft election timeout'],
  ['alpha', 'plans/q1', 'ship the bus'],
  ['alpha', 'plans/q2', 'raft snapshots'],
  ['beta', 'notes', 'nothing here'],
  ['beta', 'plans/q1', 'RAFT log'],
];
const GLOB_CASES: Array<{ pattern: string; query?: string; expect: string[] }> = [
  { pattern: 'alpha/*', expect: ['alpha/notes'] },
  { pattern: 'alpha/**', expect: ['alpha/notes', 'alpha/plans/q1', 'alpha/plans/q2'] },
  { pattern: '*/plans/q1', expect: ['alpha/plans/q1', 'beta/plans/q1'] },
  { pattern: '**', query: 'raft', expect: ['alpha/notes', 'alpha/plans/q2', 'beta/plans/q1'] },
];

const globSearch: SemanticCheck = {
  name: 'glob search',
  port: 'memory',
  meaning: '`*` matches within one /-segment, `**` across; the query filters values case-insensitively; sorted by key',
  async run(b) {
    await b.reset();
    for (const [ns, key, value] of GLOB_KEYS) await b.memory.store(ns, key, value);
    for (const c of GLOB_CASES) {
      const got = (await b.memory.search(c.pattern, c.query)).map((e: MemoryEntry) => e.fullKey);
      if (JSON.stringify(got) !== JSON.stringify(c.expect)) violated(`search(${JSON.stringify(c.pattern)}${c.query ? `, ${JSON.stringify(c.query)}` : ''}) returned [${got.join(', ')}], expected [${c.expect.join(', ')}]`);
    }
    return `ok: ${GLOB_CASES.length} patterns`;
  },
};

const writesKept: SemanticCheck = {
  name: 'concurrent writes kept',
  port: 'memory',
  meaning: 'every store() that reported success is readable afterwards',
  async run(b, o) {
    for (let round = 0; round < o.rounds; round++) {
      await b.reset();
      const keys = Array.from({ length: o.concurrency }, (_, i) => `k${round}-${i}`);
      await Promise.all(keys.map((k) => Promise.resolve(b.memory.store('contract', k, `value of ${k}`))));
      const lost: string[] = [];
      for (const k of keys) if ((await b.memory.retrieve('contract', k))?.value !== `value of ${k}`) lost.push(k);
      if (lost.length > 0) violated(`round ${round + 1}: ${lost.length} of ${keys.length} concurrent stores reported success and are not readable (e.g. contract/${lost[0]})`);
    }
    return `ok: ${o.rounds} rounds of ${o.concurrency} concurrent stores, all kept`;
  },
};

/** The checks, in the order they are printed. */
export const SEMANTIC_CHECKS: readonly SemanticCheck[] = [atomicClaim, leaseFencing, orderedDelivery, ttl, globSearch, writesKept];

/** Runs every check on one backend (which it resets: give it scratch state). */
export async function checkSemantics(backend: Backend, options: SemanticOptions = {}): Promise<SemanticResult[]> {
  const o: Resolved = { concurrency: options.concurrency ?? 32, rounds: options.rounds ?? 5, ttlMs: options.ttlMs ?? 300, timeoutMs: options.timeoutMs ?? 5_000 };
  const have = portsProvided(backend);
  const out: SemanticResult[] = [];
  for (const check of SEMANTIC_CHECKS) {
    if (!have.includes(check.port)) {
      out.push({ name: check.name, port: check.port, status: 'skipped', detail: `no ${check.port} port` });
      continue;
    }
    try {
      const detail = await check.run(backend, o);
      out.push({ name: check.name, port: check.port, status: 'holds', detail: detail.replace(/^ok: /, '') });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      out.push({ name: check.name, port: check.port, status: 'fails', detail: err instanceof Violation ? message : `threw: ${message}` });
    }
  }
  return out;
}
