/**
 * election: leader-election cycles. Agents campaign; the leader renews a few times and then fails
 * — stops renewing, or has its process killed — and the others campaign for the next lease. Per
 * cycle: the failover time (the old leader's last renewal → the new leader holds a lease), the
 * epoch and the contenders. Checked over every lease the agents were handed: at most one leader
 * per epoch, epochs strictly increasing, no two live leases overlapping, every failed leader
 * succeeded.
 */
import { UsageError } from '../../core/parse.js';
import { Recorder } from '../../measure/recorder.js';
import { percentile } from '../../measure/stats.js';
import type { CheckResult, SuiteResult } from '../../core/result.js';
import type { Backend } from '../../targets/ports.js';
import { checkFrom } from '../invariants/common.js';
import { LeaseTracker, type LeaseAnalysis, type Tenure } from '../invariants/leases.js';
import { choiceParam, defineParams, durationParam, intParam, type ParamValues } from '../../core/params.js';
import type { SuiteDefinition, SuiteRunOptions } from '../types.js';
import { assembleSuiteResult, runSuiteAgents, withSuiteBackend } from './common.js';
import type { ElectionEvent, FailoverMode } from './election-agent.js';

const OP_TO_BACKEND: Record<string, string[]> = { campaign: ['election.campaign'], renew: ['election.renew'] };

export const electionParams = defineParams(
  {
    leaseTtl: durationParam({ help: 'lease time-to-live', default: '300ms', unit: 'ms', min: 10, max: 3_600_000 }),
    renewInterval: durationParam({ help: 'how often the leader renews', defaultNote: 'a third of the TTL', unit: 'ms', min: 1, max: 3_600_000 }),
    tenure: intParam({ help: 'renewals a leader makes before it fails', default: 3, min: 0, max: 1_000_000 }),
    failover: choiceParam({ help: 'how leaders fail: stop (stop renewing), kill (process killed) or mixed (every third leader is killed)', values: ['stop', 'kill', 'mixed'], default: 'mixed' }),
  },
  (p, name) => {
    const renewMs = renewIntervalMs(p.leaseTtl, p.renewInterval);
    if (renewMs >= p.leaseTtl) throw new UsageError(`${name('renewInterval')}: must be shorter than ${name('leaseTtl')} (${renewMs} ms ≥ ${p.leaseTtl} ms), or every lease expires before its renewal`);
  },
);
export type ElectionParams = ParamValues<typeof electionParams.shape>;

function renewIntervalMs(ttlMs: number, renewMs: number | undefined): number {
  return renewMs ?? Math.max(1, Math.round(ttlMs / 3));
}

