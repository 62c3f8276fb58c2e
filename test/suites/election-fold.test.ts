/**
 * The election suite folds its agents' events as they arrive (bounded memory) instead of keeping
 * them all to the end. These tests feed one seeded, simulated event stream — delivered slightly out
 * of order, as events from separate processes are — both to the fold and to the computation the
 * suite used before (copied below as the reference) and require identical figures and checks.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/measure/rng.js';
import type { CheckResult } from '../../src/core/result.js';
import type { Lease } from '../../src/targets/ports.js';
import { checkFrom } from '../../src/suites/invariants/common.js';
import type { Failover, LeaseAnalysis, LeaseObservation, Tenure } from '../../src/suites/invariants/leases.js';
import { ElectionEventFold, electionRetentionMs } from '../../src/suites/coordination/election.js';
import type { ElectionEvent } from '../../src/suites/coordination/election-agent.js';

// ---- The reference: the suite's computation over the whole event list, as it was. ----

function referenceAnalyzeLeases(observations: readonly LeaseObservation[], ttlMs: number): LeaseAnalysis {
  const leadersByEpoch = new Map<number, Set<string>>();
  const tenures = new Map<number, Tenure>();
  const renewalEpochChanges: string[] = [];
  for (const o of observations) {
    const { lease } = o;
    if (lease.leaderId !== o.agentId) renewalEpochChanges.push(`${o.agentId} was handed a lease of ${lease.leaderId} (epoch ${lease.epoch})`);
    let leaders = leadersByEpoch.get(lease.epoch);
    if (!leaders) leadersByEpoch.set(lease.epoch, (leaders = new Set()));
    leaders.add(lease.leaderId);
    let t = tenures.get(lease.epoch);
    if (!t) {
      t = { epoch: lease.epoch, leaderId: lease.leaderId, acquiredAt: lease.acquiredAt, endsAt: lease.expiresAt, lastRenewalAt: lease.expiresAt - ttlMs, renewals: 0 };
      tenures.set(lease.epoch, t);
      if (o.kind === 'renewed') renewalEpochChanges.push(`renewal by ${o.agentId} returned epoch ${lease.epoch}, never acquired`);
    }
    if (o.kind === 'resigned') t.endsAt = Math.min(t.endsAt, o.atMs);
    else {
      if (o.kind === 'renewed') t.renewals++;
      if (lease.expiresAt > t.endsAt) t.endsAt = lease.expiresAt;
      t.lastRenewalAt = Math.max(t.lastRenewalAt, lease.expiresAt - ttlMs);
      t.acquiredAt = Math.min(t.acquiredAt, lease.acquiredAt);
    }
  }
  const oneLeader: string[] = [];
  for (const [epoch, leaders] of leadersByEpoch) if (leaders.size > 1) oneLeader.push(`epoch ${epoch} led by ${[...leaders].join(' and ')}`);
  const ordered = [...tenures.values()].sort((a, b) => a.epoch - b.epoch);
  const increasing: string[] = [...renewalEpochChanges];
  const overlaps: string[] = [];
  const failovers: Failover[] = [];
  for (let i = 1; i < ordered.length; i++) {
    const prev = ordered[i - 1] as Tenure;
    const next = ordered[i] as Tenure;
    if (next.acquiredAt < prev.acquiredAt) increasing.push(`epoch ${next.epoch} (${next.leaderId}) was granted ${prev.acquiredAt - next.acquiredAt} ms before epoch ${prev.epoch} (${prev.leaderId})`);
    if (next.acquiredAt < prev.endsAt) overlaps.push(`epoch ${next.epoch} (${next.leaderId}) acquired ${prev.endsAt - next.acquiredAt} ms before epoch ${prev.epoch} (${prev.leaderId}) expired`);
    failovers.push({ fromEpoch: prev.epoch, toEpoch: next.epoch, from: prev.leaderId, to: next.leaderId, failoverMs: next.acquiredAt - prev.lastRenewalAt });
  }
  const checks: CheckResult[] = [
    checkFrom('at most one leader per epoch', oneLeader, `${leadersByEpoch.size} epochs, one leader each`),
    checkFrom('epochs strictly increasing', increasing, `${ordered.length} leaderships, epochs increasing with time`),
    checkFrom('no two live leases overlap', overlaps, `${Math.max(0, ordered.length - 1)} hand-overs, each after the previous lease ended`),
  ];
  return { checks, tenures: ordered, failovers };
}

type Fail = { how: 'stop' | 'kill'; agentId: string; epoch: number; atMs: number };

function referenceSuccession(fails: readonly Fail[], tenures: ReadonlyArray<{ epoch: number }>, refusedAtMs: readonly number[], ttlMs: number): CheckResult {
  const name = 'every failed leader was succeeded';
  const violations: string[] = [];
  let untested = 0;
  for (const f of fails) {
    if (tenures.some((t) => t.epoch > f.epoch)) continue;
    const expiredMs = f.atMs + ttlMs + 5;
    const refusal = refusedAtMs.find((t) => t >= expiredMs);
    if (refusal === undefined) untested++;
    else violations.push(`${f.agentId} (epoch ${f.epoch}) ${f.how === 'kill' ? 'was killed' : 'stopped renewing'}, and a campaign ${refusal - f.atMs} ms later, after its lease expired, was refused with nobody leading`);
  }
  if (violations.length === 0 && untested > 0 && untested === fails.length) {
    return { name, passed: true, status: 'not-checked', detail: `not checked: no campaign after the ${fails.length} leader failure(s) tested whether the store accepts a successor` };
  }
  const killed = fails.filter((f) => f.how === 'kill').length;
  const tail = untested > 0 ? `; ${untested} at the end of the run, not tested by a later campaign` : '';
  return checkFrom(name, violations, `${fails.length - untested} leader failures (${killed} killed in all), each followed by a new leader${tail}`);
}

function reference(events: readonly ElectionEvent[], ttlMs: number) {
  const observations: LeaseObservation[] = [];
  const campaigns: Array<{ agentId: string; atMs: number }> = [];
  const fails: Fail[] = [];
  const refusedAtMs: number[] = [];
  let lost = 0;
  for (const e of events) {
    if (e.kind === 'lease') observations.push(e.observation);
    else if (e.kind === 'campaign') campaigns.push({ agentId: e.agentId, atMs: e.atMs });
    else if (e.kind === 'lost') lost++;
    else if (e.kind === 'refused') refusedAtMs.push(e.startedAtMs);
    else if (e.kind === 'fail') fails.push({ how: e.how, agentId: e.agentId, epoch: e.epoch, atMs: e.atMs });
  }
  const analysis = referenceAnalyzeLeases(observations, ttlMs);
  const succession = referenceSuccession(fails, analysis.tenures, refusedAtMs, ttlMs);
  const cycles = analysis.failovers.map((f, i) => {
    const next = analysis.tenures.find((t) => t.epoch === f.toEpoch);
    const prev = analysis.tenures.find((t) => t.epoch === f.fromEpoch);
    const gapStart = prev ? prev.lastRenewalAt : 0;
    const gapEnd = next ? next.acquiredAt : 0;
    const contenders = new Set(campaigns.filter((c) => c.atMs >= gapStart && c.atMs <= gapEnd).map((c) => c.agentId)).size;
    const how = fails.find((x) => x.epoch === f.fromEpoch)?.how ?? 'resigned-or-lost';
    return { cycle: i + 1, fromEpoch: f.fromEpoch, epoch: f.toEpoch, from: f.from, to: f.to, failoverMs: f.failoverMs, contenders, how, acquiredAt: gapEnd };
  });
  return { analysis, succession, cycles, fails, lost, campaigns: campaigns.length };
}

// ---- A simulated election: agents, a store, and (rarely) a store that misbehaves. ----

interface SimOptions {
  seed: number;
  ttlMs: number;
  agents: number;
  durationMs: number;
  tenureRenewals: number;
  /** Events reach the parent up to this late, so they arrive out of order. */
  maxDelayMs: number;
  /** From this far into the run the store refuses every campaign (a successor never comes). */
  refuseAllFromMs?: number;
}

