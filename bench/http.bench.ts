/**
 * swarmperf's HTTP load engine side by side with autocannon and wrk, in one run, against the same
 * local Node HTTP server running in its own process (pinned to its own core when taskset exists):
 *
 * 1. Throughput: closed loop, 10 connections, each tool for the same time, two alternating rounds.
 *    Reported: requests/s per tool and the ratio ours / autocannon (goal ≥ 1.0×).
 * 2. Stall: a server that blocks its event loop for 1 s once, 2 s into the run. Ours (open loop at
 *    a fixed rate, latency from the intended start) against autocannon and wrk (closed loop) and
 *    autocannon at a fixed rate (-R). Reported: p50/p90/p99/max per tool — whether the stall shows.
 *
 * Invariant checked while measuring: the server's own request count equals what swarmperf recorded
 * (a load tool that loses requests is fast and wrong).
 *
 *   npm run build && node --import tsx bench/http.bench.ts
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(root, 'bin', 'swarmperf.js');
const AUTOCANNON = join(root, 'node_modules', 'autocannon', 'autocannon.js');
const CONNECTIONS = 10;
const THROUGHPUT_SECONDS = 5;
const STALL_SECONDS = 6;
const STALL_RATE = 1000;
const work = mkdtempSync(join(tmpdir(), 'swarmperf-bench-http-'));
const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
const hasWrk = spawnSync('wrk', ['--version']).error === undefined;

/** The server: answers "hello world"; with STALL_AFTER_MS blocks its event loop 1 s once. */
const SERVER = `
import http from 'node:http';
const stallAfterMs = Number(process.env.STALL_AFTER_MS || 0);
let first = 0, stalled = false, count = 0;
const cell = new Int32Array(new SharedArrayBuffer(4));
const server = http.createServer((req, res) => {
  count++;
  if (stallAfterMs > 0 && !stalled) {
    const now = Date.now();
    if (first === 0) first = now;
    else if (now - first >= stallAfterMs) { stalled = true; Atomics.wait(cell, 0, 0, 1000); }
  }
  res.end('hello world');
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
process.on('message', () => process.send({ count }));
process.on('SIGTERM', () => process.exit(0));
`;

interface Server {
  url: string;
  child: ChildProcess;
  count(): Promise<number>;
  stop(): void;
}

function pinned(core: number, cmd: string, args: string[]): [string, string[]] {
  return hasTaskset ? ['taskset', ['-c', String(core), cmd, ...args]] : [cmd, args];
}

async function startServer(stallAfterMs = 0): Promise<Server> {
  const [cmd, args] = pinned(0, process.execPath, ['--input-type=module', '-e', SERVER]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit', 'ipc'], env: { ...process.env, STALL_AFTER_MS: String(stallAfterMs) } });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}/hello`,
    child,
    count: () =>
      new Promise((resolve) => {
        child.once('message', (m: { count: number }) => resolve(m.count));
        child.send('count');
      }),
    stop: () => child.kill('SIGTERM'),
  };
}

interface ToolRun {
  tool: string;
  mode: string;
  requests: number;
  rps: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  note?: string;
}

function run(cmd: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const [c, a] = pinned(1, cmd, args);
  const child = spawn(c, a, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
}

let seq = 0;
async function swarmperf(server: Server, loadArgs: string[], mode: string): Promise<ToolRun> {
  const out = join(work, `r${seq++}.json`);
  const before = await server.count();
  const r = await run(process.execPath, [CLI, 'load', server.url, ...loadArgs, '--warmup', '0s', '--json', out, '--quiet', '--no-history', '--data-dir', work]);
  if (!existsSync(out)) throw new Error(`swarmperf load failed (${r.status}): ${r.stderr}`);
  const result = JSON.parse(readFileSync(out, 'utf8')) as {
    suites: Array<{ operations: Array<{ count: number; errors: number; dropped: number; throughput: number; latencyUs: Record<string, number> }> }>;
  };
  const op = result.suites[0]!.operations[0]!;
  const served = (await server.count()) - before;
  if (served !== op.count) throw new Error(`INVARIANT BROKEN: server answered ${served} requests, swarmperf recorded ${op.count}`);
  const l = op.latencyUs;
  return {
    tool: 'swarmperf load',
    mode,
    requests: op.count,
    rps: op.throughput,
    p50Ms: l.p50! / 1000,
    p90Ms: l.p90! / 1000,
    p99Ms: l.p99! / 1000,
    maxMs: l.max! / 1000,
    note: `server count = recorded count ✓${op.dropped ? `, ${op.dropped} dropped` : ''}${op.errors ? `, ${op.errors} errors` : ''}`,
  };
}

async function autocannon(server: Server, args: string[], mode: string, seconds: number): Promise<ToolRun> {
  const r = await run(process.execPath, [AUTOCANNON, '-c', String(CONNECTIONS), '-d', String(seconds), '-j', ...args, server.url]);
  const j = JSON.parse(r.stdout) as { requests: { total: number }; duration: number; latency: Record<string, number>; errors: number; non2xx: number };
  return {
    tool: 'autocannon 9',
    mode,
    requests: j.requests.total,
    rps: j.requests.total / j.duration,
    p50Ms: j.latency.p50!,
    p90Ms: j.latency.p90!,
    p99Ms: j.latency.p99!,
    maxMs: j.latency.max!,
    ...(j.errors || j.non2xx ? { note: `${j.errors} errors, ${j.non2xx} non-2xx` } : {}),
  };
}

function wrkMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(text);
  if (!m) return NaN;
  return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
}

