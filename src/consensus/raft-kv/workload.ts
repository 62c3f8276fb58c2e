/**
 * The client-load scenarios on a simulated cluster:
 *
 *   throughput  closed loop: `concurrency` clients back to back → committed ops/s
 *   latency     open loop at `rate` → commit latency percentiles, measured from the intended start
 *   faults      open loop under a fault schedule → availability, recovery time per fault, lost writes
 *
 * Each reports end-to-end latency per command kind (put/get/cas), the commit phases (client →
 * leader append → majority → commit → apply → reply), messages and bytes per command, and the
 * safety checks plus linearizability of the history (when small enough to search).
 */
import { Recorder } from '../../measure/recorder.js';
import { startResourceSampler } from '../../monitor/sampler.js';
import type { CheckResult, SuiteResult } from '../../core/result.js';
import type { FaultRecord } from '../../sim/faults.js';
import { scenarioTail } from '../bench/tail.js';
import { SimKvClients, type KvWorkloadOptions, type OpOutcome } from '../kv/clients.js';
import { SimCluster } from './cluster.js';
import { diskMetrics } from './disk-metrics.js';
import { RESERVOIR, buildSuite, slicePause, withSeed, type ScenarioRun } from '../bench/common.js';
import { SUITE_NAME, backendLabel, clusterOptions, describeSetup, type RaftSetup } from './setup.js';
import { windowListener } from '../../runner/phase.js';

export type WorkloadScenario = 'throughput' | 'latency' | 'faults';

export interface WorkloadOptions {
  scenario: WorkloadScenario;
  durationUs: number;
  warmupUs: number;
  concurrency: number;
  /** Open loop when set. */
  rate?: number;
  keys: number;
  readRatio: number;
  casRatio: number;
  valueBytes: number;
  /** Check linearizability when the history has at most this many operations. */
  linearizabilityMaxOps: number;
  /** Stop after this many measured commands (if sooner than the duration). */
  iterations?: number;
}