export async function runElectionSuite(o: SuiteRunOptions, injected?: Backend, params: ElectionParams = electionParams.parse({}, { quick: o.quick })): Promise<SuiteResult> {
  const ttlMs = params.leaseTtl;
  const renewMs = renewIntervalMs(ttlMs, params.renewInterval);
  const campaignMs = Math.max(2, Math.round(ttlMs / 12));
  const tenureRenewals = params.tenure;
  const failover: FailoverMode = params.failover;
  const fold = new ElectionEventFold(ttlMs);
  return withSuiteBackend(o, injected, async (sb) => {
    const r = await runSuiteAgents(o, sb, {
      role: 'election',
      label: 'election',
      params: { ttlMs, renewMs, campaignMs, tenureRenewals, failover },
      onEvent(raw, agent, control) {
        const e = raw as ElectionEvent;
        fold.feed(e);
        if (e.kind === 'fail' && e.how === 'kill') control.replace(agent.index);
      },
    });
    const { analysis, cycles, succession, failures, leasesLost, latestEpoch: maxEpoch } = fold.finish();
    const checks: CheckResult[] = [...analysis.checks, succession];
    const plan = r.plan;
    const endMs = plan ? Math.min(plan.measureEndWallMs, Date.now()) : Date.now();

    const inWindow = plan ? cycles.filter((c) => c.acquiredAt >= plan.measureStartWallMs && c.acquiredAt <= plan.measureEndWallMs) : cycles;
    const failoverMs = inWindow.map((c) => c.failoverMs);

    const result = assembleSuiteResult('election', sb, r, checks, {}, OP_TO_BACKEND);
    // The failover time as an operation of its own: a histogram per cycle, windows included.
    if (plan && inWindow.length > 0) {
      const rec = new Recorder({ startUs: plan.measureStartWallMs * 1000, intervalUs: o.intervalUs, seed: o.seed });
      for (const c of inWindow) rec.record('failover', Math.max(1, c.failoverMs * 1000), c.acquiredAt * 1000);
      const fin = rec.finish(Math.max(plan.measureStartWallMs * 1000 + 1, endMs * 1000));
      result.operations.push(...fin.operations);
      result.intervals.push(...fin.intervals);
    }
    const seconds = Math.max(1e-6, r.merged.durationUs / 1e6);
    result.metrics = {
      ...result.metrics,
      cycles: inWindow.length,
      cyclesPerSec: inWindow.length / seconds,
      failoverMsP50: failoverMs.length ? percentile(failoverMs, 50) : 0,
      failoverMsP99: failoverMs.length ? percentile(failoverMs, 99) : 0,
      failoverMsMax: failoverMs.length ? failoverMs.reduce((m, ms) => Math.max(m, ms), -Infinity) : 0,
      contendersMean: inWindow.length ? inWindow.reduce((s, c) => s + c.contenders, 0) / inWindow.length : 0,
      maxEpoch,
      leaderships: analysis.tenures.length,
      leadersKilled: failures.filter((f) => f.how === 'kill').length,
      leadersStopped: failures.filter((f) => f.how === 'stop').length,
      leasesLost,
      leaseTtlMs: ttlMs,
      renewIntervalMs: renewMs,
    };
    // Per-cycle rows next to the per-agent rows (free-form by design): kind tells them apart.
    result.workers = [...(result.workers ?? []).map((w) => ({ kind: 'agent', ...w })), ...cycles.map((c) => ({ kind: 'cycle', ...c }))];
    return result;
  });
}

/** Wall-clock allowance between processes reading the same system clock (ms granularity). */
const CLOCK_MARGIN_MS = 5;

/**
 * Every failed leader was succeeded — judged by events, not by how long a loaded machine took: a
 * failure without a successor is a violation only when the store REFUSED a campaign that started
 * after the failed leader's lease had surely expired (its failure time + the TTL), i.e. nobody held
 * a live lease and the store still said no. A failure that no later campaign tested (the run ended,
 * or the candidates were starved of CPU) is reported as not verifiable, not as failed.
 */
function successionCheck(failures: readonly WatchedFailure[], latestEpoch: number): CheckResult {
  const name = 'every failed leader was succeeded';
  const violations: string[] = [];
  let untested = 0;
  for (const f of failures) {
    if (latestEpoch > f.epoch) continue;
    const refusal = f.refusedAfterExpiryMs;
    if (refusal === undefined) untested++;
    else violations.push(`${f.agentId} (epoch ${f.epoch}) ${f.how === 'kill' ? 'was killed' : 'stopped renewing'}, and a campaign ${refusal - f.atMs} ms later, after its lease expired, was refused with nobody leading`);
  }
  if (violations.length === 0 && untested > 0 && untested === failures.length) {
    return { name, passed: true, status: 'not-checked', detail: `not checked: no campaign after the ${failures.length} leader failure(s) tested whether the store accepts a successor` };
  }
  const killed = failures.filter((f) => f.how === 'kill').length;
  const tail = untested > 0 ? `; ${untested} at the end of the run, not tested by a later campaign` : '';
  return checkFrom(name, violations, `${failures.length - untested} leader failures (${killed} killed in all), each followed by a new leader${tail}`);
}

/** A leader's failure as its agent reported it. */
interface LeaderFailure {
  how: 'stop' | 'kill';
  agentId: string;
  epoch: number;
  atMs: number;
}

