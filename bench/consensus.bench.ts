/**
 * Consensus lab benchmarks: the simulator's raw delivery rate (binary-heap scheduler beside a
 * naive sorted-array queue, the peer it replaces), 1,000 Raft election trials on 5 simulated nodes
 * (goal < 10 s), and real-mode committed ops/s on 3 nodes over loopback beside the simulator's
 * figure for the same setup. Prints a markdown table.
 */
import { cpus, loadavg } from 'node:os';
import { runElectionScenario } from '../src/consensus/raft-kv/election.js';
import { raftSetup, type RaftSetup } from '../src/consensus/raft-kv/setup.js';
import { runWorkloadScenario, type WorkloadOptions } from '../src/consensus/raft-kv/workload.js';
import { runRealScenario } from '../src/consensus/real/run-real.js';
import { runConsensusBench } from '../src/consensus/index.js';
import type { SuiteResult } from '../src/core/result.js';
import { Rng } from '../src/measure/rng.js';
import { silentProgress } from '../src/report/progress.js';
import { parseLatency } from '../src/sim/latency.js';
import { DELIVER_EVENT, Network } from '../src/sim/network.js';
import { Scheduler, type SimEvent } from '../src/sim/scheduler.js';

/** Ping-pong on a simulated network: every delivery sends a reply. Returns deliveries per second. */
function simDeliveries(total: number): { perSec: number; perCpuSec: number; seconds: number; delivered: number } {
  const sim = new Scheduler({ seed: 1 });
  let delivered = 0;
  const net: Network = new Network(sim, new Rng(2), { nodes: 16, latency: parseLatency('uniform:1ms-10ms') }, (to, from, m) => {
    delivered++;
    if (delivered < total) net.send(to, from, m, 64);
  });
  sim.setHandler((e) => {
    if (e.kind === DELIVER_EVENT) net.onDeliver(e);
  });
  for (let i = 0; i < 16; i++) for (let j = 0; j < 16; j++) if (i !== j) net.send(i, j, i * 16 + j, 64);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  sim.run();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  // On a shared box the process may get a fraction of a core: CPU time shows what the code does.
  return { perSec: delivered / seconds, perCpuSec: delivered / ((cpu.user + cpu.system) / 1e6), seconds, delivered };
}

/** Hold-model queue benchmark: pop one, push one, with `pending` events queued — heap vs sorted array. */
function heapQueueDeliveries(total: number): { heap: number; naive: number } {
  const pending = 10_000;
  const rng = new Rng(3);
  const sim = new Scheduler({ seed: 1 });
  let n = 0;
  sim.setHandler(() => {
    if (++n < total) sim.after(rng.int(1, 10_000), 1, 0);
  });
  for (let i = 0; i < pending; i++) sim.at(rng.int(1, 10_000), 1, 0);
  const t0 = performance.now();
  sim.run();
  const heap = n / ((performance.now() - t0) / 1000);
  return { heap, naive: naiveQueue(total, pending) };
}

/** The same hold model on a sorted array queue (insertion by binary search + splice): the naive peer. */
function naiveQueue(total: number, pending: number): number {
  const queue: SimEvent[] = [];
  let seq = 0;
  let now = 0;
  const rng = new Rng(3); // the heap run's seed: both queues see the same event times
  const push = (at: number, target: number, aux: number): void => {
    const e: SimEvent = { at, seq: seq++, kind: 1, target, aux, data: undefined };
    let lo = 0;
    let hi = queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const q = queue[mid] as SimEvent;
      if (q.at < at || (q.at === at && q.seq < e.seq)) lo = mid + 1;
      else hi = mid;
    }
    queue.splice(lo, 0, e);
  };
  for (let i = 0; i < pending; i++) push(rng.int(1, 10_000), 0, 0);
  let delivered = 0;
  const t0 = performance.now();
  while (queue.length > 0) {
    const e = queue.shift() as SimEvent;
    now = e.at;
    delivered++;
    if (delivered < total) push(now + rng.int(1, 10_000), e.target, e.aux);
  }
  return delivered / ((performance.now() - t0) / 1000);
}

