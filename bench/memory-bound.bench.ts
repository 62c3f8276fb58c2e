/**
 * Bounded memory in long runs: peak RSS of `swarmperf run <suite> --backend memory` for a short and
 * a long duration (default 60 s and 180 s; the goal is stated for 60 s vs 600 s:
 * `BENCH_MEMORY_DURATIONS=60,600 npm run bench -- memory-bound`), for the suites in
 * BENCH_MEMORY_SUITES (default tasks; any of tasks, bus, registry, election, memory). Goal: the
 * peaks differ by < 20 % and both stay < 300 MB, with every invariant checked over every operation
 * (the checks must pass and count what they checked). Each run is the built CLI in its own process
 * (the memory backend runs its agents in that process); peak RSS is the kernel's high-water mark
 * (VmHWM), read until it exits. The bus publishes at 5,000 messages/s per agent, 25× its default,
 * so what a subscriber keeps per message would show.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunResult } from '../src/core/result.js';

const CLI = fileURLToPath(new URL('../bin/swarmperf.js', import.meta.url));
const durations = (process.env.BENCH_MEMORY_DURATIONS ?? '60,180').split(',').map((s) => Number(s.trim()));
const suites = (process.env.BENCH_MEMORY_SUITES ?? 'tasks').split(',').map((s) => s.trim());

/** Per suite: extra flags, and the metric that counts what the invariants checked. */
const SUITES: Record<string, { args: string[]; checked: string; label: string }> = {
  tasks: { args: [], checked: 'claims', label: 'claims checked' },
  bus: { args: ['--publish-rate', '5000'], checked: 'expectedDeliveries', label: 'deliveries checked' },
  registry: { args: [], checked: 'registered', label: 'agents registered' },
  election: { args: [], checked: 'leaderships', label: 'leaderships checked' },
  memory: { args: [], checked: 'keys', label: 'keys' },
};
const GOAL_RATIO = 1.2;
const GOAL_BYTES = 300e6;

interface Outcome {
  suite: string;
  durationS: number;
  peakRssBytes: number;
  ops: number;
  checked: number;
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

async function runOnce(suite: string, durationS: number): Promise<Outcome> {
  const spec = SUITES[suite];
  if (!spec) throw new Error(`BENCH_MEMORY_SUITES: unknown suite "${suite}" (one of ${Object.keys(SUITES).join(', ')})`);
  const dir = mkdtempSync(join(tmpdir(), 'swarmperf-bench-mem-'));
  const out = join(dir, 'r.json');
  const args = ['run', suite, ...spec.args, '--backend', 'memory', '--duration', `${durationS}s`, '--warmup', '1s', '--interval', '5s', '--seed', '1', '--no-history', '--quiet', '--data-dir', dir, '--json', out];
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  let peak = 0;
  const poll = setInterval(() => {
    const v = child.pid !== undefined ? vmHwmBytes(child.pid) : undefined;
    if (v !== undefined && v > peak) peak = v;
  }, 250);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearInterval(poll);
  if (code !== 0 && code !== 1) throw new Error(`${suite} run of ${durationS} s exited with ${code}`);
  const result = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
  rmSync(dir, { recursive: true, force: true });
  const suiteResult = result.suites[0];
  if (!suiteResult) throw new Error('no suite in the result');
  return {
    suite,
    durationS,
    peakRssBytes: peak,
    ops: suiteResult.operations.reduce((s, op) => s + op.count, 0),
    checked: suiteResult.metrics?.[spec.checked] ?? 0,
    checks: suiteResult.checks.filter((c) => !c.passed).map((c) => `✗ ${c.name}: ${c.detail}`).join('; '),
    allPassed: suiteResult.checks.every((c) => c.passed),
  };
}

let allMet = true;
for (const suite of suites) {
  const outcomes: Outcome[] = [];
  for (const d of durations) outcomes.push(await runOnce(suite, d));
  const label = SUITES[suite]?.label ?? 'checked';
  console.log(`\n### ${suite}\n`);
  console.log(`| duration | peak RSS | operations | ops/s | ${label} | checks |`);
  console.log('|---|---|---|---|---|---|');
  for (const o of outcomes) {
    console.log(`| ${o.durationS} s | ${(o.peakRssBytes / 1e6).toFixed(0)} MB | ${o.ops} | ${(o.ops / o.durationS).toFixed(0)} | ${o.checked} | ${o.allPassed ? 'all passed' : o.checks} |`);
  }
  const peaks = outcomes.map((o) => o.peakRssBytes);
  const ratio = Math.max(...peaks) / Math.min(...peaks);
  const ok = ratio < GOAL_RATIO && peaks.every((p) => p < GOAL_BYTES) && outcomes.every((o) => o.allPassed);
  allMet &&= ok;
  console.log(`\n${suite}: peak RSS ratio longest/shortest ${ratio.toFixed(2)} (goal < ${GOAL_RATIO}), largest ${(Math.max(...peaks) / 1e6).toFixed(0)} MB (goal < ${GOAL_BYTES / 1e6} MB): ${ok ? 'met' : 'NOT met'}`);
}
console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' / ')}`);
if (!allMet) process.exitCode = 1;