/** One failover cycle: the gap between two consecutive leaderships, and who campaigned in it. */
interface ElectionCycle {
  cycle: number;
  fromEpoch: number;
  epoch: number;
  from: string;
  to: string;
  failoverMs: number;
  contenders: number;
  how: 'stop' | 'kill' | 'resigned-or-lost';
  acquiredAt: number;
}

/**
 * How far behind the newest event the parent still expects events and lease moves: max(30 s, 20 ×
 * TTL). Events reach the parent from separate processes through pipes, so they arrive slightly out
 * of order (ms, but seconds when a loaded 2-core machine starves a process or pauses for GC), and a
 * tenure's last renewal can still arrive after the next tenure was seen. A gap, a campaign or a
 * refusal older than this is taken as settled; 30 s is orders of magnitude above the delays seen, and
 * 20 TTLs keep it above several whole cycles when the TTL is long.
 */
export function electionRetentionMs(ttlMs: number): number {
  return Math.max(30_000, 20 * ttlMs);
}

/** Settle at most this often: the retained campaigns cover the retention window plus this. */
const SETTLE_STEP_MS = 1_000;

interface Campaign {
  agentId: string;
  atMs: number;
}

/**
 * The contenders of each failover — distinct agents that campaigned in the gap [previous tenure's
 * last renewal, next tenure's acquisition] — without keeping every campaign of the run. Campaigns
 * newer than the retention cutoff are kept as they came; older ones are folded into the agent set of
 * each gap still open that they fall in (so a gap with no successor for an hour costs one set, not
 * an hour of campaigns). A gap is counted for good once its end is older than the cutoff. Exact as
 * long as events arrive within the retention window of the newest one and epochs are granted in
 * time order (a store that grants out of order fails "epochs strictly increasing"; for those gaps
 * the count is taken from the campaigns still retained).
 */
class GapContenders {
  private readonly retained: Campaign[] = [];
  /** Epochs whose gap to the next one is not final yet, ascending; the first is the last final gap's successor. */
  private readonly open: number[] = [];
  /** Agents of folded campaigns per open gap, keyed by the gap's first epoch. */
  private readonly foldedAgents = new Map<number, Set<string>>();
  /** Final counts keyed by the gap's second epoch. */
  private readonly counted = new Map<number, { fromEpoch: number; contenders: number }>();

  constructor(private readonly tenures: LeaseTracker) {}

  /** Campaigns currently kept one by one (the rest are folded or counted). */
  get retainedCampaigns(): number {
    return this.retained.length;
  }

  campaign(agentId: string, atMs: number): void {
    this.retained.push({ agentId, atMs });
  }

  /** A tenure the tracker has just seen for the first time. */
  epochSeen(epoch: number): void {
    const anchor = this.open[0];
    if (anchor !== undefined && epoch < anchor) return; // granted out of order, into gaps already counted
    let i = this.open.length;
    while (i > 0 && (this.open[i - 1] as number) > epoch) i--;
    this.open.splice(i, 0, epoch);
  }

  /** Count every gap still open (the run is over). */
  finish(): void {
    this.finalizeWhile(() => true);
  }

  contenders(fromEpoch: number, toEpoch: number): number {
    const c = this.counted.get(toEpoch);
    if (c && c.fromEpoch === fromEpoch) return c.contenders;
    const from = this.tenures.tenure(fromEpoch);
    const to = this.tenures.tenure(toEpoch);
    return from && to ? this.countGap(from, to) : 0;
  }

  /** Counts the gaps that ended before the cutoff and folds the campaigns older than it. */
  settle(cutoffMs: number): void {
    this.finalizeWhile((next) => next.acquiredAt < cutoffMs);
    // Compacted in place: a new array every step would only add garbage.
    let kept = 0;
    for (const c of this.retained) {
      if (c.atMs < cutoffMs) this.fold(c);
      else this.retained[kept++] = c;
    }
    this.retained.length = kept;
  }

