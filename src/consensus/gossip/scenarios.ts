/**
 * Gossip's scenarios in the simulator:
 *
 *   convergence        --updates broadcasts, one every few rounds from random members → rounds and
 *                      time until 99.99 % and 100 % of live members know each (vs the epidemic model)
 *   failure-detection  --crash members crashed after warmup → time until the first and until every
 *                      live member declares each dead; false suspicions / false positives under loss
 *   throughput         broadcasts at --rate from random members → updates delivered to every live
 *                      member per second, messages and bytes per update
 *
 * The checker: every live member learns every update (dissemination), every crashed member is
 * detected (completeness); false suspicions and false positives are counted.
 */
import { Recorder } from '../../measure/recorder.js';
import type { Rng } from '../../measure/rng.js';
import { startResourceSampler } from '../../monitor/sampler.js';
import type { CheckResult, SuiteResult } from '../../core/result.js';
import { RESERVOIR, buildSuite, slicePause, withSeed, type ScenarioRun } from '../bench/common.js';
import type { SharedSetup } from '../bench/params.js';
import { SimHost } from '../host/sim-host.js';
import { GossipNode, type GossipConfig, type MemberState } from './node.js';
import { windowListener } from '../../runner/phase.js';

export const GOSSIP_SUITE = 'consensus.gossip';

export interface GossipSetup extends SharedSetup {
  fanout: number;
  intervalUs: number;
  pushPull: boolean;
  probeIntervalUs: number;
  probeTimeoutUs: number;
  indirect: number;
  suspicionMult: number;
  retransmitMult: number;
  maxPiggyback: number;
  updateBytes: number;
}

export interface GossipScenarioOptions {
  scenario: 'convergence' | 'failure-detection' | 'throughput';
  updates: number;
  crashes: number;
  /** throughput: broadcasts per second. */
  rate: number;
  durationUs: number;
  warmupUs: number;
}

/** The epidemic model's rounds to reach all n members with push fanout k: log_{k+1} n + ln n / k. */
export function epidemicModelRounds(n: number, k: number): number {
  return Math.log(n) / Math.log(k + 1) + Math.log(n) / k;
}

/** Who knows what, and who believes whom dead, as the members report it. */
class GossipTracker {
  readonly knownBy = new Map<number, number>();
  readonly injectedAt = new Map<number, number>();
  readonly reached9999 = new Map<number, number>();
  readonly reachedAll = new Map<number, number>();
  readonly crashedAt = new Map<number, number>();
  readonly deadBy = new Map<number, Set<number>>();
  readonly firstDetection = new Map<number, number>();
  readonly allDetection = new Map<number, number>();
  falseSuspicions = 0;
  falsePositives = 0;

  constructor(private readonly host: () => SimHost<GossipNode>) {}

  liveCount(): number {
    return this.host().liveCount;
  }

  learned(updateId: number, atUs: number): void {
    const count = (this.knownBy.get(updateId) ?? 0) + 1;
    this.knownBy.set(updateId, count);
    const live = this.liveCount();
    if (!this.reached9999.has(updateId) && count >= Math.ceil(0.9999 * live)) this.reached9999.set(updateId, atUs);
    if (!this.reachedAll.has(updateId) && count >= live) this.reachedAll.set(updateId, atUs);
  }

  /** `observer` now believes `about` is in `state`. */
  memberChanged(observer: number, about: number, state: MemberState, atUs: number): void {
    const host = this.host();
    const aboutUp = host.isUp(about);
    if (state === 'suspect' && aboutUp) this.falseSuspicions++;
    if (state !== 'dead') return;
    if (aboutUp) {
      this.falsePositives++;
      return;
    }
    if (!this.firstDetection.has(about)) this.firstDetection.set(about, atUs);
    const set = this.deadBy.get(about) ?? new Set<number>();
    this.deadBy.set(about, set);
    set.add(observer);
    if (!this.allDetection.has(about) && set.size >= this.liveCount()) this.allDetection.set(about, atUs);
  }
}

function gossipConfig(s: GossipSetup, id: number, rng: Rng, incarnation: number): GossipConfig {
  return {
    id,
    nodes: s.nodes,
    fanout: s.fanout,
    intervalUs: s.intervalUs,
    pushPull: s.pushPull,
    probeIntervalUs: s.probeIntervalUs,
    probeTimeoutUs: s.probeTimeoutUs,
    indirect: s.indirect,
    suspicionMult: s.suspicionMult,
    retransmitMult: s.retransmitMult,
    maxPiggyback: s.maxPiggyback,
    rng,
    incarnation,
  };
}

