/**
 * The registry agent: registers itself, then churns a population of agents it owns — registers
 * new ones (some abandoned at once, never heartbeated: they must be reaped), heartbeats the live
 * ones round-robin, deregisters some, lists the registry under churn and reaps stale agents.
 * It logs what it knows for the end-state checks, and notices in-run violations directly: a
 * deregistered agent still listed, a live agent reaped although its heartbeat was fresh.
 */
import { runClosedLoop } from '../../load/closed-loop.js';
import type { Workload } from '../../load/types.js';
import type { AgentRole } from '../agents/runtime.js';

export const REGISTRY_OPS = ['register', 'heartbeat', 'deregister', 'list', 'reapStale'] as const;
export type RegistryOp = (typeof REGISTRY_OPS)[number];

export interface RegistryAgentLog {
  /** Agents still run, with the wall ms their last successful heartbeat call started. */
  live: Array<{ id: string; lastHeartbeatMs: number }>;
  /** When this agent's last reapStale call ended (0 if none). */
  lastReapMs: number;
  deregistered: string[];
  abandoned: string[];
  reapedWhileFresh: Array<{ id: string; sinceHeartbeatMs: number }>;
  listedAfterDeregister: string[];
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
  const deregistered = new Set<string>();
  const abandoned: string[] = [];
  const reapedWhileFresh: RegistryAgentLog['reapedWhileFresh'] = [];
  const listedAfterDeregister: string[] = [];
  const counters = { registered: 0, deregistered: 0, abandoned: 0, reaped: 0, liveReaped: 0, listed: 0 };
  let seq = 0;
  let lastReapMs = 0;

  /** A live agent of ours is gone (reaped by someone): a violation only if its heartbeat was fresh. */
  const lostLive = (id: string, noticedAtMs: number): void => {
    const last = live.get(id);
    live.delete(id);
    counters.liveReaped++;
    if (last !== undefined && noticedAtMs - last < staleMs - CLOCK_SLACK_MS) reapedWhileFresh.push({ id, sinceHeartbeatMs: noticedAtMs - last });
  };

  const register = async (): Promise<void> => {
    if (live.size >= maxLive) return deregister();
    const id = `${me}/a${seq++}`;
    const abandon = rng.bool(abandonProbability);
    const startedAt = Date.now();
    await registry.register({ id, role: abandon ? 'abandoned' : 'worker', pid: process.pid, meta: { owner: me } });
    counters.registered++;
    if (abandon) {
      abandoned.push(id);
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
      deregistered.add(id);
      counters.deregistered++;
    } else lostLive(id, startedAt);
  };

  const list = async (): Promise<void> => {
    const agents = rng.bool(0.5) ? await registry.list() : await registry.list({ role: 'worker' });
    counters.listed += agents.length;
    for (const a of agents) if (deregistered.has(a.id) && listedAfterDeregister.length < 20) listedAfterDeregister.push(a.id);
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
  const log: RegistryAgentLog = { live: [...live].map(([id, lastHeartbeatMs]) => ({ id, lastHeartbeatMs })), lastReapMs, deregistered: [...deregistered], abandoned, reapedWhileFresh, listedAfterDeregister };
  return { recording, counters, log };
};