  private finalizeWhile(ended: (next: Readonly<Tenure>) => boolean): void {
    while (this.open.length >= 2) {
      const prev = this.tenures.tenure(this.open[0] as number) as Readonly<Tenure>;
      const next = this.tenures.tenure(this.open[1] as number) as Readonly<Tenure>;
      if (!ended(next)) return;
      this.counted.set(next.epoch, { fromEpoch: prev.epoch, contenders: this.countGap(prev, next) });
      this.foldedAgents.delete(prev.epoch);
      this.open.shift();
    }
  }

  private countGap(prev: Readonly<Tenure>, next: Readonly<Tenure>): number {
    const agents = new Set(this.foldedAgents.get(prev.epoch));
    for (const c of this.retained) if (c.atMs >= prev.lastRenewalAt && c.atMs <= next.acquiredAt) agents.add(c.agentId);
    return agents.size;
  }

  /** Adds a settled campaign to every open gap it falls in (the last gap's end is not known yet: unbounded). */
  private fold(c: Campaign): void {
    for (let i = 0; i < this.open.length; i++) {
      const prev = this.tenures.tenure(this.open[i] as number) as Readonly<Tenure>;
      const nextEpoch = this.open[i + 1];
      const endMs = nextEpoch === undefined ? Infinity : (this.tenures.tenure(nextEpoch) as Readonly<Tenure>).acquiredAt;
      if (c.atMs < prev.lastRenewalAt || c.atMs > endMs) continue;
      let agents = this.foldedAgents.get(prev.epoch);
      if (!agents) this.foldedAgents.set(prev.epoch, (agents = new Set()));
      agents.add(c.agentId);
    }
  }
}

/** A failure and the first refused campaign (in arrival order) that started after its lease surely expired. */
interface WatchedFailure extends LeaderFailure {
  refusedAfterExpiryMs?: number;
}

/**
 * What "every failed leader was succeeded" needs from the refused campaigns — for each failure the
 * first refusal, in arrival order, that started after the failed lease surely expired — kept as the
 * events arrive instead of every refusal (one per campaign while someone leads). Refusals are kept
 * for the retention window only: an older one starts before any failure still to arrive expired.
 */
class SuccessionWatch {
  readonly failures: WatchedFailure[] = [];
  private awaiting: WatchedFailure[] = [];
  private readonly recentRefusals: number[] = [];

  constructor(private readonly ttlMs: number) {}

  failure(f: LeaderFailure): void {
    const watched: WatchedFailure = { ...f };
    this.failures.push(watched);
    const expired = this.expiredMs(f);
    const refusal = this.recentRefusals.find((t) => t >= expired);
    if (refusal === undefined) this.awaiting.push(watched);
    else watched.refusedAfterExpiryMs = refusal;
  }

  refused(startedAtMs: number): void {
    this.recentRefusals.push(startedAtMs);
    if (this.awaiting.length === 0) return;
    const still: WatchedFailure[] = [];
    for (const f of this.awaiting) {
      if (startedAtMs >= this.expiredMs(f)) f.refusedAfterExpiryMs = startedAtMs;
      else still.push(f);
    }
    this.awaiting = still;
  }

  forgetBefore(cutoffMs: number): void {
    let kept = 0;
    for (const t of this.recentRefusals) if (t >= cutoffMs) this.recentRefusals[kept++] = t;
    this.recentRefusals.length = kept;
  }

  private expiredMs(f: LeaderFailure): number {
    return f.atMs + this.ttlMs + CLOCK_MARGIN_MS;
  }
}

/** What the election suite reports, from its agents' events. */
interface ElectionOutcome {
  analysis: LeaseAnalysis;
  cycles: ElectionCycle[];
  succession: CheckResult;
  failures: readonly LeaderFailure[];
  leasesLost: number;
  /** The highest epoch any lease carried (0 when none). */
  latestEpoch: number;
}

