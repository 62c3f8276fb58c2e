/**
 * What `--profile` costs: the same run with and without the CPU profiler, interleaved (A B A B …)
 * so the machine's neighbours weigh on both alike, each pair reported as a ratio of throughput
 * (operations per second over all operations of the run). Two workloads: `tasks` with 2 forked
 * agents on sqlite (every agent profiles itself) and `selftest` (in-process, the main process's
 * profiler only). A profiled run counts only if its profiles were written, one per process.
 * Beside the measured ratio: the estimate each profiled run records of itself
 * (RunResult.profiles.overhead.workRatio, a calibration after the run), to show how far the
 * per-run figure can be trusted.
 *
 * `npm run bench -- profile-overhead` (needs dist/). PROFILE_BENCH_REPEATS=N (default 3, at least 3),
 * PROFILE_BENCH_DURATION (default 2s), PROFILE_BENCH_INTERVAL (default 1ms, the --profile default).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from '../src/measure/stats.js';
import type { RunResult } from '../src/core/result.js';

const BIN = fileURLToPath(new URL('../bin/swarmperf.js', import.meta.url));
const REPEATS = Math.max(3, Number(process.env.PROFILE_BENCH_REPEATS ?? 3));
const DURATION = process.env.PROFILE_BENCH_DURATION ?? '2s';
const INTERVAL = process.env.PROFILE_BENCH_INTERVAL ?? '1ms';

const WORKLOADS: Array<{ label: string; args: string[]; processes: number }> = [
  { label: 'tasks, 2 agents, sqlite', args: ['tasks', '--agents', '2', '--backend', 'sqlite'], processes: 3 },
  { label: 'selftest (in-process)', args: ['selftest'], processes: 1 },
];

/** One run; its throughput in ops/s over every operation, and the number of profiles it wrote. */
function runOnce(args: string[], profile: boolean): { opsPerSec: number; profiles: number; calibrated?: number } {
  const dir = mkdtempSync(join(tmpdir(), 'swarmperf-profile-bench-'));
  try {
    const out = join(dir, 'r.json');
    const extra = profile ? ['--profile', '--profile-interval', INTERVAL] : [];
    const r = spawnSync(process.execPath, [BIN, 'run', ...args, '--duration', DURATION, '--warmup', '0.5s', '--seed', '1', '--json', out, '--data-dir', dir, '--no-history', '--quiet', ...extra], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`swarmperf run ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    const result = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
    const count = result.suites.flatMap((s) => s.operations).reduce((a, o) => a + o.count, 0);
    const calibrated = result.profiles?.overhead?.workRatio?.median;
    return { opsPerSec: count / (Number(result.config.durationUs) / 1e6), profiles: result.profiles?.processes.length ?? 0, ...(calibrated !== undefined ? { calibrated } : {}) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (v: number): string => v.toFixed(0);
const stats = (xs: number[]): string => `${Math.min(...xs).toFixed(3)} / ${median(xs).toFixed(3)} / ${Math.max(...xs).toFixed(3)}`;

console.log(`load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')} · ${REPEATS} interleaved pairs · --duration ${DURATION} · --profile-interval ${INTERVAL}\n`);
console.log('| workload | ops/s without (median) | ops/s with --profile (median) | ratio with/without min / median / max | recorded estimate (profiles.overhead.workRatio median) min / median / max |');
console.log('|---|---:|---:|---:|---:|');
let bad = 0;
for (const w of WORKLOADS) {
  const off: number[] = [];
  const on: number[] = [];
  const ratios: number[] = [];
  const calibrated: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    // Alternate which goes first, so warming the page cache or the JIT favours neither.
    const pair = i % 2 === 0 ? [false, true] : [true, false];
    const got: Record<string, number> = {};
    for (const profile of pair) {
      const r = runOnce(w.args, profile);
      if (profile && r.profiles !== w.processes) {
        console.error(`${w.label}: expected ${w.processes} profiles, got ${r.profiles}`);
        bad++;
      }
      got[String(profile)] = r.opsPerSec;
      if (profile && r.calibrated !== undefined) calibrated.push(r.calibrated);
    }
    off.push(got.false as number);
    on.push(got.true as number);
    ratios.push((got.true as number) / (got.false as number));
  }
  console.log(`| ${w.label} | ${fmt(median(off))} | ${fmt(median(on))} | ${stats(ratios)} | ${calibrated.length > 0 ? stats(calibrated) : '—'} |`);
}
console.log(`\nload average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
process.exit(bad > 0 ? 1 : 0);
