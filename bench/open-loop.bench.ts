/**
 * Open loop against closed loop at the same request rate: CPU per request of swarmperf's own
 * process and the connections each opens, side by side, against one local HTTP server running in
 * its own process (pinned to core 0 when taskset exists; the bench process to core 1).
 *
 * For each rate: a paced closed loop (10 workers, each waiting for its previous request to end and
 * then for its next slot on a fixed schedule, as autocannon -R does; the same timer-based sleeping
 * as the open loop) and the open loop (arrivals at the rate, default --max-in-flight 256) alternate,
 * REPEATS times.
 * CPU is this process's user+system time over the measured phase (process.cpuUsage), divided by the
 * requests completed. Reported per rate: min/median/max µs per request for each model, the
 * open/closed ratio per repeat (goal ≤ 1.2×), peak connections and peak in flight.
 *
 * Invariant checked while measuring: the server's request count grows by exactly what was recorded.
 *
 *   npm run bench -- open-loop
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { constantRate, DEFAULT_MAX_IN_FLIGHT, runOpenLoop } from '../src/load/open-loop.js';
import type { LoadOutcome } from '../src/load/types.js';
import { RealClock } from '../src/measure/clock.js';
import { Recorder } from '../src/measure/recorder.js';
import { HttpTarget } from '../src/targets/http/target.js';
import { parseRequestSpec } from '../src/targets/http/request-spec.js';

const RATES = (process.env.OPEN_LOOP_RATES ?? '1000,5000').split(',').map(Number);
const REPEATS = Number(process.env.OPEN_LOOP_REPEATS ?? 3);
const SECONDS = Number(process.env.OPEN_LOOP_SECONDS ?? 3);
const WORKERS = 10;
const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

const SERVER = `
import http from 'node:http';
let count = 0, connections = 0;
const server = http.createServer((req, res) => { count++; res.end('hello world'); });
server.on('connection', () => connections++);
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
process.on('message', () => process.send({ count, connections }));
process.on('SIGTERM', () => process.exit(0));
`;

interface Server {
  url: string;
  child: ChildProcess;
  count(): Promise<{ count: number; connections: number }>;
}

async function startServer(): Promise<Server> {
  const args = ['--input-type=module', '-e', SERVER];
  const child = hasTaskset ? spawn('taskset', ['-c', '0', process.execPath, ...args], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] }) : spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}/hello`,
    child,
    count: () =>
      new Promise((resolve) => {
        child.once('message', (m: { count: number; connections: number }) => resolve(m));
        child.send('count');
      }),
  };
}

interface Sample {
  model: 'closed' | 'open';
  rate: number;
  requests: number;
  achieved: number;
  cpuUsPerRequest: number;
  peakConnections: number;
  peakInFlight: number;
}

async function measure(server: Server, model: 'closed' | 'open', rate: number): Promise<Sample> {
  const spec = parseRequestSpec({ url: server.url, timeoutUs: 10_000_000 });
  const target = new HttpTarget(spec, { connections: model === 'open' ? DEFAULT_MAX_IN_FLIGHT : WORKERS });
  const clock = new RealClock();
  const signal = new AbortController().signal;
  const before = await server.count();
  const recorder = new Recorder({ startUs: clock.nowUs(), intervalUs: 1_000_000 });
  const cpu0 = process.cpuUsage();
  const out: LoadOutcome & { peakInFlight?: number } =
    model === 'open'
      ? await runOpenLoop(target.workload(), { schedule: constantRate(rate), durationUs: SECONDS * 1e6, maxInFlight: DEFAULT_MAX_IN_FLIGHT, maxLagUs: 1_000_000 }, { clock, recorder, signal })
      : await pacedClosedLoop(target, rate, clock, recorder);
  const cpu = process.cpuUsage(cpu0);
  const result = recorder.finish(out.endUs);
  await target.close();
  const requests = result.operations.reduce((n, o) => n + o.count, 0);
  const after = await server.count();
  const served = after.count - before.count;
  if (served !== requests) throw new Error(`${model} ${rate}/s: the server answered ${served} requests, ${requests} were recorded`);
  return {
    model,
    rate,
    requests,
    achieved: requests / (result.durationUs / 1e6),
    cpuUsPerRequest: (cpu.user + cpu.system) / Math.max(1, requests),
    // Counted by the server: every TCP connection the client opened during the run.
    peakConnections: after.connections - before.connections,
    peakInFlight: out.peakInFlight ?? WORKERS,
  };
}

/** WORKERS closed-loop workers, worker w sending its k-th request no sooner than (k·WORKERS + w)/rate. */
async function pacedClosedLoop(target: HttpTarget, rate: number, clock: RealClock, recorder: Recorder): Promise<LoadOutcome> {
  const origin = recorder.startUs;
  const end = origin + SECONDS * 1e6;
  let issued = 0;
  const worker = async (w: number): Promise<void> => {
    for (let k = 0; ; k++) {
      const at = origin + ((k * WORKERS + w) * 1e6) / rate;
      if (at >= end) return;
      await clock.sleepUntil(at);
      const start = clock.nowUs();
      issued++;
      try {
        await target.request();
        const done = clock.nowUs();
        recorder.record('GET', done - start, done);
      } catch {
        const done = clock.nowUs();
        recorder.recordError('GET', 'error', done - start, done);
      }
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
  return { endUs: clock.nowUs(), aborted: false, issued };
}

const stats = (xs: number[]): { min: number; median: number; max: number } => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0] ?? NaN, median: s[Math.floor(s.length / 2)] ?? NaN, max: s[s.length - 1] ?? NaN };
};
const f1 = (x: number): string => x.toFixed(1);
const f2 = (x: number): string => x.toFixed(2);