export async function runWorkloadScenario(setup: RaftSetup, w: WorkloadOptions, run: ScenarioRun): Promise<{ suite: SuiteResult; aborted: boolean }> {
  const sampler = startResourceSampler({ intervalMs: 500 });
  const wall0 = performance.now();
  const cluster = new SimCluster(clusterOptions(setup));
  const startUs = w.warmupUs;
  const endUs = w.warmupUs + w.durationUs;
  const [, maxTimeout] = setup.electionTimeoutUs;
  const clientOpts: KvWorkloadOptions = {
    clients: w.concurrency,
    keys: w.keys,
    readRatio: w.readRatio,
    casRatio: w.casRatio,
    valueBytes: w.valueBytes,
    attemptTimeoutUs: Math.max(4 * maxTimeout, 200_000),
    backoffUs: Math.max(10_000, setup.heartbeatUs / 2),
    giveUpUs: Math.max(10 * maxTimeout, 5_000_000),
    // Clients start after the first election has had time to happen.
    startUs: Math.min(startUs, 2 * maxTimeout),
    endUs,
    keepHistory: true,
  };
  if (w.rate !== undefined) clientOpts.rate = w.rate;
  const clients = new SimKvClients(cluster, cluster.sim.rng.fork(), clientOpts);
  if (setup.faults) cluster.applyFaults(setup.faults);

  const recorder = new Recorder({ startUs, intervalUs: run.intervalUs, seed: setup.seed, reservoirSize: RESERVOIR , ...windowListener(run.progress) });
  for (const k of w.readRatio > 0 ? ['put', 'get'] : ['put']) recorder.declare(k);
  let measured = 0;
  let measuredOk = 0;
  let messagesAtStart = 0;
  let bytesAtStart = 0;
  let started = false;
  const successes: Array<{ callUs: number; atUs: number }> = [];
  const onOutcome = (o: OpOutcome): void => {
    if (o.ok) successes.push({ callUs: o.atUs - o.serviceUs, atUs: o.atUs });
    if (o.atUs < startUs || o.atUs > endUs) return;
    measured++;
    if (!o.ok) {
      recorder.recordError(o.kind, o.error ?? 'failed', o.latencyUs, o.atUs, o.serviceUs);
      return;
    }
    measuredOk++;
    recorder.record(o.kind, o.latencyUs, o.atUs, w.rate !== undefined ? o.serviceUs : undefined);
    if (o.attempts > 1) recorder.recordRetry(o.kind, o.attempts - 1);
    const p = o.phases;
    if (p) {
      recorder.record('phase.append', p.appendUs, o.atUs);
      recorder.record('phase.replicate', p.replicateUs, o.atUs);
      recorder.record('phase.commit', p.commitUs, o.atUs);
      recorder.record('phase.apply', p.applyUs, o.atUs);
      recorder.record('phase.reply', p.replyUs, o.atUs);
    }
  };
  clients.onOutcome(onOutcome);

  // Leader presence, sampled every millisecond of virtual time, for availability.
  const sampleUs = 1000;
  let samples = 0;
  let samplesWithLeader = 0;
  const sampleLeader = (): void => {
    if (cluster.now >= startUs) {
      samples++;
      if (majorityFollowsLeader(cluster)) samplesWithLeader++;
    }
    if (cluster.now + sampleUs <= endUs) cluster.at(cluster.now + sampleUs, sampleLeader);
  };
  if (w.scenario === 'faults') cluster.at(0, sampleLeader);

  const faultStarts: FaultRecord[] = [];
  cluster.listeners.push({ fault: (r) => faultStarts.push(r) });
  let leaderChanges = 0;
  cluster.listeners.push({ leaderElected: () => leaderChanges++ });

  const label = `raft ${w.scenario} (${setup.nodes} nodes${run.label ? `, ${run.label}` : ''})`;
  let aborted = false;
  const sliceUs = 100_000;
  const pause = slicePause(run.signal, () => run.progress.update({ ...recorder.snapshot(cluster.now), label, plannedUs: w.durationUs }));
  for (let t = 0; t < endUs; ) {
    t = Math.min(endUs, t + sliceUs);
    if (!started && t >= startUs) {
      cluster.runUntil(startUs);
      started = true;
      messagesAtStart = cluster.raftMessages;
      bytesAtStart = cluster.raftBytes;
    }
    cluster.runUntil(t);
    if (w.iterations !== undefined && measured >= w.iterations) break;
    if (await pause()) {
      aborted = true;
      break;
    }
  }
  const stopUs = cluster.now;
  // Let outstanding commands finish (not measured) so acknowledged-write durability sees them all.
  cluster.runUntil(stopUs + 2 * maxTimeout);
  const wallSeconds = (performance.now() - wall0) / 1000;
  cluster.finalChecks();
  run.progress.done();
  const measuredUs = Math.max(1, stopUs - startUs);
  const raftMessages = cluster.raftMessages - messagesAtStart;
  const raftBytes = cluster.raftBytes - bytesAtStart;

  const checks: CheckResult[] = [...cluster.checker.results()];
  const metrics: Record<string, number> = {
    committedOpsPerSec: measuredOk / (measuredUs / 1e6),
    messagesPerOp: measuredOk > 0 ? raftMessages / measuredOk : 0,
    bytesPerOp: measuredOk > 0 ? raftBytes / measuredOk : 0,
    successRate: measured > 0 ? measuredOk / measured : 0,
    leaderChanges,
    lostAcknowledgedWrites: cluster.checker.lostWrites,
    acknowledgedWrites: cluster.checker.acknowledgedCount,
    simulatedSeconds: cluster.now / 1e6,
    simEvents: cluster.sim.eventsRun,
    deliveries: cluster.network.stats.delivered,
    wallSeconds,
    simSpeedup: cluster.now / 1e6 / Math.max(1e-9, wallSeconds),
    deliveriesPerSec: cluster.network.stats.delivered / Math.max(1e-9, wallSeconds),
    ...diskMetrics(cluster, clients.completed),
  };
  const tail = scenarioTail({
    withFaults: w.scenario === 'faults',
    recorder,
    startUs,
    stopUs,
    successes,
    faults: faultStarts,
    leaderAvailability: samples > 0 ? samplesWithLeader / samples : 0,
    history: clients.history,
    linearizabilityMaxOps: w.linearizabilityMaxOps,
    log: (line) => run.progress.log(line),
  });
  Object.assign(metrics, tail.metrics);
  checks.push(...tail.checks);
  if (measuredOk === 0 && !aborted) checks.push({ name: 'progress', passed: false, detail: 'no command committed in the measured window' });
  const workers: Array<Record<string, unknown>> = [{ setup: describeSetup(setup), seed: setup.seed, scenario: w.scenario }, ...tail.faultRows];
  const suite = buildSuite({
    name: SUITE_NAME,
    backend: backendLabel('sim', setup, run.label),
    recorder,
    endUs: stopUs,
    checks: withSeed(checks, setup.seed),
    metrics,
    resources: sampler.stop(),
    workers,
  });
  return { suite, aborted };
}

/** A leader exists that a majority of the cluster (itself included) follows in its term. */
function majorityFollowsLeader(cluster: SimCluster): boolean {
  const leader = cluster.currentLeader();
  if (leader === undefined) return false;
  const term = cluster.host(leader)?.node.term;
  let followers = 0;
  for (let i = 0; i < cluster.nodeCount; i++) {
    const h = cluster.host(i);
    if (h && h.node.term === term && h.node.leader === leader) followers++;
  }
  return followers >= Math.floor(cluster.nodeCount / 2) + 1;
}