interface SimAgent {
  id: string;
  lease: Lease | null;
  renewals: number;
  failing: boolean;
  sitOutUntil: number;
  nextAt: number;
  diesAt: number;
}

/** The events of a simulated run, each with the wall ms its agent stamped; in the order they happened. */
function simulate(o: SimOptions): Array<{ atMs: number; event: ElectionEvent }> {
  const rng = new Rng(o.seed);
  const T = o.ttlMs;
  const campaignMs = Math.max(2, Math.round(T / 12));
  const renewMs = Math.round(T / 3);
  const out: Array<{ atMs: number; event: ElectionEvent }> = [];
  const emit = (atMs: number, event: ElectionEvent): void => void out.push({ atMs, event });
  const store = { holder: '', epoch: 0, acquiredAt: 0, expiresAt: 0 };
  let refuseAllUntil = 0;
  const refuseAllFrom = o.refuseAllFromMs ?? Infinity;
  let born = 0;
  const newAgent = (at: number): SimAgent => ({ id: `agent-${born++}`, lease: null, renewals: 0, failing: false, sitOutUntil: 0, nextAt: at + Math.floor(rng.next() * campaignMs), diesAt: Infinity });
  const agents: SimAgent[] = Array.from({ length: o.agents }, () => newAgent(0));
  const start = 1_700_000_000_000;
  for (let now = start; now < start + o.durationMs; now++) {
    for (let i = 0; i < agents.length; i++) {
      let a = agents[i] as SimAgent;
      if (now >= a.diesAt) agents[i] = a = newAgent(now + 20);
      if (now < a.nextAt) continue;
      const callMs = Math.floor(rng.next() * 3); // the store call's latency
      if (a.lease) {
        if (a.renewals >= o.tenureRenewals && !a.failing) {
          a.failing = true;
          const how = rng.next() < 0.35 ? 'kill' : 'stop';
          emit(now, { kind: 'fail', how, agentId: a.id, epoch: a.lease.epoch, atMs: now });
          // A store that then refuses everyone for longer than the retention window: a long gap.
          if (rng.next() < 0.01) refuseAllUntil = now + 45_000;
          if (how === 'stop') {
            a.lease = null;
            a.sitOutUntil = now + 2 * T;
            a.nextAt = now + campaignMs;
            continue;
          }
          a.diesAt = now + Math.floor(rng.next() * T);
        }
        const held = a.lease;
        if (store.holder === a.id && store.epoch === held.epoch && store.expiresAt > now) {
          store.expiresAt = now + T;
          a.lease = { leaderId: a.id, epoch: held.epoch, acquiredAt: store.acquiredAt, expiresAt: store.expiresAt };
          a.renewals++;
          emit(now + callMs, { kind: 'lease', observation: { kind: 'renewed', agentId: a.id, lease: a.lease, atMs: now + callMs } });
        } else {
          emit(now + callMs, { kind: 'lost', agentId: a.id, epoch: held.epoch, atMs: now + callMs });
          a.lease = null;
        }
        a.nextAt = now + callMs + renewMs;
        continue;
      }
      if (now < a.sitOutUntil) {
        a.nextAt = now + campaignMs;
        continue;
      }
      emit(now, { kind: 'campaign', agentId: a.id, atMs: now });
      const free = store.expiresAt <= now;
      const misbehaves = rng.next() < 0.0005; // grants over a live lease, or hands out an epoch twice
      const refusing = now < refuseAllUntil || now - start >= refuseAllFrom;
      if (!refusing && (free || misbehaves)) {
        const reuse = misbehaves && rng.next() < 0.5 && store.epoch > 0;
        store.epoch = reuse ? store.epoch : store.epoch + 1;
        Object.assign(store, { holder: a.id, acquiredAt: now, expiresAt: now + T });
        a.lease = { leaderId: a.id, epoch: store.epoch, acquiredAt: now, expiresAt: now + T };
        a.renewals = 0;
        a.failing = false;
        emit(now + callMs, { kind: 'lease', observation: { kind: 'acquired', agentId: a.id, lease: a.lease, atMs: now + callMs } });
        a.nextAt = now + callMs + renewMs;
      } else {
        emit(now + callMs, { kind: 'refused', agentId: a.id, startedAtMs: now });
        // A candidate process crashes now and then: its replacement campaigns under a new id, so a
        // long gap's early contenders are not among its late ones.
        if (rng.next() < 0.0005) a.diesAt = now + callMs + 1;
        a.nextAt = now + callMs + Math.round(campaignMs * (0.5 + rng.next()));
      }
    }
  }
  const end = start + o.durationMs;
  for (const a of agents) if (a.lease && a.diesAt === Infinity) emit(end, { kind: 'lease', observation: { kind: 'resigned', agentId: a.id, lease: a.lease, atMs: end } });
  return out;
}

