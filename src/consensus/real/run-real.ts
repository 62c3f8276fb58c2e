/**
 * The benchmark scenarios over real transports (`--mode real`): the same Raft code in worker
 * threads talking TCP on loopback through the fault proxy, measured on the real clock, checked by
 * the same safety and linearizability checkers. This is how the simulator is held to reality:
 * run one setup both ways and compare.
 */
import { Recorder } from '../../measure/recorder.js';
import { Rng } from '../../measure/rng.js';
import { startResourceSampler } from '../../monitor/sampler.js';
import type { CheckResult, SuiteResult } from '../../core/result.js';
import type { ClientReply, HistoryOp } from '../kv/messages.js';
import type { KvOp } from '../kv/store.js';
import type { ClientSession } from '../kv/clients.js';
import { NONE } from '../raft/types.js';
import { RESERVOIR, buildSuite, withSeed, type ScenarioRun } from '../bench/common.js';
import { scenarioTail } from '../bench/tail.js';
import { SUITE_NAME, backendLabel, describeSetup, type RaftSetup } from '../raft-kv/setup.js';
import type { WorkloadOptions } from '../raft-kv/workload.js';
import { nowEpochUs, RealCluster } from './cluster.js';
import { RealFaultTimer } from './fault-timer.js';
import { windowListener } from '../../runner/phase.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function runRealScenario(
  setup: RaftSetup,
  scenario: 'election' | 'throughput' | 'latency' | 'faults',
  opts: { trials: number; workload: WorkloadOptions },
  run: ScenarioRun,
): Promise<{ suite: SuiteResult; aborted: boolean }> {
  const cluster = new RealCluster(setup);
  const sampler = startResourceSampler({ intervalMs: 500 });
  try {
    await cluster.start();
    return scenario === 'election' ? await realElection(cluster, setup, opts.trials, run, sampler) : await realWorkload(cluster, setup, opts.workload, run, sampler);
  } finally {
    await cluster.stop();
  }
}

type Sampler = ReturnType<typeof startResourceSampler>;

async function waitFor(pred: () => boolean, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
  const end = performance.now() + timeoutMs;
  while (!pred()) {
    if (performance.now() > end || signal?.aborted) return false;
    await sleep(2);
  }
  return true;
}

