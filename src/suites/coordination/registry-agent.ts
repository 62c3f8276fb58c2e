/**
 * The registry agent: registers itself, then churns a population of agents it owns — registers
 * new ones (some abandoned at once, never heartbeated: they must be reaped), heartbeats the live
 * ones round-robin, deregisters some, lists the registry under churn and reaps stale agents.
 * It logs what it knows for the end-state checks, and notices in-run violations directly: a
 * deregistered agent still listed, a live agent reaped although its heartbeat was fresh.
 * What it keeps follows the run's live state, not its length: the live agents (at most maxLive),
 * 2 bits for each agent it ever created (its fate), and a few examples of each violation.
 */
import { runClosedLoop } from '../../load/closed-loop.js';
import type { Workload } from '../../load/types.js';
import type { AgentRole } from '../agents/runtime.js';
import { addExample, noExamples, type CountedExamples } from '../invariants/common.js';
import { ownedId, parseOwnedId, SeqFate, SeqFates, type EncodedSeqFates } from '../invariants/seq-fates.js';

export const REGISTRY_OPS = ['register', 'heartbeat', 'deregister', 'list', 'reapStale'] as const;
export type RegistryOp = (typeof REGISTRY_OPS)[number];

export interface RegistryAgentLog {
  /** Agents still run, with the wall ms their last successful heartbeat call started. */
  live: Array<{ id: string; lastHeartbeatMs: number }>;
  /** When this agent's last reapStale call ended (0 if none). */
  lastReapMs: number;
  /** The agent whose created agents `<owner>/a<seq>` the fates describe. */
  owner: string;
  /** Which of them this agent deregistered and which it abandoned (SeqFates, encoded: JSON-safe for IPC). */
  fates: EncodedSeqFates;
  reapedWhileFresh: CountedExamples<{ id: string; sinceHeartbeatMs: number }>;
  /** Agents of this one's that a list returned after their deregistration. */
  listedAfterDeregister: CountedExamples<string>;
}

/** Allowance for wall clocks read in different processes, ms. */
const CLOCK_SLACK_MS = 2;

export const registryAgent: AgentRole = async (ctx) => {
  const registry = ctx.backend.registry;
  const me = ctx.agentId;
  const staleMs = ctx.param('staleMs', 1000);
  const maxLive = ctx.param('maxLive', 24);
  const abandonProbability = ctx.param('abandonPercent', 20) / 100;
  const mix = ctx.param<Record<RegistryOp, number>>('mix', { register: 15, heartbeat: 50, deregister: 12, list: 15, reapStale: 8 });
  const rng = ctx.rng;
  // id → wall ms when its last successful heartbeat (or registration) call started.
  const live = new Map<string, number>();
  let cursor = 0;
  const fates = new SeqFates();
  const reapedWhileFresh: RegistryAgentLog['reapedWhileFresh'] = noExamples();
  const listedAfterDeregister: RegistryAgentLog['listedAfterDeregister'] = noExamples();
  const counters = { registered: 0, deregistered: 0, abandoned: 0, reaped: 0, liveReaped: 0, listed: 0 };
  let seq = 0;
  let lastReapMs = 0;

  /** A live agent of ours is gone (reaped by someone): a violation only if its heartbeat was fresh. */
  const lostLive = (id: string, noticedAtMs: number): void => {
    const last = live.get(id);
    live.delete(id);
    counters.liveReaped++;
    if (last !== undefined && noticedAtMs - last < staleMs - CLOCK_SLACK_MS) addExample(reapedWhileFresh, { id, sinceHeartbeatMs: noticedAtMs - last });
  };

  const register = async (): Promise<void> => {
    if (live.size >= maxLive) return deregister();
    const mySeq = seq++;
    const id = ownedId(me, mySeq);
    const abandon = rng.bool(abandonProbability);
    const startedAt = Date.now();
    await registry.register({ id, role: abandon ? 'abandoned' : 'worker', pid: process.pid, meta: { owner: me } });
    counters.registered++;
    if (abandon) {
      fates.set(mySeq, SeqFate.abandoned);
      counters.abandoned++;
    } else live.set(id, startedAt);
  };

  const heartbeat = async (): Promise<void> => {
    const ids = [...live.keys()];
    if (ids.length === 0) return register();
    const id = ids[cursor++ % ids.length] as string;
    const startedAt = Date.now();
    if (await registry.heartbeat(id)) live.set(id, startedAt);
    else lostLive(id, startedAt);
  };

  const deregister = async (): Promise<void> => {
    const ids = [...live.keys()].filter((id) => id !== me);
    if (ids.length === 0) return register();
    const id = rng.pick(ids);
    const startedAt = Date.now();
    if (await registry.deregister(id)) {
      live.delete(id);
      fates.set(seqOf(id), SeqFate.deregistered);
      counters.deregistered++;
    } else lostLive(id, startedAt);
  };

  const list = async (): Promise<void> => {
    const agents = rng.bool(0.5) ? await registry.list() : await registry.list({ role: 'worker' });
    counters.listed += agents.length;
    // Counted once a listing; the examples name different agents (a store that keeps one agent
    // returns it in every list).
    for (const a of agents) {
      if (!isDeregisteredByMe(a.id)) continue;
      if (listedAfterDeregister.examples.includes(a.id)) listedAfterDeregister.count++;
      else addExample(listedAfterDeregister, a.id);
    }
  };

  /** The seq of an agent this one created (every live id but its own). */
  const seqOf = (id: string): number => {
    const owned = parseOwnedId(id);
    if (owned?.owner !== me) throw new Error(`${id} is not an agent ${me} created`);
    return owned.seq;
  };

  const isDeregisteredByMe = (id: string): boolean => {
    const owned = parseOwnedId(id);
    return owned !== undefined && owned.owner === me && fates.get(owned.seq) === SeqFate.deregistered;
  };

  const reapStale = async (): Promise<void> => {
    const ids = await registry.reapStale(staleMs);
    const endedAt = Date.now();
    lastReapMs = endedAt;
    counters.reaped += ids.length;
    for (const id of ids) if (live.has(id)) lostLive(id, endedAt);
  };

  const run: Record<RegistryOp, () => Promise<void>> = { register, heartbeat, deregister, list, reapStale };
  const total = REGISTRY_OPS.reduce((s, op) => s + mix[op], 0);
  const workload: Workload = {
    next() {
      let u = rng.next() * total;
      for (const op of REGISTRY_OPS) {
        u -= mix[op];
        if (u < 0) return { name: op, run: run[op] };
      }
      return { name: 'heartbeat', run: heartbeat };
    },
  };

  live.set(me, Date.now());
  await ctx.untilNotBusy(() => registry.register({ id: me, role: 'agent', pid: process.pid }));
  await ctx.ready();
  const recording = await ctx.measure((lc, _phase, durationUs, iterations) =>
    runClosedLoop(workload, { concurrency: 1, durationUs, ...(iterations !== undefined ? { iterations } : {}) }, lc),
  );
  const log: RegistryAgentLog = { live: [...live].map(([id, lastHeartbeatMs]) => ({ id, lastHeartbeatMs })), lastReapMs, owner: me, fates: fates.encode(), reapedWhileFresh, listedAfterDeregister };
  return { recording, counters, log };
};