/**
 * The events in the order the parent receives them: each agent's in the order it sent them (one
 * pipe per process), up to maxDelayMs late, and now and then a stall of a few hundred ms (a starved
 * process) — so events of different agents arrive out of order.
 */
function delivered(events: ReadonlyArray<{ atMs: number; event: ElectionEvent }>, maxDelayMs: number, seed: number): ElectionEvent[] {
  const rng = new Rng(seed ^ 0x5bd1e995);
  const lastOf = new Map<string, number>();
  return events
    .map((e, i) => {
      const agentId = e.event.kind === 'lease' ? e.event.observation.agentId : e.event.agentId;
      const stall = rng.next() < 0.002 ? rng.next() * 300 : 0;
      const at = Math.max(lastOf.get(agentId) ?? -Infinity, e.atMs + rng.next() * maxDelayMs + stall);
      lastOf.set(agentId, at);
      return { at, i, event: e.event };
    })
    .sort((a, b) => a.at - b.at || a.i - b.i)
    .map((e) => e.event);
}

function runBoth(o: SimOptions, retentionMs?: number) {
  const stream = delivered(simulate(o), o.maxDelayMs, o.seed);
  const fold = new ElectionEventFold(o.ttlMs, retentionMs);
  let maxRetained = 0;
  for (const e of stream) {
    fold.feed(e);
    maxRetained = Math.max(maxRetained, fold.contenders.retainedCampaigns);
  }
  return { expected: reference(stream, o.ttlMs), actual: fold.finish(), maxRetained, retentionMs: fold.retentionMs };
}

