/**
 * Bounded memory in long runs: peak RSS of `swarmperf run tasks --backend memory` for a short and a
 * long duration (default 60 s and 180 s; the goal is stated for 60 s vs 600 s:
 * `BENCH_MEMORY_DURATIONS=60,600 npm run bench -- memory-bound`). Goal: the peaks differ by < 20 %
 * and both stay < 300 MB, with every invariant checked over every operation (the checks must pass
 * and count every claim). Each run is the built CLI in its own process (the memory backend runs its
 * agents in that process); peak RSS is the kernel's high-water mark (VmHWM), read until it exits.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunResult } from '../src/core/result.js';

const CLI = fileURLToPath(new URL('../bin/swarmperf.js', import.meta.url));
const durations = (process.env.BENCH_MEMORY_DURATIONS ?? '60,180').split(',').map((s) => Number(s.trim()));
const GOAL_RATIO = 1.2;
const GOAL_BYTES = 300e6;

interface Outcome {
  durationS: number;
  peakRssBytes: number;
  ops: number;
  claims: number;
  checks: string;
  allPassed: boolean;
}

function vmHwmBytes(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined; // exited between polls
  }
}

async function runOnce(durationS: number): Promise<Outcome> {
  const dir = mkdtempSync(join(tmpdir(), 'swarmperf-bench-mem-'));
  const out = join(dir, 'r.json');
  const args = ['run', 'tasks', '--backend', 'memory', '--duration', `${durationS}s`, '--warmup', '1s', '--interval', '5s', '--seed', '1', '--no-history', '--quiet', '--data-dir', dir, '--json', out];
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  let peak = 0;
  const poll = setInterval(() => {
    const v = child.pid !== undefined ? vmHwmBytes(child.pid) : undefined;
    if (v !== undefined && v > peak) peak = v;
  }, 250);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearInterval(poll);
  if (code !== 0) throw new Error(`run of ${durationS} s exited with ${code}`);
  const result = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
  rmSync(dir, { recursive: true, force: true });
  const suite = result.suites[0];
  if (!suite) throw new Error('no suite in the result');
  return {
    durationS,
    peakRssBytes: peak,
    ops: suite.operations.reduce((s, op) => s + op.count, 0),
    claims: suite.metrics?.claims ?? 0,
    checks: suite.checks.map((c) => `${c.passed ? '✓' : '✗'} ${c.name}`).join('; '),
    allPassed: suite.checks.every((c) => c.passed),
  };
}

const outcomes: Outcome[] = [];
for (const d of durations) outcomes.push(await runOnce(d));
console.log('| duration | peak RSS | operations | ops/s | claims checked | checks |');
console.log('|---|---|---|---|---|---|');
for (const o of outcomes) {
  console.log(`| ${o.durationS} s | ${(o.peakRssBytes / 1e6).toFixed(0)} MB | ${o.ops} | ${(o.ops / o.durationS).toFixed(0)} | ${o.claims} | ${o.allPassed ? 'all passed' : o.checks} |`);
}
const peaks = outcomes.map((o) => o.peakRssBytes);
const ratio = Math.max(...peaks) / Math.min(...peaks);
const ok = ratio < GOAL_RATIO && peaks.every((p) => p < GOAL_BYTES) && outcomes.every((o) => o.allPassed);
console.log(`\npeak RSS ratio longest/shortest ${ratio.toFixed(2)} (goal < ${GOAL_RATIO}), largest ${(Math.max(...peaks) / 1e6).toFixed(0)} MB (goal < ${GOAL_BYTES / 1e6} MB): ${ok ? 'met' : 'NOT met'}`);
if (!ok) process.exitCode = 1;
