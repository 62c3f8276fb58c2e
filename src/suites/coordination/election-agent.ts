/**
 * The election agent: a candidate for leadership. Without a lease it campaigns every
 * `campaignMs` (jittered); holding one it renews every `renewMs`. After `tenureRenewals` renewals
 * the leader fails, one of two ways:
 *   - stop: it stops renewing (a hung leader) and sits out twice the TTL;
 *   - kill: it asks the parent to kill it (SIGKILL of its process, or an abrupt stop in-process)
 *     and keeps renewing until that happens, so it dies holding a live lease.
 * Every lease it is handed is sent to the parent as it happens, so the history survives a kill.
 */
import type { LoadOutcome } from '../../load/types.js';
import type { Lease } from '../../targets/ports.js';
import type { AgentRole } from '../agents/runtime.js';
import { wallUs } from '../agents/runtime.js';
import type { LeaseObservation } from '../invariants/leases.js';

export type FailoverMode = 'stop' | 'kill' | 'mixed';

export type ElectionEvent =
  | { kind: 'lease'; observation: LeaseObservation }
  | { kind: 'campaign'; agentId: string; atMs: number }
  | { kind: 'fail'; how: 'stop' | 'kill'; agentId: string; epoch: number; atMs: number }
  | { kind: 'lost'; agentId: string; epoch: number; atMs: number }
  /** A campaign the store refused (returned null), with the wall ms it started at. */
  | { kind: 'refused'; agentId: string; startedAtMs: number };

/** How the leader of `epoch` fails: mixed kills every third leadership. */
export function failureFor(mode: FailoverMode, epoch: number): 'stop' | 'kill' {
  if (mode === 'mixed') return epoch % 3 === 0 ? 'kill' : 'stop';
  return mode;
}

export const electionAgent: AgentRole = async (ctx) => {
  const election = ctx.backend.election;
  const me = ctx.agentId;
  const ttlMs = ctx.param('ttlMs', 300);
  const renewMs = ctx.param('renewMs', 100);
  const campaignMs = ctx.param('campaignMs', 25);
  const tenureRenewals = ctx.param('tenureRenewals', 3);
  const mode = ctx.param<FailoverMode>('failover', 'mixed');
  const { clock, signal, rng } = ctx;
  const counters = { campaigns: 0, won: 0, renewals: 0, leasesLost: 0, failures: 0 };
  let lease: Lease | null = null;
  let renewals = 0;
  let failing = false;
  let nextRenewUs = 0;
  let sitOutUntilMs = 0;
  const emit = (e: ElectionEvent): void => ctx.emit(e);

  const timed = async <T>(lc: { recorder: { record(n: string, l: number, a: number): void; recordError(n: string, r: string, l: number, a: number): void } }, name: string, fn: () => Promise<T> | T): Promise<T | undefined> => {
    const start = clock.nowUs();
    try {
      const v = await fn();
      const end = clock.nowUs();
      lc.recorder.record(name, end - start, end);
      return v;
    } catch (err) {
      const end = clock.nowUs();
      const code = (err as { code?: unknown }).code;
      lc.recorder.recordError(name, typeof code === 'string' ? code : String((err as Error).message ?? err).slice(0, 120), end - start, end);
      return undefined;
    }
  };

  await ctx.ready();
  const recording = await ctx.measure(async (lc, _phase, durationUs): Promise<LoadOutcome> => {
    const deadline = lc.recorder.startUs + durationUs;
    let issued = 0;
    while (!signal.aborted && clock.nowUs() < deadline) {
      if (lease) {
        await clock.sleepUntil(Math.min(deadline, nextRenewUs), signal);
        if (signal.aborted || clock.nowUs() >= deadline) break;
        if (renewals >= tenureRenewals && !failing) {
          failing = true;
          counters.failures++;
          const how = failureFor(mode, lease.epoch);
          emit({ kind: 'fail', how, agentId: me, epoch: lease.epoch, atMs: Date.now() });
          if (how === 'stop') {
            lease = null;
            sitOutUntilMs = Date.now() + 2 * ttlMs;
            continue;
          }
          // kill: keep renewing until the parent's SIGKILL lands.
        }
        const held: Lease = lease;
        issued++;
        const renewed = await timed(lc, 'renew', () => election.renew(me, held.epoch, ttlMs));
        nextRenewUs = clock.nowUs() + renewMs * 1000;
        if (renewed === undefined) continue; // an error (busy): recorded, try again next interval
        if (renewed) {
          lease = renewed;
          renewals++;
          counters.renewals++;
          emit({ kind: 'lease', observation: { kind: 'renewed', agentId: me, lease: renewed, atMs: Date.now() } });
        } else {
          counters.leasesLost++;
          emit({ kind: 'lost', agentId: me, epoch: held.epoch, atMs: Date.now() });
          lease = null;
        }
        continue;
      }
      if (Date.now() < sitOutUntilMs) {
        await clock.sleepUntil(Math.min(deadline, clock.nowUs() + campaignMs * 1000), signal);
        continue;
      }
      issued++;
      counters.campaigns++;
      const campaignStartMs = Date.now();
      emit({ kind: 'campaign', agentId: me, atMs: campaignStartMs });
      const won = await timed(lc, 'campaign', () => election.campaign(me, ttlMs));
      if (won === null) emit({ kind: 'refused', agentId: me, startedAtMs: campaignStartMs });
      if (won) {
        const firstUs = wallUs();
        lease = won;
        renewals = 0;
        failing = false;
        counters.won++;
        nextRenewUs = clock.nowUs() + renewMs * 1000;
        emit({ kind: 'lease', observation: { kind: 'acquired', agentId: me, lease: won, atMs: Math.floor(firstUs / 1000) } });
        continue;
      }
      // Jitter keeps candidates from campaigning in lock-step.
      await clock.sleepUntil(Math.min(deadline, clock.nowUs() + campaignMs * 1000 * (0.5 + rng.next())), signal);
    }
    return { endUs: clock.nowUs(), aborted: signal.aborted, issued };
  });
  // A clean end: give leadership up so the next suite (or run) does not wait out the TTL.
  if (lease && !ctx.signal.aborted) {
    const held: Lease = lease;
    const atMs = Date.now();
    if (await ctx.untilNotBusy(() => election.resign(me, held.epoch))) ctx.emit({ kind: 'lease', observation: { kind: 'resigned', agentId: me, lease: held, atMs } } satisfies ElectionEvent);
  }
  return { recording, counters, log: null };
};
