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
import { analyzeLeases, type LeaseObservation } from '../invariants/leases.js';
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
  const observations: LeaseObservation[] = [];
  const campaigns: Array<{ agentId: string; atMs: number }> = [];
  const fails: Array<{ how: 'stop' | 'kill'; agentId: string; epoch: number; atMs: number }> = [];
  /** Start times (wall ms) of campaigns the store refused. */
  const refusedAtMs: number[] = [];
  let lost = 0;
  return withSuiteBackend(o, injected, async (sb) => {
    const r = await runSuiteAgents(o, sb, {
      role: 'election',
      label: 'election',
      params: { ttlMs, renewMs, campaignMs, tenureRenewals, failover },
      onEvent(raw, agent, control) {
        const e = raw as ElectionEvent;
        if (e.kind === 'lease') observations.push(e.observation);
        else if (e.kind === 'campaign') campaigns.push({ agentId: e.agentId, atMs: e.atMs });
        else if (e.kind === 'lost') lost++;
        else if (e.kind === 'refused') refusedAtMs.push(e.startedAtMs);
        else if (e.kind === 'fail') {
          fails.push({ how: e.how, agentId: e.agentId, epoch: e.epoch, atMs: e.atMs });
          if (e.how === 'kill') control.replace(agent.index);
        }
      },
    });
    const analysis = analyzeLeases(observations, ttlMs);
    const checks: CheckResult[] = [...analysis.checks];
    const plan = r.plan;
    const endMs = plan ? Math.min(plan.measureEndWallMs, Date.now()) : Date.now();
    const maxEpoch = Math.max(0, ...analysis.tenures.map((t) => t.epoch));
    checks.push(successionCheck(fails, analysis.tenures, refusedAtMs, ttlMs));

    // Per cycle: failover time and contenders (candidates that campaigned during the gap).
    const cycles = analysis.failovers.map((f, i) => {
      const next = analysis.tenures.find((t) => t.epoch === f.toEpoch);
      const prev = analysis.tenures.find((t) => t.epoch === f.fromEpoch);
      const gapStart = prev ? prev.lastRenewalAt : 0;
      const gapEnd = next ? next.acquiredAt : 0;
      const contenders = new Set(campaigns.filter((c) => c.atMs >= gapStart && c.atMs <= gapEnd).map((c) => c.agentId)).size;
      const how = fails.find((x) => x.epoch === f.fromEpoch)?.how ?? 'resigned-or-lost';
      return { cycle: i + 1, fromEpoch: f.fromEpoch, epoch: f.toEpoch, from: f.from, to: f.to, failoverMs: f.failoverMs, contenders, how, acquiredAt: gapEnd };
    });
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
      failoverMsMax: failoverMs.length ? Math.max(...failoverMs) : 0,
      contendersMean: inWindow.length ? inWindow.reduce((s, c) => s + c.contenders, 0) / inWindow.length : 0,
      maxEpoch,
      leaderships: analysis.tenures.length,
      leadersKilled: fails.filter((f) => f.how === 'kill').length,
      leadersStopped: fails.filter((f) => f.how === 'stop').length,
      leasesLost: lost,
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
function successionCheck(
  fails: ReadonlyArray<{ how: 'stop' | 'kill'; agentId: string; epoch: number; atMs: number }>,
  tenures: ReadonlyArray<{ epoch: number }>,
  refusedAtMs: readonly number[],
  ttlMs: number,
): CheckResult {
  const name = 'every failed leader was succeeded';
  const violations: string[] = [];
  let untested = 0;
  for (const f of fails) {
    if (tenures.some((t) => t.epoch > f.epoch)) continue;
    const expiredMs = f.atMs + ttlMs + CLOCK_MARGIN_MS;
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

export const electionSuite: SuiteDefinition<typeof electionParams.shape> = {
  name: 'election',
  description: 'leader-election cycles: the leader stops renewing or is killed, the others campaign; failover time, epochs, no overlapping leases',
  runByDefault: true,
  params: electionParams,
  run: (o, params) => runElectionSuite(o, undefined, params),
};