async function realElection(cluster: RealCluster, setup: RaftSetup, trials: number, run: ScenarioRun, sampler: Sampler): Promise<{ suite: SuiteResult; aborted: boolean }> {
  const t0 = nowEpochUs();
  const recorder = new Recorder({ startUs: 0, intervalUs: run.intervalUs, seed: setup.seed, reservoirSize: RESERVOIR , ...windowListener(run.progress) });
  recorder.declare('election');
  const rng = new Rng(setup.seed).fork();
  const maxMs = setup.electionTimeoutUs[1] / 1000;
  let latest: { node: number; term: number; atUs: number } | undefined;
  cluster.leaderListeners.push((node, term, atUs) => {
    if (!latest || term > latest.term) latest = { node, term, atUs };
  });
  const terms: number[] = [];
  let failed = 0;
  let aborted = false;
  for (let trial = 0; trial < trials; trial++) {
    if (run.signal?.aborted) {
      aborted = true;
      break;
    }
    for (let i = 0; i < setup.nodes; i++) if (!cluster.isUp(i)) await cluster.restart(i);
    await sleep(Math.max(2 * maxMs, (4 * setup.heartbeatUs) / 1000));
    if (!(await waitFor(() => cluster.currentLeader() !== undefined, 30_000, run.signal))) {
      failed++;
      continue;
    }
    await sleep(rng.int(0, Math.max(0, setup.heartbeatUs - 1)) / 1000);
    const victim = cluster.currentLeader();
    if (victim === undefined) continue;
    const oldTerm = latest?.term ?? 0;
    const crashAt = nowEpochUs();
    await cluster.crash(victim);
    const ok = await waitFor(() => (latest?.term ?? 0) > oldTerm && latest?.node !== victim, Math.max(30_000, 100 * maxMs), run.signal);
    if (ok && latest) {
      recorder.record('election', latest.atUs - crashAt, latest.atUs - t0);
      terms.push(latest.term - oldTerm);
    } else {
      failed++;
      recorder.recordError('election', 'no leader', nowEpochUs() - crashAt, nowEpochUs() - t0);
    }
    run.progress.update({ ...recorder.snapshot(nowEpochUs() - t0), label: `raft election real (${setup.nodes} nodes): trial ${trial + 1}/${trials}` });
  }
  for (let i = 0; i < setup.nodes; i++) if (!cluster.isUp(i)) await cluster.restart(i);
  await sleep(2 * maxMs);
  await cluster.finalChecks();
  run.progress.done();
  const checks: CheckResult[] = [
    ...cluster.checker.results(),
    { name: 'election liveness', passed: failed === 0, detail: failed === 0 ? `${terms.length} of ${terms.length} crashes followed by a new leader` : `${failed} trial(s) without a new leader` },
  ];
  const suite = buildSuite({
    name: SUITE_NAME,
    backend: backendLabel('real', setup, run.label),
    recorder,
    endUs: nowEpochUs() - t0,
    checks: withSeed(checks, setup.seed),
    metrics: {
      trials: terms.length + failed,
      failedElections: failed,
      splitVotes: terms.reduce((a, t) => a + t - 1, 0),
      termsPerElection: terms.length > 0 ? terms.reduce((a, b) => a + b, 0) / terms.length : 0,
      electionTimeoutMinUs: setup.electionTimeoutUs[0],
      electionTimeoutMaxUs: setup.electionTimeoutUs[1],
      heartbeatUs: setup.heartbeatUs,
    },
    resources: sampler.stop(),
    workers: [{ setup: describeSetup(setup), seed: setup.seed, warnings: cluster.warnings.slice(0, 10) }],
  });
  return { suite, aborted };
}

interface Session extends ClientSession {
  /** The pending attempt timeout or retry. */
  timer: NodeJS.Timeout | undefined;
}

