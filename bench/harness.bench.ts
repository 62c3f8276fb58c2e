/**
 * What the load harness itself costs, on no-op targets (so the figures are the harness alone):
 *
 * 1. Closed loop: ns added per operation by runClosedLoop (two clock reads, a histogram record,
 *    reservoir and window bookkeeping) over a bare loop calling the same synchronous no-op.
 *    Goal: ≤ 100 ns. Reported with the pieces (clock reads, recorder) so a regression points at one.
 * 2. Open loop: the highest constant arrival rate sustained on one core with nothing dropped and
 *    achieved ≈ intended (within 1 %), for a synchronous and an asynchronous (promise) no-op.
 *
 * Invariants are checked while measuring: every operation recorded, counts equal to what the
 * schedule asked for; a run that miscounts fails the benchmark instead of reporting a fast number.
 *
 *   node --import tsx bench/harness.bench.ts
 */
import { cpus, loadavg } from 'node:os';
import { runClosedLoop } from '../src/load/closed-loop.js';
import { constantRate, countArrivals, DEFAULT_MAX_LAG_US, runOpenLoop } from '../src/load/open-loop.js';
import type { Workload } from '../src/load/types.js';
import { RealClock } from '../src/measure/clock.js';
import { Recorder } from '../src/measure/recorder.js';
import { median } from '../src/measure/stats.js';

const N = 2_000_000;
const ROUNDS = 5;
let sink = 0;
const noop = (): undefined => {
  sink++;
  return undefined;
};

/**
 * CPU time of this process, ns. The machine is shared: wall time would charge the harness for
 * every moment the OS gave the core to someone else; CPU time charges it for its own work only.
 */
function cpuNs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

function fail(message: string): never {
  console.error(`harness bench: INVARIANT BROKEN: ${message}`);
  process.exit(1);
}

function bareLoop(): number {
  const t0 = cpuNs();
  for (let i = 0; i < N; i++) noop();
  return (cpuNs() - t0) / N;
}

function loopWithClock(clock: RealClock): number {
  const t0 = cpuNs();
  let acc = 0;
  for (let i = 0; i < N; i++) {
    const s = clock.nowUs();
    noop();
    acc += clock.nowUs() - s;
  }
  if (acc < 0) fail('clock went backwards');
  return (cpuNs() - t0) / N;
}

function loopWithRecorder(clock: RealClock): number {
  const recorder = new Recorder({ startUs: clock.nowUs() });
  const t0 = cpuNs();
  for (let i = 0; i < N; i++) {
    const s = clock.nowUs();
    noop();
    const e = clock.nowUs();
    recorder.record('noop', e - s, e);
  }
  const ns = (cpuNs() - t0) / N;
  const count = recorder.finish(clock.nowUs()).operations[0]?.count;
  if (count !== N) fail(`recorder counted ${count} of ${N}`);
  return ns;
}

async function closedLoop(clock: RealClock): Promise<number> {
  const workload: Workload = { next: () => call };
  const call = { name: 'noop', run: noop };
  const recorder = new Recorder({ startUs: clock.nowUs() });
  const t0 = cpuNs();
  const out = await runClosedLoop(workload, { concurrency: 1, iterations: N }, { clock, recorder, signal: new AbortController().signal });
  const ns = (cpuNs() - t0) / N;
  const op = recorder.finish(out.endUs).operations[0];
  if (out.issued !== N || op?.count !== N) fail(`closed loop issued ${out.issued}, recorded ${op?.count}, asked ${N}`);
  return ns;
}

interface RateTrial {
  rate: number;
  achieved: number;
  dropped: number;
  scheduled: number;
  /** CPU time per operation, ns (generator, recorder and the no-op together). */
  cpuNsPerOp: number;
  /** p99 latency from the intended start: on a no-op, how late the generator started operations. */
  lagP99Us: number;
  ok: boolean;
}