/**
 * Folds the election agents' events as they arrive, in memory bounded by the leaderships and the
 * retention window rather than by the run's length: leases into a LeaseTracker, campaigns into
 * GapContenders, refusals into a SuccessionWatch. Whatever arrives, every lease is still checked.
 */
export class ElectionEventFold {
  readonly leases: LeaseTracker;
  readonly contenders: GapContenders;
  private readonly succession: SuccessionWatch;
  private leasesLost = 0;
  private newestMs = -Infinity;
  private settledAtMs = -Infinity;

  constructor(
    ttlMs: number,
    readonly retentionMs = electionRetentionMs(ttlMs),
  ) {
    this.leases = new LeaseTracker(ttlMs);
    this.contenders = new GapContenders(this.leases);
    this.succession = new SuccessionWatch(ttlMs);
  }

  feed(e: ElectionEvent): void {
    if (e.kind === 'lease') {
      const epoch = e.observation.lease.epoch;
      const firstOfEpoch = this.leases.tenure(epoch) === undefined;
      this.leases.feed(e.observation);
      if (firstOfEpoch) this.contenders.epochSeen(epoch);
      this.saw(e.observation.atMs);
    } else if (e.kind === 'campaign') {
      this.contenders.campaign(e.agentId, e.atMs);
      this.saw(e.atMs);
    } else if (e.kind === 'refused') {
      this.succession.refused(e.startedAtMs);
      this.saw(e.startedAtMs);
    } else if (e.kind === 'fail') {
      this.succession.failure({ how: e.how, agentId: e.agentId, epoch: e.epoch, atMs: e.atMs });
      this.saw(e.atMs);
    } else if (e.kind === 'lost') {
      this.leasesLost++;
      this.saw(e.atMs);
    }
  }

  /** The run is over: count the gaps still open and judge. */
  finish(): ElectionOutcome {
    this.contenders.finish();
    const analysis = this.leases.analysis();
    const failures = this.succession.failures;
    const firstFailureOf = new Map<number, LeaderFailure>();
    for (const f of failures) if (!firstFailureOf.has(f.epoch)) firstFailureOf.set(f.epoch, f);
    const tenureOf = new Map(analysis.tenures.map((t) => [t.epoch, t]));
    const cycles = analysis.failovers.map((f, i): ElectionCycle => {
      const gapEnd = tenureOf.get(f.toEpoch)?.acquiredAt ?? 0;
      const contenders = this.contenders.contenders(f.fromEpoch, f.toEpoch);
      const how = firstFailureOf.get(f.fromEpoch)?.how ?? 'resigned-or-lost';
      return { cycle: i + 1, fromEpoch: f.fromEpoch, epoch: f.toEpoch, from: f.from, to: f.to, failoverMs: f.failoverMs, contenders, how, acquiredAt: gapEnd };
    });
    // Tenures come ordered by epoch: the last is the latest.
    const latestEpoch = analysis.tenures.at(-1)?.epoch ?? 0;
    const succession = successionCheck(failures, latestEpoch);
    return { analysis, cycles, succession, failures: failures.map(({ how, agentId, epoch, atMs }) => ({ how, agentId, epoch, atMs })), leasesLost: this.leasesLost, latestEpoch };
  }

  /** The newest agent wall time seen moves the retention cutoff; settle once per step. */
  private saw(atMs: number): void {
    if (atMs <= this.newestMs) return;
    this.newestMs = atMs;
    const cutoff = atMs - this.retentionMs;
    if (cutoff < this.settledAtMs + SETTLE_STEP_MS) return;
    this.settledAtMs = cutoff;
    this.contenders.settle(cutoff);
    this.succession.forgetBefore(cutoff);
  }
}

export const electionSuite: SuiteDefinition<typeof electionParams.shape> = {
  name: 'election',
  description: 'leader-election cycles: the leader stops renewing or is killed, the others campaign; failover time, epochs, no overlapping leases',
  runByDefault: true,
  params: electionParams,
  run: (o, params) => runElectionSuite(o, undefined, params),
};