async function realWorkload(cluster: RealCluster, setup: RaftSetup, w: WorkloadOptions, run: ScenarioRun, sampler: Sampler): Promise<{ suite: SuiteResult; aborted: boolean }> {
  const maxTimeoutUs = setup.electionTimeoutUs[1];
  await waitFor(() => cluster.currentLeader() !== undefined, 30_000, run.signal);
  const rng = new Rng(setup.seed).fork();
  const t0 = nowEpochUs();
  const startUs = w.warmupUs;
  const endUs = w.warmupUs + w.durationUs;
  const rel = (): number => nowEpochUs() - t0;
  const recorder = new Recorder({ startUs, intervalUs: run.intervalUs, seed: setup.seed, reservoirSize: RESERVOIR , ...windowListener(run.progress) });
  recorder.declare('put');
  const history: HistoryOp[] = [];
  const successes: Array<{ callUs: number; atUs: number }> = [];
  let measured = 0;
  let measuredOk = 0;
  let stopping = false;
  let valueCounter = 0;
  let proxyAtStart = { forwarded: 0, bytes: 0 };
  const attemptTimeoutUs = Math.max(4 * maxTimeoutUs, 200_000);
  const giveUpUs = Math.max(10 * maxTimeoutUs, 5_000_000);
  const backoffMs = Math.max(10, setup.heartbeatUs / 2000);
  const sessions: Session[] = Array.from({ length: w.concurrency }, (_, id) => ({ id, seq: 0, op: undefined, intended: 0, firstSend: 0, lastSend: 0, attempts: 0, target: cluster.currentLeader() ?? 0, timer: undefined }));
  const idle: Session[] = [];
  const queue: number[] = [];

  const nextOp = (s: Session): KvOp => {
    const key = `k${rng.int(0, w.keys - 1)}`;
    const u = rng.next();
    if (u < w.readRatio) return { op: 'get', key };
    const value = `${s.id}.${s.seq}.${(valueCounter++).toString(36)}`.padEnd(w.valueBytes, '.');
    if (u < w.readRatio + w.casRatio) return { op: 'cas', key, from: null, to: value };
    return { op: 'put', key, value };
  };
  const send = (s: Session): void => {
    s.attempts++;
    s.lastSend = rel();
    if (s.timer) clearTimeout(s.timer);
    s.timer = setTimeout(() => retry(s, (s.target + 1) % setup.nodes, 0), attemptTimeoutUs / 1000);
    if (!cluster.sendClientRequest(s.target, { type: 'req', client: s.id, seq: s.seq, op: s.op as KvOp })) retry(s, (s.target + 1) % setup.nodes, backoffMs);
  };
  const begin = (s: Session, intended: number): void => {
    s.seq++;
    s.op = nextOp(s);
    s.intended = intended;
    s.firstSend = rel();
    s.attempts = 0;
    send(s);
  };
  const finish = (s: Session): void => {
    s.op = undefined;
    if (s.timer) clearTimeout(s.timer);
    s.timer = undefined;
    if (stopping) return;
    if (w.rate === undefined) begin(s, rel());
    else {
      const q = queue.shift();
      if (q !== undefined) begin(s, q);
      else idle.push(s);
    }
  };
  const retry = (s: Session, target: number, delayMs: number): void => {
    if (s.op === undefined) return;
    const now = rel();
    if (now - s.firstSend >= giveUpUs || stopping) {
      history.push({ client: s.id, op: s.op, call: s.firstSend });
      if (now >= startUs && now <= endUs) {
        measured++;
        recorder.recordError(s.op.op, 'timeout', now - s.intended, now);
      }
      finish(s);
      return;
    }
    s.target = target;
    if (s.timer) clearTimeout(s.timer);
    s.timer = setTimeout(() => send(s), delayMs);
  };
  cluster.onReply((r: ClientReply) => {
    const s = sessions[r.client];
    if (!s || s.op === undefined || r.seq !== s.seq) return;
    const now = rel();
    if (r.ok && r.result) {
      const op = s.op;
      history.push({ client: s.id, op, call: s.firstSend, ret: now, result: r.result });
      if (op.op !== 'get') cluster.checker.acknowledgedWrite(s.id, s.seq, now + t0);
      successes.push({ callUs: s.firstSend, atUs: now });
      if (now >= startUs && now <= endUs) {
        measured++;
        measuredOk++;
        recorder.record(op.op, now - s.intended, now, w.rate !== undefined ? now - s.firstSend : undefined);
        const p = r.phases;
        if (p) {
          recorder.record('phase.append', p.appendedAt - t0 - s.lastSend, now);
          recorder.record('phase.replicate', p.replicatedAt - p.appendedAt, now);
          recorder.record('phase.commit', p.committedAt - p.replicatedAt, now);
          recorder.record('phase.apply', p.appliedAt - p.committedAt, now);
          recorder.record('phase.reply', now + t0 - p.appliedAt, now);
        }
      }
      finish(s);
      return;
    }
    if (r.error === 'not-leader' && r.leader !== undefined && r.leader !== NONE && r.leader !== s.target) retry(s, r.leader, 0);
    else retry(s, (s.target + 1) % setup.nodes, backoffMs);
  });

  // Faults on the real clock.
  const faults = new RealFaultTimer(setup.faults?.events ?? [], cluster, cluster.proxy, rng, rel);

  let arrivals = 0;
  let arrivalTimer: NodeJS.Timeout | undefined;
  if (w.rate === undefined) for (const s of sessions) begin(s, 0);
  else {
    idle.push(...sessions);
    const gapUs = 1e6 / w.rate;
    const tick = (): void => {
      const now = rel();
      // Every arrival that came due (timers are coarse): intended times stay on the schedule.
      while (arrivals * gapUs <= now && arrivals * gapUs < endUs) {
        const intended = Math.round(arrivals * gapUs);
        arrivals++;
        const s = idle.pop();
        if (s) begin(s, intended);
        else queue.push(intended);
      }
      if (!stopping && arrivals * gapUs < endUs) arrivalTimer = setTimeout(tick, Math.max(1, (arrivals * gapUs - rel()) / 1000));
    };
    tick();
  }
  let leaderSamples = 0;
  let leaderHits = 0;
  const leaderSampler = setInterval(() => {
    if (rel() < startUs) return;
    leaderSamples++;
    if (cluster.currentLeader() !== undefined) leaderHits++;
  }, 10);
  let aborted = false;
  let startedMeasure = false;
  while (rel() < endUs) {
    if (run.signal?.aborted) {
      aborted = true;
      break;
    }
    if (w.iterations !== undefined && measured >= w.iterations) break;
    if (!startedMeasure && rel() >= startUs) {
      startedMeasure = true;
      proxyAtStart = { forwarded: cluster.proxy.stats.forwarded, bytes: cluster.proxy.stats.bytes };
    }
    run.progress.update({ ...recorder.snapshot(rel()), label: `raft ${w.scenario} real (${setup.nodes} nodes)`, plannedUs: w.durationUs });
    await sleep(50);
  }
  const stopUs = rel();
  stopping = true;
  if (arrivalTimer) clearTimeout(arrivalTimer);
  clearInterval(leaderSampler);
  await faults.stop();
  const messages = cluster.proxy.stats.forwarded - proxyAtStart.forwarded;
  const bytes = cluster.proxy.stats.bytes - proxyAtStart.bytes;
  // Heal everything, let outstanding commands finish, then check.
  for (let i = 0; i < setup.nodes; i++) if (!cluster.isUp(i)) await cluster.restart(i);
  await waitFor(() => sessions.every((s) => s.op === undefined), giveUpUs / 1000 + 1000);
  for (const s of sessions) if (s.timer) clearTimeout(s.timer);
  await cluster.finalChecks();
  run.progress.done();
  const measuredUs = Math.max(1, stopUs - startUs);
  const checks: CheckResult[] = [...cluster.checker.results()];
  const metrics: Record<string, number> = {
    committedOpsPerSec: measuredOk / (measuredUs / 1e6),
    messagesPerOp: measuredOk > 0 ? messages / measuredOk : 0,
    bytesPerOp: measuredOk > 0 ? bytes / measuredOk : 0,
    successRate: measured > 0 ? measuredOk / measured : 0,
    lostAcknowledgedWrites: cluster.checker.lostWrites,
    acknowledgedWrites: cluster.checker.acknowledgedCount,
  };
  const tail = scenarioTail({
    withFaults: w.scenario === 'faults',
    recorder,
    startUs,
    stopUs,
    successes,
    faults: faults.log,
    leaderAvailability: leaderSamples > 0 ? leaderHits / leaderSamples : 0,
    history,
    linearizabilityMaxOps: w.linearizabilityMaxOps,
    log: (line) => run.progress.log(line),
  });
  Object.assign(metrics, tail.metrics);
  checks.push(...tail.checks);
  if (measuredOk === 0 && !aborted) checks.push({ name: 'progress', passed: false, detail: 'no command committed in the measured window' });
  const workers: Array<Record<string, unknown>> = [{ setup: describeSetup(setup), seed: setup.seed, scenario: w.scenario, warnings: cluster.warnings.slice(0, 10), fsyncMeanUs: cluster.fsyncMeanUs() }, ...tail.faultRows];
  const suite = buildSuite({ name: SUITE_NAME, backend: backendLabel('real', setup, run.label), recorder, endUs: stopUs, checks: withSeed(checks, setup.seed), metrics, resources: sampler.stop(), workers });
  return { suite, aborted };
}