async function openLoopTrial(rate: number, asyncOp: boolean, durationUs: number): Promise<RateTrial> {
  const clock = new RealClock();
  const resolved = Promise.resolve();
  const call = asyncOp ? { name: 'noop', run: () => resolved.then(noop) } : { name: 'noop', run: noop };
  const workload: Workload = { next: () => call };
  const recorder = new Recorder({ startUs: clock.nowUs() });
  const schedule = constantRate(rate);
  const cpu0 = cpuNs();
  // The default lag allowance (what users run): an arrival more than 1 s late is dropped.
  const out = await runOpenLoop(workload, { schedule, durationUs, maxInFlight: 10_000, maxLagUs: DEFAULT_MAX_LAG_US }, { clock, recorder, signal: new AbortController().signal });
  const cpu = cpuNs() - cpu0;
  const op = recorder.finish(out.endUs).operations[0];
  const scheduled = countArrivals(schedule, durationUs);
  const count = op?.count ?? 0;
  const dropped = op?.dropped ?? 0;
  if (out.issued !== scheduled) fail(`open loop at ${rate}/s issued ${out.issued}, schedule has ${scheduled}`);
  if (count + dropped !== scheduled) fail(`open loop at ${rate}/s: ${count} recorded + ${dropped} dropped ≠ ${scheduled} scheduled`);
  const achieved = count / (out.endUs / 1e6 - recorder.startUs / 1e6);
  return { rate, achieved, dropped, scheduled, cpuNsPerOp: cpu / Math.max(1, count), lagP99Us: op?.latencyUs.p99 ?? 0, ok: dropped === 0 && achieved >= rate * 0.99 };
}

async function highestRate(asyncOp: boolean): Promise<{ best: number; trials: RateTrial[] }> {
  const trials: RateTrial[] = [];
  let best = 0;
  // Doubling, then one step back up by half: bounded at ~10 one-second trials.
  let rate = 25_000;
  while (rate <= 6_400_000) {
    const t = await openLoopTrial(rate, asyncOp, 1_000_000);
    trials.push(t);
    if (!t.ok) break;
    best = rate;
    rate *= 2;
  }
  if (best > 0) {
    const t = await openLoopTrial(best * 1.5, asyncOp, 1_000_000);
    trials.push(t);
    if (t.ok) best = best * 1.5;
  }
  return { best, trials };
}

async function main(): Promise<void> {
  const clock = new RealClock();
  // Warm the JIT on every path before timing any of them.
  bareLoop();
  loopWithClock(clock);
  loopWithRecorder(clock);
  await closedLoop(clock);
  const bare: number[] = [];
  const withClock: number[] = [];
  const withRecorder: number[] = [];
  const closed: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    bare.push(bareLoop());
    withClock.push(loopWithClock(clock));
    withRecorder.push(loopWithRecorder(clock));
    closed.push(await closedLoop(clock));
  }
  const added = median(closed) - median(bare);

  console.log(`Machine: ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)}; ${ROUNDS} rounds of ${N.toLocaleString('en-US')} operations, medians of CPU time.\n`);
  console.log('### Closed loop: harness cost per operation (synchronous no-op)\n');
  console.log('| loop | ns/op | added over bare loop |');
  console.log('|---|---:|---:|');
  console.log(`| bare loop calling the no-op | ${median(bare).toFixed(1)} | — |`);
  console.log(`| + two clock reads (performance.now) | ${median(withClock).toFixed(1)} | ${(median(withClock) - median(bare)).toFixed(1)} |`);
  console.log(`| + Recorder.record (HdrHistogram, reservoir, window) | ${median(withRecorder).toFixed(1)} | ${(median(withRecorder) - median(bare)).toFixed(1)} |`);
  console.log(`| runClosedLoop (everything) | ${median(closed).toFixed(1)} | **${added.toFixed(1)}** |`);
  console.log(`\nHarness cost: **${added.toFixed(0)} ns per operation** (goal ≤ 100 ns: ${added <= 100 ? 'met' : 'NOT met'}).\n`);

  console.log('### Open loop: highest arrival rate sustained on one core (no drops, achieved ≥ 99 % of intended)\n');
  console.log('| target | intended/s | achieved/s | dropped | CPU ns/op | start lag p99 | sustained |');
  console.log('|---|---:|---:|---:|---:|---:|---|');
  const results: Array<[string, number]> = [];
  for (const [label, asyncOp] of [
    ['sync no-op', false],
    ['async no-op (promise)', true],
  ] as const) {
    const { best, trials } = await highestRate(asyncOp);
    for (const t of trials) console.log(`| ${label} | ${Math.round(t.rate).toLocaleString('en-US')} | ${Math.round(t.achieved).toLocaleString('en-US')} | ${t.dropped.toLocaleString('en-US')} | ${Math.round(t.cpuNsPerOp)} | ${(t.lagP99Us / 1000).toFixed(1)} ms | ${t.ok ? 'yes' : 'no'} |`);
    results.push([label, best]);
  }
  console.log('');
  for (const [label, best] of results) console.log(`Highest sustained open-loop rate, ${label}: **${Math.round(best).toLocaleString('en-US')}/s**`);
  if (sink === 0) fail('no-op never ran');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
