/**
 * Dashboard at scale: a history of 10,000 runs and a tool-timing store of about 1 M calls, served by
 * the real dashboard server in this process; each page's API request timed from the client side
 * (5 times after one warm-up: min / median / max). Goals: overview < 1 s, one metric's trend over
 * every run < 300 ms. Sizes can be lowered for a quick look:
 * `DASHBOARD_RUNS=1000 DASHBOARD_CALLS=100000 npm run bench -- dashboard`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HistoryStore } from '../src/results/history/store.js';
import { startDashboard } from '../src/report/dashboard/server.js';
import { writeSyntheticToolLog } from '../src/timings/synthetic.js';
import type { RunResult } from '../src/core/result.js';
import { Recorder } from '../src/measure/recorder.js';
import { Rng } from '../src/measure/rng.js';

const RUNS = Number(process.env.DASHBOARD_RUNS ?? 10_000);
const CALLS = Number(process.env.DASHBOARD_CALLS ?? 1_000_000);
const REPEATS = 5;
const BIN = fileURLToPath(new URL('../bin/swarmperf.js', import.meta.url));

/** One real recorded suite (real encoded histograms), copied into every run with its own id, date and level. */
function template(): RunResult {
  const recorder = new Recorder({ startUs: 0, intervalUs: 1_000_000 });
  const rng = new Rng(7);
  for (let i = 0; i < 3000; i++) {
    for (const op of ['create', 'claim', 'complete']) recorder.record(op, Math.round(200 + rng.exponential(300)), i * 3000);
  }
  const ops = recorder.finish(10_000_000);
  return {
    schemaVersion: 1,
    id: 'template',
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:10.000Z',
    partial: false,
    env: { node: process.version, os: 'linux', arch: 'x64', cpuModel: 'bench', cores: 2, memoryBytes: 1, hostname: 'bench', swarmperfVersion: '0' },
    config: { command: 'run', backend: 'sqlite', agents: 4, seed: 1 },
    suites: [{ name: 'tasks', backend: 'sqlite', operations: ops.operations, intervals: ops.intervals, checks: [{ name: 'no double claim', passed: true, detail: '' }], resources: { sampleIntervalMs: 1000, samples: [] } }],
  };
}

function buildHistory(path: string): void {
  const base = template();
  const history = HistoryStore.open(path);
  const start = Date.UTC(2025, 0, 1);
  for (let i = 0; i < RUNS; i++) {
    const run = structuredClone(base);
    run.id = `bench-${String(i).padStart(6, '0')}`;
    run.startedAt = new Date(start + i * 3_600_000).toISOString();
    run.finishedAt = new Date(start + i * 3_600_000 + 10_000).toISOString();
    run.config.backend = i % 4 === 0 ? 'memory' : 'sqlite';
    for (const op of run.suites[0]!.operations) {
      const level = 1 + 0.03 * Math.sin(i) + (i > RUNS / 2 ? 0.2 : 0);
      op.latencyUs.p99 = Math.round(op.latencyUs.p99 * level);
      op.throughput = op.throughput / level;
    }
    history.record(run);
  }
  history.close();
}

function timeGet(port: number, path: string): Promise<{ ms: number; bytes: number; status: number }> {
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, bytes, status: res.statusCode ?? 0 }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'swarmperf-dashboard-bench-'));
  try {
    let t = Date.now();
    buildHistory(join(dir, 'history.db'));
    const historySeconds = (Date.now() - t) / 1000;
    t = Date.now();
    // No duplicated hook lines: each line is one call, so the store holds CALLS calls.
    const log = join(dir, 'tools.jsonl');
    const truth = writeSyntheticToolLog(log, { bytes: CALLS * 230, duplicateRate: 0, gapMs: 40 });
    execFileSync(process.execPath, [BIN, 'tools', 'ingest', log, '--data-dir', dir], { stdio: 'ignore' });
    rmSync(log);
    const toolSeconds = (Date.now() - t) / 1000;
    const dashboard = await startDashboard({ dataDir: dir, historyPath: join(dir, 'history.db'), host: '127.0.0.1', port: 0 });
    const pages: Array<[string, string, number]> = [
      ['overview', '/api/overview', 1000],
      ['trend of one metric, every run', '/api/series?metric=tasks.claim.p99', 300],
      ['tools, default window', '/api/tools', 1000],
      ['/metrics', '/metrics', 1000],
    ];
    console.log(`history: ${RUNS.toLocaleString('en-US')} runs (built in ${historySeconds.toFixed(1)} s); tool store: ${truth.distinctCalls.toLocaleString('en-US')} calls (written and ingested in ${toolSeconds.toFixed(1)} s); load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
    console.log('| request | first (cold) ms | then min ms | median ms | max ms | bytes | goal (median) |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | --- |');
    for (const [name, path, goal] of pages) {
      // The first request computes what later ones reuse (a trend's change points are cached until the series grows).
      const first = await timeGet(dashboard.port, path);
      const times: number[] = [];
      let bytes = 0;
      for (let i = 0; i < REPEATS; i++) {
        const r = await timeGet(dashboard.port, path);
        if (r.status !== 200) throw new Error(`${path}: HTTP ${r.status}`);
        times.push(r.ms);
        bytes = r.bytes;
      }
      times.sort((a, b) => a - b);
      const median = times[Math.floor(times.length / 2)] as number;
      console.log(`| ${name} | ${first.ms.toFixed(0)} | ${times[0]!.toFixed(0)} | ${median.toFixed(0)} | ${times[times.length - 1]!.toFixed(0)} | ${bytes.toLocaleString('en-US')} | < ${goal} ms ${median < goal ? 'met' : 'NOT met'} |`);
    }
    console.log(`\nload average after: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    await dashboard.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