export async function runGossipScenario(s: GossipSetup, o: GossipScenarioOptions, run: ScenarioRun): Promise<{ suite: SuiteResult; aborted: boolean }> {
  const sampler = startResourceSampler({ intervalMs: 500 });
  const wall0 = performance.now();
  // The tracker and the node factory need the host the factory is building.
  const box: { host?: SimHost<GossipNode> } = {};
  const tracker = new GossipTracker(() => box.host as SimHost<GossipNode>);
  const host = new SimHost<GossipNode>(s, (id, rng, restarted) => {
    const now = box.host?.now ?? 0;
    // A restarted member outbids the "dead" others hold of it with a fresh, larger incarnation.
    return new GossipNode(gossipConfig(s, id, rng, restarted ? Math.floor(now / 1000) : 0), {
      learned: (_node, updateId, atUs) => tracker.learned(updateId, atUs),
      memberChanged: (node, about, state, atUs) => tracker.memberChanged(node, about, state, atUs),
    }, now);
  });
  box.host = host;
  if (s.faults) host.applyFaults(s.faults);
  const rng = host.sim.rng.fork();
  const recorder = new Recorder({ startUs: o.warmupUs, intervalUs: run.intervalUs, seed: s.seed, reservoirSize: RESERVOIR , ...windowListener(run.progress) });
  recorder.declare(o.scenario === 'failure-detection' ? 'detect.all' : 'broadcast');

  // Inject the load.
  const injectTimes: number[] = [];
  const roundUs = s.intervalUs;
  const logN = Math.ceil(Math.log10(s.nodes + 1));
  const settleUs = (s.retransmitMult * logN + 10) * roundUs;
  if (o.scenario === 'convergence') {
    // One update at a time, each given time to settle, so each is measured on its own.
    for (let u = 0; u < o.updates; u++) injectTimes.push(o.warmupUs + u * settleUs);
  } else if (o.scenario === 'throughput') {
    const gap = 1e6 / o.rate;
    for (let t = o.warmupUs; t < o.warmupUs + o.durationUs; t += gap) injectTimes.push(Math.round(t));
  }
  injectTimes.forEach((t, u) =>
    host.at(t, () => {
      const live = Array.from({ length: s.nodes }, (_, i) => i).filter((i) => host.isUp(i));
      const origin = rng.pick(live);
      tracker.injectedAt.set(u, host.now);
      host.node(origin)?.broadcast(u, s.updateBytes);
      host.poke(origin);
    }),
  );
  const crashed: number[] = [];
  if (o.scenario === 'failure-detection') {
    host.at(o.warmupUs, () => {
      const order = Array.from({ length: s.nodes }, (_, i) => i);
      for (let k = 0; k < o.crashes && order.length > 1; k++) {
        const victim = order.splice(rng.int(0, order.length - 1), 1)[0] as number;
        tracker.crashedAt.set(victim, host.now);
        crashed.push(victim);
        host.crash(victim);
      }
    });
  }
  const suspicionUs = s.suspicionMult * logN * s.probeIntervalUs;
  const endUs =
    o.scenario === 'convergence'
      ? o.warmupUs + o.updates * settleUs
      : o.scenario === 'throughput'
        ? o.warmupUs + o.durationUs + settleUs
        : o.warmupUs + Math.max(o.durationUs, suspicionUs + 20 * s.probeIntervalUs);
  const messagesAt = { count: 0, bytes: 0 };
  host.at(o.warmupUs, () => {
    messagesAt.count = host.protocolMessages;
    messagesAt.bytes = host.protocolBytes;
  });

  let aborted = false;
  const label = `gossip ${o.scenario} (${s.nodes} nodes${run.label ? `, ${run.label}` : ''})`;
  const pause = slicePause(run.signal, () => run.progress.update({ ...recorder.snapshot(host.now), label, plannedUs: endUs - o.warmupUs }));
  const sliceUs = Math.max(roundUs, 100_000);
  for (let t = 0; t < endUs; ) {
    t = Math.min(endUs, t + sliceUs);
    host.runUntil(t);
    if (await pause()) {
      aborted = true;
      break;
    }
  }
  run.progress.done();
  const wallSeconds = (performance.now() - wall0) / 1000;
  const messages = host.protocolMessages - messagesAt.count;
  const bytes = host.protocolBytes - messagesAt.bytes;

  const checks: CheckResult[] = [];
  const metrics: Record<string, number> = {
    nodes: s.nodes,
    fanout: s.fanout,
    intervalUs: s.intervalUs,
    modelRounds: epidemicModelRounds(s.nodes, s.fanout),
    simulatedSeconds: host.now / 1e6,
    deliveries: host.network.stats.delivered,
    wallSeconds,
    deliveriesPerSec: host.network.stats.delivered / Math.max(1e-9, wallSeconds),
    falseSuspicions: tracker.falseSuspicions,
    falsePositives: tracker.falsePositives,
  };
  if (o.scenario !== 'failure-detection') {
    const ids = [...tracker.injectedAt.keys()];
    const toAll: number[] = [];
    const to9999: number[] = [];
    let missing = 0;
    for (const u of ids) {
      const at = tracker.injectedAt.get(u) as number;
      const all = tracker.reachedAll.get(u);
      const nearly = tracker.reached9999.get(u);
      if (nearly !== undefined) to9999.push(nearly - at);
      if (all !== undefined) {
        toAll.push(all - at);
        recorder.record('broadcast', all - at, all);
      } else {
        missing += tracker.liveCount() - (tracker.knownBy.get(u) ?? 0);
        recorder.recordError('broadcast', 'not everyone learned it', host.now - at, host.now);
      }
    }
    const mean = (xs: number[]): number => (xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
    metrics.updates = ids.length;
    metrics.roundsTo9999 = mean(to9999) / roundUs;
    metrics.roundsToAll = mean(toAll) / roundUs;
    metrics.roundsToAllMax = toAll.reduce((a, b) => Math.max(a, b), 0) / roundUs;
    metrics.timeToAllUs = mean(toAll);
    metrics.messagesPerOp = ids.length > 0 ? messages / ids.length : 0;
    metrics.bytesPerOp = ids.length > 0 ? bytes / ids.length : 0;
    if (o.scenario === 'throughput') metrics.committedOpsPerSec = toAll.length / (o.durationUs / 1e6);
    checks.push({
      name: 'every live member learns every update',
      passed: missing === 0 && toAll.length === ids.length,
      detail: missing === 0 ? `${ids.length} update(s), each reached all ${tracker.liveCount()} live members` : `${ids.length - toAll.length} update(s) missed ${missing} member-update pair(s) by the end`,
    });
  } else {
    let missed = 0;
    const firsts: number[] = [];
    for (const v of crashed) {
      const at = tracker.crashedAt.get(v) as number;
      const first = tracker.firstDetection.get(v);
      const all = tracker.allDetection.get(v);
      if (first !== undefined) firsts.push(first - at);
      if (all !== undefined) recorder.record('detect.all', all - at, all);
      else missed++;
    }
    metrics.crashed = crashed.length;
    metrics.detectFirstUs = firsts.length > 0 ? firsts.reduce((a, b) => a + b, 0) / firsts.length : 0;
    metrics.missedDetections = missed;
    metrics.messagesPerNodePerSec = messages / s.nodes / Math.max(1e-9, (host.now - o.warmupUs) / 1e6);
    checks.push({
      name: 'every crashed member detected by every live member',
      passed: missed === 0,
      detail: missed === 0 ? `${crashed.length} crash(es), each declared dead everywhere` : `${missed} of ${crashed.length} crash(es) not declared dead by every live member`,
    });
  }
  const suite = buildSuite({
    name: GOSSIP_SUITE,
    backend: `sim:${s.nodes}-nodes${run.label ? `:${run.label}` : ''}`,
    recorder,
    endUs: Math.max(o.warmupUs + 1, host.now),
    checks: withSeed(checks, s.seed),
    metrics,
    resources: sampler.stop(),
    workers: [{ seed: s.seed, scenario: o.scenario, fanout: s.fanout, intervalUs: s.intervalUs, dissemination: s.pushPull ? 'push-pull' : 'push' }],
  });
  return { suite, aborted };
}
