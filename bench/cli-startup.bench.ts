/**
 * CLI start-up: `swarmperf --version`, `--help`, a small command's help (`memory --help`) and
 * `run --help` (which loads the suites through the composition root), side by side with a bare
 * `node -e 0`, interleaved, each repeated. Goal (issue: speed where users wait): --version and
 * --help under 2× node -e 0, in CPU time and wall time. Each command's output is checked, so a
 * fast answer that printed nothing does not count.
 *
 * `npm run bench -- cli-startup` (needs dist/; `npm run bench` builds it). CLI_BENCH_REPEATS=N
 * changes the repeat count (default 7); CLI_BENCH_BASELINE=<other checkout>/bin/swarmperf.js adds
 * that build's --version and --help to the same interleaved rounds (before/after a change).
 *
 * The goal is judged on CPU time: on a shared machine wall time mostly measures the neighbours.
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from '../src/measure/stats.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin/swarmperf.js');
const REPEATS = Math.max(3, Number(process.env.CLI_BENCH_REPEATS ?? 7));

interface Case {
  label: string;
  args: string[];
  /** What the output must contain for the run to count. */
  expect: RegExp;
}

const CASES: Case[] = [
  { label: 'node -e 0', args: ['-e', '0'], expect: /^$/ },
  { label: 'swarmperf --version', args: [BIN, '--version'], expect: /^\d+\.\d+\.\d+/ },
  { label: 'swarmperf --help', args: [BIN, '--help'], expect: /Commands:[\s\S]*mcp-bench/ },
  { label: 'swarmperf memory --help', args: [BIN, 'memory', '--help'], expect: /retrieve/ },
  { label: 'swarmperf run --help', args: [BIN, 'run', '--help'], expect: /--publish-rate/ },
];
const BASELINE = process.env.CLI_BENCH_BASELINE;
if (BASELINE) {
  CASES.push({ label: 'baseline --version', args: [BASELINE, '--version'], expect: /^\d+\.\d+\.\d+/ }, { label: 'baseline --help', args: [BASELINE, '--help'], expect: /Commands:/ });
}

interface Sample {
  wall: number;
  cpu: number;
  rssMb: number;
}

/** One run under /usr/bin/time: wall and CPU seconds, peak RSS; the output checked. */
function measure(c: Case): Sample {
  const r = spawnSync('/usr/bin/time', ['-f', '__TIME__ %e %U %S %M', process.execPath, ...c.args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${c.label}: exit ${r.status}: ${r.stderr}`);
  if (!c.expect.test(r.stdout)) throw new Error(`${c.label}: unexpected output ${JSON.stringify(r.stdout.slice(0, 200))}`);
  const line = r.stderr.split('\n').find((l) => l.startsWith('__TIME__'));
  if (!line) throw new Error(`${c.label}: /usr/bin/time printed nothing (is GNU time installed?)`);
  const [, wall, user, sys, rssKb] = line.split(' ').map(Number) as [number, number, number, number, number];
  return { wall, cpu: user + sys, rssMb: rssKb / 1024 };
}

const loadBefore = loadavg()[0]!;
const samples = new Map<string, Sample[]>(CASES.map((c) => [c.label, []]));
// Interleaved rounds: a burst of load on the shared machine hits every case alike.
for (let round = 0; round < REPEATS; round++) for (const c of CASES) samples.get(c.label)!.push(measure(c));
const loadAfter = loadavg()[0]!;

const stat = (xs: number[]): { min: number; med: number; max: number } => ({ min: Math.min(...xs), med: median(xs), max: Math.max(...xs) });
const base = samples.get('node -e 0')!;
const baseWall = median(base.map((s) => s.wall));
const baseCpu = median(base.map((s) => s.cpu));
const ms = (s: number): string => `${Math.round(s * 1000)}`;

console.log(`Machine: ${cpus().length} cores, Node ${process.version}; load average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after; ${REPEATS} interleaved rounds.\n`);
console.log('| command | wall ms min / median / max | CPU ms min / median / max | peak RSS MB (median) | wall ÷ node -e 0 (median) | CPU ÷ node -e 0 (median) |');
console.log('|---|---|---|---|---|---|');
let failed = false;
for (const c of CASES) {
  const xs = samples.get(c.label)!;
  const w = stat(xs.map((s) => s.wall));
  const u = stat(xs.map((s) => s.cpu));
  const wallRatio = w.med / baseWall;
  const cpuRatio = baseCpu > 0 ? u.med / baseCpu : Number.NaN;
  console.log(`| ${c.label} | ${ms(w.min)} / ${ms(w.med)} / ${ms(w.max)} | ${ms(u.min)} / ${ms(u.med)} / ${ms(u.max)} | ${median(xs.map((s) => s.rssMb)).toFixed(0)} | ${wallRatio.toFixed(2)}× | ${Number.isFinite(cpuRatio) ? `${cpuRatio.toFixed(2)}×` : 'n/a'} |`);
  if ((c.label === 'swarmperf --version' || c.label === 'swarmperf --help') && !(cpuRatio < 2)) failed = true;
}
console.log(`\nGoal: --version and --help under 2× the CPU time of node -e 0 (medians): ${failed ? 'NOT MET' : 'met'}. /usr/bin/time reports CPU in 10 ms steps, so ratios of such short runs are coarse; wall ratios are shown beside them.`);
process.exitCode = failed ? 1 : 0;