async function wrk(server: Server, mode: string, seconds: number): Promise<ToolRun> {
  const r = await run('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', server.url]);
  const pct = (p: string): number => wrkMs(new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(r.stdout)?.[1] ?? '');
  const total = Number(/(\d+) requests in/.exec(r.stdout)?.[1]);
  return {
    tool: 'wrk 4.1',
    mode,
    requests: total,
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1]),
    p50Ms: pct('50'),
    p90Ms: pct('90'),
    p99Ms: pct('99'),
    maxMs: wrkMs(/Latency\s+\S+\s+\S+\s+(\S+)/.exec(r.stdout)?.[1] ?? ''),
  };
}

const f = (x: number, d = 2): string => (Number.isFinite(x) ? x.toFixed(d) : '—');
function table(rows: ToolRun[]): void {
  console.log('| tool | mode | requests | req/s | p50 ms | p90 ms | p99 ms | max ms | note |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---|');
  for (const r of rows) {
    console.log(`| ${r.tool} | ${r.mode} | ${r.requests.toLocaleString('en-US')} | ${Math.round(r.rps).toLocaleString('en-US')} | ${f(r.p50Ms)} | ${f(r.p90Ms)} | ${f(r.p99Ms)} | ${f(r.maxMs)} | ${r.note ?? ''} |`);
  }
}

async function main(): Promise<void> {
  if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) throw new Error('build first: npm run build');
  console.log(
    `Machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}, load average ${loadavg()[0]!.toFixed(1)} at start; ` +
      `server ${hasTaskset ? 'pinned to core 0, clients to core 1' : 'unpinned (no taskset)'}; ${hasWrk ? 'wrk found' : 'wrk NOT installed (skipped)'}.\n`,
  );

  console.log(`### Throughput: closed loop, ${CONNECTIONS} connections, ${THROUGHPUT_SECONDS} s each, two alternating rounds\n`);
  const server = await startServer();
  const rows: ToolRun[] = [];
  try {
    for (let round = 1; round <= 2; round++) {
      rows.push(await swarmperf(server, ['--concurrency', String(CONNECTIONS), '--duration', `${THROUGHPUT_SECONDS}s`], `closed, c=${CONNECTIONS}, round ${round}`));
      rows.push(await autocannon(server, [], `closed, c=${CONNECTIONS}, round ${round}`, THROUGHPUT_SECONDS));
      if (hasWrk) rows.push(await wrk(server, `closed, c=${CONNECTIONS}, round ${round}`, THROUGHPUT_SECONDS));
    }
  } finally {
    server.stop();
  }
  table(rows);
  const mean = (tool: string): number => {
    const r = rows.filter((x) => x.tool === tool);
    return r.reduce((a, x) => a + x.rps, 0) / r.length;
  };
  const ours = mean('swarmperf load');
  const ac = mean('autocannon 9');
  console.log(`\nMean req/s: swarmperf ${Math.round(ours).toLocaleString('en-US')}, autocannon ${Math.round(ac).toLocaleString('en-US')}` + (hasWrk ? `, wrk ${Math.round(mean('wrk 4.1')).toLocaleString('en-US')}` : ''));
  console.log(`**Ratio swarmperf / autocannon: ${(ours / ac).toFixed(2)}×** (goal ≥ 1.0×)` + (hasWrk ? ` · swarmperf / wrk: ${(ours / mean('wrk 4.1')).toFixed(2)}×` : ''));

  console.log(`\n### Stall: the server blocks for 1 s once, 2 s into a ${STALL_SECONDS} s run (fresh server per tool)\n`);
  const stallRows: ToolRun[] = [];
  const fresh = async (fn: (s: Server) => Promise<ToolRun>): Promise<void> => {
    const s = await startServer(2000);
    try {
      stallRows.push(await fn(s));
    } finally {
      s.stop();
    }
  };
  await fresh((s) => swarmperf(s, ['--rate', String(STALL_RATE), '--duration', `${STALL_SECONDS}s`], `open loop, ${STALL_RATE}/s (from intended start)`));
  await fresh((s) => autocannon(s, [], `closed, c=${CONNECTIONS}`, STALL_SECONDS));
  await fresh((s) => autocannon(s, ['-R', String(STALL_RATE)], `fixed rate -R ${STALL_RATE}, c=${CONNECTIONS}`, STALL_SECONDS));
  if (hasWrk) await fresh((s) => wrk(s, `closed, c=${CONNECTIONS}`, STALL_SECONDS));
  await fresh((s) => swarmperf(s, ['--concurrency', String(CONNECTIONS), '--duration', `${STALL_SECONDS}s`], `closed, c=${CONNECTIONS} (service time)`));
  table(stallRows);
  console.log(
    '\nA 1 s stall in a 6 s run delays every request that arrives during it: about 1/6 of the requests at a fixed arrival rate. ' +
      'A tool that measures from the intended start shows it at p90/p99; a closed-loop tool stops sending while the server is stuck, so only its ' +
      `${CONNECTIONS} in-flight requests see the stall and its percentiles hide it.`,
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