async function main(): Promise<void> {
  if (hasTaskset) spawnSync('taskset', ['-cp', '1', String(process.pid)]);
  console.log(`Machine: ${cpus().length} cores, Node ${process.version}; server ${hasTaskset ? 'pinned to core 0, bench to core 1' : 'unpinned'}; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} at start.\n`);
  const server = await startServer();
  try {
    console.log(`| rate | model | CPU µs/request min / median / max | achieved/s (median) | connections opened (max) | peak in flight (max) | open/closed CPU ratio min / median / max |`);
    console.log(`| ---: | --- | --- | ---: | ---: | ---: | --- |`);
    for (const rate of RATES) {
      const closed: Sample[] = [];
      const open: Sample[] = [];
      for (let i = 0; i < REPEATS; i++) {
        // Alternate the order so drift (a neighbour's load) hits both models alike.
        if (i % 2 === 0) {
          closed.push(await measure(server, 'closed', rate));
          open.push(await measure(server, 'open', rate));
        } else {
          open.push(await measure(server, 'open', rate));
          closed.push(await measure(server, 'closed', rate));
        }
      }
      const ratios = stats(open.map((o, i) => o.cpuUsPerRequest / (closed[i] as Sample).cpuUsPerRequest));
      for (const [name, xs] of [['closed', closed], ['open', open]] as const) {
        const c = stats(xs.map((x) => x.cpuUsPerRequest));
        console.log(
          `| ${rate}/s | ${name}${name === 'closed' ? ` (paced, c=${WORKERS})` : ` (max in flight ${DEFAULT_MAX_IN_FLIGHT})`} | ${f1(c.min)} / ${f1(c.median)} / ${f1(c.max)} | ${Math.round(stats(xs.map((x) => x.achieved)).median)} | ${Math.max(...xs.map((x) => x.peakConnections))} | ${Math.max(...xs.map((x) => x.peakInFlight))} | ${name === 'open' ? `${f2(ratios.min)} / ${f2(ratios.median)} / ${f2(ratios.max)}` : ''} |`,
        );
      }
    }
    console.log(`\n${REPEATS} repeats × ${SECONDS} s per model and rate; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} at the end.`);
  } finally {
    server.child.kill('SIGTERM');
  }
}

await main();