describe('election event fold', () => {
  const cases: Array<[string, SimOptions, number | undefined]> = [
    ['default retention, 4 agents', { seed: 1, ttlMs: 100, agents: 4, durationMs: 150_000, tenureRenewals: 3, maxDelayMs: 5, refuseAllFromMs: 140_000 }, undefined],
    ['a 2 s retention, 3 agents, long tenures', { seed: 7, ttlMs: 60, agents: 3, durationMs: 120_000, tenureRenewals: 8, maxDelayMs: 4 }, 2_000],
    ['a 1 s retention, 5 agents, short tenures', { seed: 42, ttlMs: 40, agents: 5, durationMs: 90_000, tenureRenewals: 1, maxDelayMs: 5 }, 1_000],
  ];

  it.each(cases)('gives the figures and checks of the whole-list computation (%s)', (_label, o, retentionMs) => {
    const { expected, actual, maxRetained, retentionMs: kept } = runBoth(o, retentionMs);
    expect(expected.cycles.length).toBeGreaterThan(100);
    expect(actual.cycles).toEqual(expected.cycles);
    expect(actual.analysis.tenures).toEqual(expected.analysis.tenures);
    expect(actual.analysis.failovers).toEqual(expected.analysis.failovers);
    expect([...actual.analysis.checks, actual.succession]).toEqual([...expected.analysis.checks, expected.succession]);
    expect(actual.failures).toEqual(expected.fails);
    expect(actual.leasesLost).toBe(expected.lost);
    // Campaigns are kept for the retention window (and a settling step), not for the run.
    const perMs = expected.campaigns / o.durationMs;
    expect(maxRetained).toBeLessThan(1.5 * perMs * (kept + 1_000) + 100);
    expect(maxRetained).toBeLessThan(expected.campaigns / 2);
  });

  it('the simulated streams exercise what they are meant to: anomalies, long gaps, out-of-order arrival', () => {
    const o = cases[0]?.[1] as SimOptions;
    const stream = delivered(simulate(o), o.maxDelayMs, o.seed);
    const { analysis, succession } = reference(stream, o.ttlMs);
    expect(analysis.checks.filter((c) => !c.passed).map((c) => c.name)).toEqual(expect.arrayContaining(['no two live leases overlap']));
    expect(succession.status).toBe('failed');
    expect(Math.max(...analysis.failovers.map((f) => f.failoverMs))).toBeGreaterThan(electionRetentionMs(o.ttlMs));
    const times = stream.map((e) => (e.kind === 'lease' ? e.observation.atMs : e.kind === 'refused' ? e.startedAtMs : e.atMs));
    expect(times.some((t, i) => i > 0 && t < (times[i - 1] as number))).toBe(true);
  });
});
