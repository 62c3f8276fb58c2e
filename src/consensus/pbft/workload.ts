/**
 * PBFT's client-load scenarios in the simulator — throughput (closed loop), latency (open loop at
 * --rate), faults (open loop under --faults; crash-leader hits the primary) — with the same
 * clients, recorder and scenario tail as Raft's, plus the agreement checker and view changes.
 */
import { Recorder } from '../../measure/recorder.js';
import { startResourceSampler } from '../../monitor/sampler.js';
import type { CheckResult, SuiteResult } from '../../core/result.js';
import type { FaultRecord } from '../../sim/faults.js';
import { RESERVOIR, buildSuite, slicePause, withSeed, type ScenarioRun } from '../bench/common.js';
import { scenarioTail } from '../bench/tail.js';
import { SimKvClients, type OpOutcome } from '../kv/clients.js';
import type { WorkloadOptions } from '../raft-kv/workload.js';
import { PbftCluster, type PbftSetup } from './cluster.js';
import { windowListener } from '../../runner/phase.js';

export const PBFT_SUITE = 'consensus.pbft';

export async function runPbftWorkload(setup: PbftSetup, w: WorkloadOptions, run: ScenarioRun): Promise<{ suite: SuiteResult; aborted: boolean }> {
  const sampler = startResourceSampler({ intervalMs: 500 });
  const wall0 = performance.now();
  const cluster = new PbftCluster(setup);
  const startUs = w.warmupUs;
  const endUs = w.warmupUs + w.durationUs;
  const vc = setup.viewChangeTimeoutUs;
  const clients = new SimKvClients(cluster, cluster.sim.rng.fork(), {
    clients: w.concurrency,
    keys: w.keys,
    readRatio: w.readRatio,
    casRatio: w.casRatio,
    valueBytes: w.valueBytes,
    attemptTimeoutUs: Math.max(4 * vc, 200_000),
    backoffUs: 10_000,
    giveUpUs: Math.max(20 * vc, 5_000_000),
    startUs: Math.min(startUs, 100_000),
    endUs,
    keepHistory: true,
    ...(w.rate !== undefined ? { rate: w.rate } : {}),
  });
  const faults: FaultRecord[] = [];
  cluster.host.listeners.push({ fault: (r) => faults.push(r) });
  if (setup.faults) cluster.applyFaults(setup.faults);
  const recorder = new Recorder({ startUs, intervalUs: run.intervalUs, seed: setup.seed, reservoirSize: RESERVOIR , ...windowListener(run.progress) });
  for (const k of w.readRatio > 0 ? ['put', 'get'] : ['put']) recorder.declare(k);
  let measured = 0;
  let measuredOk = 0;
  const successes: Array<{ callUs: number; atUs: number }> = [];
  clients.onOutcome((o: OpOutcome) => {
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
  });
  let atStart = { messages: 0, bytes: 0 };
  cluster.host.at(startUs, () => (atStart = { messages: cluster.host.protocolMessages, bytes: cluster.host.protocolBytes }));

  const label = `pbft ${w.scenario} (${setup.nodes} replicas${run.label ? `, ${run.label}` : ''})`;
  let aborted = false;
  const pause = slicePause(run.signal, () => run.progress.update({ ...recorder.snapshot(cluster.now), label, plannedUs: w.durationUs }));
  for (let t = 0; t < endUs; ) {
    t = Math.min(endUs, t + 100_000);
    cluster.host.runUntil(t);
    if (w.iterations !== undefined && measured >= w.iterations) break;
    if (await pause()) {
      aborted = true;
      break;
    }
  }
  const stopUs = cluster.now;
  const messages = cluster.host.protocolMessages - atStart.messages;
  const bytes = cluster.host.protocolBytes - atStart.bytes;
  // Let outstanding commands finish (not measured) before the end-of-run checks.
  cluster.host.runUntil(stopUs + 4 * vc);
  const wallSeconds = (performance.now() - wall0) / 1000;
  run.progress.done();
  const measuredUs = Math.max(1, stopUs - startUs);
  const checks: CheckResult[] = [...cluster.checker.results()];
  const metrics: Record<string, number> = {
    committedOpsPerSec: measuredOk / (measuredUs / 1e6),
    messagesPerOp: measuredOk > 0 ? messages / measuredOk : 0,
    bytesPerOp: measuredOk > 0 ? bytes / measuredOk : 0,
    successRate: measured > 0 ? measuredOk / measured : 0,
    faultTolerance: cluster.f,
    byzantineReplicas: setup.byzantine.size,
    viewChanges: cluster.viewChanges,
    acknowledgedWrites: cluster.checker.acknowledgedCount,
    simulatedSeconds: cluster.now / 1e6,
    deliveries: cluster.host.network.stats.delivered,
    wallSeconds,
    deliveriesPerSec: cluster.host.network.stats.delivered / Math.max(1e-9, wallSeconds),
  };
  const tail = scenarioTail({
    withFaults: w.scenario === 'faults',
    recorder,
    startUs,
    stopUs,
    successes,
    faults,
    history: clients.history,
    linearizabilityMaxOps: w.linearizabilityMaxOps,
    log: (line) => run.progress.log(line),
  });
  Object.assign(metrics, tail.metrics);
  checks.push(...tail.checks);
  if (cluster.viewChanges > 0) {
    const after = successes.filter((s) => s.callUs >= cluster.lastViewChangeAt).length;
    checks.push({ name: 'progress after a view change', passed: after > 0 || aborted, detail: `${cluster.viewChanges} view change(s); ${after} command(s) sent after the last one succeeded` });
  }
  if (measuredOk === 0 && !aborted) checks.push({ name: 'progress', passed: false, detail: 'no command committed in the measured window' });
  const byz = [...setup.byzantine].map(([id, b]) => `${id + 1}:${b}`).join(',');
  const suite = buildSuite({
    name: PBFT_SUITE,
    backend: `sim:${setup.nodes}-nodes${run.label ? `:${run.label}` : ''}`,
    recorder,
    endUs: stopUs,
    checks: withSeed(checks, setup.seed),
    metrics,
    resources: sampler.stop(),
    workers: [{ seed: setup.seed, scenario: w.scenario, f: cluster.f, byzantine: byz || 'none', authSendUs: setup.authSendUs, authVerifyUs: setup.authVerifyUs }, ...tail.faultRows],
  });
  return { suite, aborted };
}
