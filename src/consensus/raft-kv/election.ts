/**
 * The election scenario, after the Raft paper's §9.3 experiment: a stable cluster, the leader
 * crashed at a uniformly random moment within its heartbeat interval, and the time until a new
 * leader is elected. Repeated `trials` times in one simulation (the crashed node restarts and the
 * cluster settles between trials). Split votes are counted as the extra terms an election needed.
 */
import { Recorder } from '../../measure/recorder.js';
import { startResourceSampler } from '../../monitor/sampler.js';
import type { CheckResult, SuiteResult } from '../../core/result.js';
import { SimCluster } from './cluster.js';
import { diskMetrics } from './disk-metrics.js';
import { RESERVOIR, buildSuite, withSeed, yieldToLoop, type ScenarioRun } from '../bench/common.js';
import { SUITE_NAME, backendLabel, clusterOptions, describeSetup, type RaftSetup } from './setup.js';
import { windowListener } from '../../runner/phase.js';

export interface ElectionOptions {
  trials: number;
  /** Quiet time after each election before the next crash (lets the restarted node catch up). */
  settleUs?: number;
  /** A trial with no new leader after this long counts as failed. */
  trialLimitUs?: number;
}

export async function runElectionScenario(setup: RaftSetup, opts: ElectionOptions, run: ScenarioRun): Promise<{ suite: SuiteResult; aborted: boolean }> {
  const sampler = startResourceSampler({ intervalMs: 500 });
  const wall0 = performance.now();
  const cluster = new SimCluster(clusterOptions(setup));
  if (setup.faults) cluster.applyFaults(setup.faults);
  const [, maxTimeout] = setup.electionTimeoutUs;
  const settleUs = opts.settleUs ?? Math.max(2 * maxTimeout, 4 * setup.heartbeatUs);
  const limitUs = opts.trialLimitUs ?? Math.max(60_000_000, 100 * maxTimeout);
  const recorder = new Recorder({ startUs: 0, intervalUs: run.intervalUs, seed: setup.seed, reservoirSize: RESERVOIR , ...windowListener(run.progress) });
  recorder.declare('election');
  const trialRng = cluster.sim.rng.fork();

  let elected: { node: number; term: number; atUs: number } | undefined;
  cluster.listeners.push({ leaderElected: (node, term, atUs) => (elected = { node, term, atUs }) });

  const terms: number[] = [];
  /** Crash → new leader per trial, µs (∞ for a trial that found none within the limit). */
  const downtimes: number[] = [];
  let failed = 0;
  let noStableLeader = 0;
  let aborted = false;
  let lastYield = performance.now();
  const label = `raft election (${setup.nodes} nodes${run.label ? `, ${run.label}` : ''})`;

  for (let trial = 0; trial < opts.trials; trial++) {
    if (run.signal?.aborted) {
      aborted = true;
      break;
    }
    // Settle: every node up, a leader that has led for a while.
    for (let i = 0; i < setup.nodes; i++) if (!cluster.isUp(i)) cluster.restart(i);
    let settledAt = cluster.now + settleUs;
    cluster.runUntil(settledAt);
    let tries = 0;
    while (cluster.currentLeader() === undefined && tries++ < 100) {
      // Setting up, not measuring: with no randomness (150–150 ms) identical timers may never
      // settle on their own, so one node is told to campaign, as a bootstrap does.
      const live = Array.from({ length: setup.nodes }, (_, i) => i).filter((i) => cluster.isUp(i));
      if (live.length > 0) cluster.campaign(trialRng.pick(live));
      settledAt = cluster.now + settleUs;
      cluster.runUntil(settledAt);
    }
    const leader = cluster.currentLeader();
    if (leader === undefined) {
      noStableLeader++;
      continue;
    }
    // Crash it uniformly within one heartbeat interval.
    const crashAt = cluster.now + trialRng.int(0, setup.heartbeatUs - 1);
    cluster.runUntil(crashAt);
    const victim = cluster.currentLeader();
    if (victim === undefined) {
      noStableLeader++;
      continue;
    }
    const oldTerm = (cluster.host(victim) as NonNullable<ReturnType<SimCluster['host']>>).node.term;
    elected = undefined;
    cluster.crash(victim);
    const deadline = crashAt + limitUs;
    // Run in slices until a leader of a newer term appears.
    const slice = Math.max(1000, Math.floor(setup.electionTimeoutUs[0] / 4));
    while (cluster.now < deadline && !(elected && (elected as { term: number }).term > oldTerm)) {
      cluster.sim.run(Math.min(deadline, cluster.now + slice));
    }
    const e = elected as { node: number; term: number; atUs: number } | undefined;
    if (e && e.term > oldTerm) {
      recorder.record('election', e.atUs - crashAt, e.atUs);
      downtimes.push(e.atUs - crashAt);
      terms.push(e.term - oldTerm);
    } else {
      failed++;
      downtimes.push(Number.POSITIVE_INFINITY);
      recorder.recordError('election', 'no leader', limitUs, cluster.now);
    }
    if (performance.now() - lastYield > 20) {
      run.progress.update({ ...recorder.snapshot(cluster.now), label: `${label}: trial ${trial + 1}/${opts.trials}` });
      await yieldToLoop();
      lastYield = performance.now();
    }
  }
  cluster.finalChecks();
  run.progress.done();
  const wallSeconds = (performance.now() - wall0) / 1000;
  const splitVotes = terms.reduce((a, t) => a + (t - 1), 0);
  const checks: CheckResult[] = [
    ...cluster.checker.results(),
    {
      name: 'election liveness',
      passed: failed === 0 && noStableLeader === 0,
      detail:
        failed === 0 && noStableLeader === 0
          ? `${terms.length} of ${terms.length} crashes followed by a new leader`
          : `${failed} crash(es) with no new leader within ${limitUs / 1e6} s, ${noStableLeader} trial(s) with no stable leader to crash`,
    },
  ];
  const suite = buildSuite({
    name: SUITE_NAME,
    backend: backendLabel('sim', setup, run.label),
    recorder,
    endUs: Math.max(1, cluster.now),
    checks: withSeed(checks, setup.seed),
    metrics: {
      trials: terms.length + failed,
      failedElections: failed,
      splitVotes,
      electionsWithSplitVote: terms.filter((t) => t > 1).length,
      termsPerElection: terms.length > 0 ? terms.reduce((a, b) => a + b, 0) / terms.length : 0,
      termsPerElectionMax: terms.reduce((a, b) => Math.max(a, b), 0),
      electionsOver10s: downtimes.length > 0 ? downtimes.filter((d) => d > 10_000_000).length / downtimes.length : 0,
      ...diskMetrics(cluster),
      electionTimeoutMinUs: setup.electionTimeoutUs[0],
      electionTimeoutMaxUs: setup.electionTimeoutUs[1],
      heartbeatUs: setup.heartbeatUs,
      simulatedSeconds: cluster.now / 1e6,
      simEvents: cluster.sim.eventsRun,
      deliveries: cluster.network.stats.delivered,
      wallSeconds,
      deliveriesPerSec: cluster.network.stats.delivered / Math.max(1e-9, wallSeconds),
    },
    resources: sampler.stop(),
    workers: [{ setup: describeSetup(setup), seed: setup.seed }, { cdf: downtimeCdf(downtimes) }],
  });
  return { suite, aborted };
}

/**
 * The CDF of downtime as in the paper's Figure 16: [ms, share of trials at or below it] at every
 * 2 % of trials (trials with no leader within the limit never reach 1).
 */
export function downtimeCdf(downtimes: readonly number[]): Array<[number, number]> {
  const sorted = [...downtimes].sort((a, b) => a - b);
  const n = sorted.length;
  const out: Array<[number, number]> = [];
  for (let k = 1; k <= 50; k++) {
    const i = Math.ceil((k / 50) * n) - 1;
    const v = sorted[i];
    if (v === undefined || !Number.isFinite(v)) break;
    out.push([Math.round(v / 100) / 10, (i + 1) / n]);
  }
  return out;
}