const setup = (nodes: number): RaftSetup => raftSetup(nodes, 42, parseLatency('uniform:5ms-10ms'));

async function main(): Promise<void> {
  const rows: string[][] = [];
  simDeliveries(200_000); // warm the JIT
  const heap = simDeliveries(3_000_000);
  rows.push(['simulator deliveries per wall second (network model + heap, 16 endpoints)', `${Math.round(heap.perSec).toLocaleString('en-US')}`, 'goal ≥ 1,000,000', `${(heap.perSec / 1e6).toFixed(2)}× goal`]);
  rows.push(['simulator deliveries per CPU second (same run)', `${Math.round(heap.perCpuSec).toLocaleString('en-US')}`, 'goal ≥ 1,000,000', `${(heap.perCpuSec / 1e6).toFixed(2)}× goal`]);
  const bare = heapQueueDeliveries(1_000_000);
  rows.push(['event queue alone, binary heap, 10,000 pending events', `${Math.round(bare.heap).toLocaleString('en-US')}`, '', ''],
    ['event queue alone, sorted array (naive peer), 10,000 pending', `${Math.round(bare.naive).toLocaleString('en-US')}`, '', `heap ${(bare.heap / bare.naive).toFixed(1)}× faster`]);

  const t0 = performance.now();
  const election = await runElectionScenario(setup(5), { trials: 1000 }, { intervalUs: 60_000_000, progress: silentProgress });
  const electionSeconds = (performance.now() - t0) / 1000;
  const e = election.suite.operations.find((o) => o.name === 'election');
  const allPassed = election.suite.checks.every((c) => c.passed);
  rows.push(['1,000 election trials, 5 simulated nodes (wall s)', electionSeconds.toFixed(2), 'goal < 10 s', `p50 ${((e?.latencyUs.p50 ?? 0) / 1000).toFixed(0)} ms, p99 ${((e?.latencyUs.p99 ?? 0) / 1000).toFixed(0)} ms, checks ${allPassed ? 'pass' : 'FAIL'}`]);

  const w: WorkloadOptions = { scenario: 'throughput', durationUs: 5_000_000, warmupUs: 1_000_000, concurrency: 32, keys: 100, readRatio: 0.5, casRatio: 0, valueBytes: 64, linearizabilityMaxOps: 50_000 };
  // Real clients talk to nodes directly over loopback: give simulated clients the same (≈ 50 µs).
  const simRun = await runWorkloadScenario({ ...setup(3), clientLatency: parseLatency('50us'), processing: { perMessageUs: 20, perEntryUs: 2 } }, w, { intervalUs: 5_000_000, progress: silentProgress });
  const realRun = await runRealScenario(setup(3), 'throughput', { trials: 0, workload: w }, { intervalUs: 5_000_000, progress: silentProgress });
  const simOps = simRun.suite.metrics?.committedOpsPerSec ?? 0;
  const realOps = realRun.suite.metrics?.committedOpsPerSec ?? 0;
  const p50 = (s: typeof simRun.suite): string => `${((s.operations.find((o) => o.name === 'put')?.latencyUs.p50 ?? 0) / 1000).toFixed(1)} ms`;
  rows.push(['committed ops/s, 3 nodes, 32 clients, simulator', simOps.toFixed(0), `put p50 ${p50(simRun.suite)}`, `checks ${simRun.suite.checks.every((c) => c.passed) ? 'pass' : 'FAIL'}`]);
  rows.push(['committed ops/s, 3 nodes, 32 clients, real (threads + TCP loopback + proxy)', realOps.toFixed(0), `put p50 ${p50(realRun.suite)}`, `real/sim ${(realOps / Math.max(1, simOps)).toFixed(2)}, checks ${realRun.suite.checks.every((c) => c.passed) ? 'pass' : 'FAIL'}`]);

  rows.push(...(await issue14Figures()));

  console.log('| figure | value | target / detail | ratio / notes |');
  console.log('|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  console.log(`\nMachine load average ${loadavg()[0]?.toFixed(1)} on ${cpus().length} cores: wall-clock figures shrink with load, CPU-second figures do not.`);
  console.log('\nLatency uniform:5ms-10ms one way, election timeout 150-300 ms, heartbeat 75 ms, batching on, 50 % reads; real mode adds the same latency in its proxy.');
}

/** One library run of `bench`, defaults as the CLI's, seed 1. */
async function bench(params: Record<string, unknown>, durationUs = 2_000_000): Promise<SuiteResult[]> {
  const { run } = await runConsensusBench(params, { durationUs, warmupUs: 500_000, intervalUs: durationUs, seed: 1, signal: new AbortController().signal, progress: silentProgress, startedAt: new Date() });
  return run.suites;
}

/**
 * Issue 14's figures: gossip rounds to 100 % beside the epidemic model (n = 10,000 with
 * SWARMPERF_BENCH_GOSSIP_10K=1: ~30 s on a busy box), Raft and PBFT messages per request and
 * committed ops/s for n = 4, 7, 10, 13, and simulator deliveries per second with the storage model on and off.
 */
async function issue14Figures(): Promise<string[][]> {
  const rows: string[][] = [];
  const sizes = process.env.SWARMPERF_BENCH_GOSSIP_10K ? [30, 100, 1000, 10_000] : [30, 100, 1000];
  for (const n of sizes) {
    const [g] = await bench({ protocol: 'gossip', scenario: 'convergence', nodes: String(n), updates: n >= 10_000 ? '3' : '10' });
    const m = g?.metrics ?? {};
    rows.push([`gossip rounds to 100 %, n = ${n.toLocaleString('en-US')}, fanout 3, push`, `${(m.roundsToAll ?? 0).toFixed(2)} (max ${(m.roundsToAllMax ?? 0).toFixed(2)})`, `model log₄ n + ln n / 3 = ${(m.modelRounds ?? 0).toFixed(2)}`, `${((m.roundsToAll ?? 0) / Math.max(1e-9, m.modelRounds ?? 1)).toFixed(2)}× model, checks ${g?.checks.every((c) => c.passed) ? 'pass' : 'FAIL'}`]);
  }
  for (const protocol of ['raft', 'pbft']) {
    for (const s of await bench({ protocol, scenario: 'throughput', nodes: '4,7,10,13' })) {
      const m = s.metrics ?? {};
      rows.push([`${protocol} ${s.backend}: committed ops/s, messages per request`, `${(m.committedOpsPerSec ?? 0).toFixed(0)} ops/s, ${(m.messagesPerOp ?? 0).toFixed(1)} msgs/op`, '32 clients, closed loop', `checks ${s.checks.every((c) => c.passed) ? 'pass' : 'FAIL'}`]);
    }
  }
  const on = (await bench({ protocol: 'raft', scenario: 'throughput', nodes: '5', fsync: 'lognormal:3ms,1' }, 5_000_000))[0]?.metrics ?? {};
  const off = (await bench({ protocol: 'raft', scenario: 'throughput', nodes: '5' }, 5_000_000))[0]?.metrics ?? {};
  rows.push(['simulator deliveries per wall second, Raft 5 nodes, storage model on (fsync lognormal 3 ms, σ 1)', Math.round(on.deliveriesPerSec ?? 0).toLocaleString('en-US'), `off: ${Math.round(off.deliveriesPerSec ?? 0).toLocaleString('en-US')}`, `on/off ${((on.deliveriesPerSec ?? 0) / Math.max(1, off.deliveriesPerSec ?? 1)).toFixed(2)}; ${(on.diskWritesPerOp ?? 0).toFixed(2)} fsyncs per op`]);
  return rows;
}

await main();
