/**
 * swarmperf tools: ingest throughput against jq on the same generated log, peak memory at two
 * sizes (it must stay flat), the Claude Code hook's process overhead against a bare `node -e 0`,
 * and the in-process cost of timed() / recordToolTiming().
 *
 * Every figure is checked while measured: the ingest must keep exactly the generator's distinct
 * calls, drop exactly its duplicates and reject nothing; jq must print one line per input line;
 * the hook must write one timing line per Pre/Post pair; the in-process log one line per call.
 *
 * `TOOLS_BENCH_MB=300 node --import tsx bench/tools.bench.ts` (default 200 MB; needs dist/ — run
 * `npm run build` first, as `npm run bench` does — and Debian's jq).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from '../src/measure/stats.js';
import { timed, ToolTimingLog } from '../src/timings/api.js';
import { writeSyntheticToolLog, type SyntheticLogTruth } from '../src/timings/synthetic.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST_INGEST = join(ROOT, 'dist/timings/ingest.js');
const DIST_HOOK = join(ROOT, 'dist/timings/hook-main.cjs');
const BIN = join(ROOT, 'bin/swarmperf.js');
const BIG_MB = Number(process.env.TOOLS_BENCH_MB ?? 200);
const tmp = mkdtempSync(join(tmpdir(), 'swarmperf-bench-tools-'));
const rows: string[][] = [];
const notes: string[] = [];

function fail(msg: string): never {
  console.error(`tools.bench: ${msg}`);
  rmSync(tmp, { recursive: true, force: true });
  process.exit(1);
}

interface Timed {
  wall: number;
  cpu: number;
  maxRssMb: number;
  stdout: string;
}

/** Runs a command under /usr/bin/time: wall and CPU seconds, peak RSS. */
function timeCommand(cmd: string, args: string[]): Timed {
  const r = spawnSync('/usr/bin/time', ['-f', '__TIME__ %e %U %S %M', cmd, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const m = /__TIME__ ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr);
  if (r.status !== 0 || !m) fail(`${cmd} ${args.join(' ').slice(0, 200)} failed (${r.status}): ${r.stderr.slice(-500)}`);
  return { wall: Number(m[1]), cpu: Number(m[2]) + Number(m[3]), maxRssMb: Number(m[4]) / 1024, stdout: r.stdout };
}

function ingestRun(file: string, truth: SyntheticLogTruth): Timed & { mbps: number } {
  const dataDir = mkdtempSync(join(tmp, 'data-'));
  const script = `import { ingestToolLogs } from ${JSON.stringify(DIST_INGEST)};
const s = ingestToolLogs([${JSON.stringify(file)}], { dataDir: ${JSON.stringify(dataDir)} });
process.stdout.write(JSON.stringify({ lines: s.lines, records: s.records, duplicates: s.duplicates, invalid: s.invalidCount }));`;
  const t = timeCommand(process.execPath, ['--input-type=module', '-e', script]);
  const s = JSON.parse(t.stdout) as { lines: number; records: number; duplicates: number; invalid: number };
  if (s.lines !== truth.lines || s.records !== truth.distinctCalls || s.duplicates !== truth.lines - truth.distinctCalls || s.invalid !== 0) {
    fail(`ingest is wrong: got ${JSON.stringify(s)}, generator says lines ${truth.lines}, distinct ${truth.distinctCalls}`);
  }
  rmSync(dataDir, { recursive: true, force: true });
  return { ...t, mbps: truth.bytes / 1e6 / t.wall };
}

function jqRun(file: string, truth: SyntheticLogTruth): Timed & { mbps: number } {
  // jq's output goes through wc -l so the check costs no memory here; /usr/bin/time counts both.
  const t = timeCommand('sh', ['-c', `jq -c 'select(.duration_ms)' '${file}' | wc -l`]);
  if (Number(t.stdout.trim()) !== truth.lines) fail(`jq printed ${t.stdout.trim()} lines, expected ${truth.lines}`);
  return { ...t, mbps: truth.bytes / 1e6 / t.wall };
}

// ── 1. ingest vs jq, memory at two sizes ────────────────────────────────────────────────────
if (!existsSync(DIST_INGEST) || !existsSync(DIST_HOOK)) fail('dist/ is missing: run `npm run build` first');
if (spawnSync('jq', ['--version']).status !== 0) fail('jq is not installed (apt-get install -y jq)');
const jqVersion = spawnSync('jq', ['--version'], { encoding: 'utf8' }).stdout.trim();
const small = join(tmp, 'small.jsonl');
const big = join(tmp, 'big.jsonl');
const smallTruth = writeSyntheticToolLog(small, { bytes: (BIG_MB / 4) * 1e6, seed: 7 });
const bigTruth = writeSyntheticToolLog(big, { bytes: BIG_MB * 1e6, seed: 8 });
const mb = (b: number): string => `${(b / 1e6).toFixed(0)} MB`;

const smallIngest = ingestRun(small, smallTruth);
// Interleaved ours / jq / ours, best of ours: the machine is shared, so each gets the same weather.
const ours1 = ingestRun(big, bigTruth);
const jq = jqRun(big, bigTruth);
const ours2 = ingestRun(big, bigTruth);
const ours = ours1.wall <= ours2.wall ? ours1 : ours2;
rows.push(['ingest (swarmperf)', mb(statSync(big).size), `${ours.mbps.toFixed(1)} MB/s`, `${ours.wall.toFixed(2)} s wall · ${ours.cpu.toFixed(2)} s CPU`, `${ours.maxRssMb.toFixed(0)} MB`]);
rows.push([`\`jq -c 'select(.duration_ms)'\` (${jqVersion})`, mb(statSync(big).size), `${jq.mbps.toFixed(1)} MB/s`, `${jq.wall.toFixed(2)} s wall · ${jq.cpu.toFixed(2)} s CPU`, `${jq.maxRssMb.toFixed(0)} MB`]);
rows.push(['ingest (swarmperf), ¼ size', mb(statSync(small).size), `${smallIngest.mbps.toFixed(1)} MB/s`, `${smallIngest.wall.toFixed(2)} s wall · ${smallIngest.cpu.toFixed(2)} s CPU`, `${smallIngest.maxRssMb.toFixed(0)} MB`]);
notes.push(
  `ingest vs jq: **×${(ours.mbps / jq.mbps).toFixed(2)}** by wall time, ×${(jq.cpu / ours.cpu).toFixed(2)} by CPU time (goal ≥ 3×); ` +
    `${bigTruth.lines.toLocaleString('en-US')} lines → ${bigTruth.distinctCalls.toLocaleString('en-US')} distinct calls, counts verified`,
);
notes.push(`peak RSS ${smallIngest.maxRssMb.toFixed(0)} MB at ${mb(smallTruth.bytes)} vs ${ours.maxRssMb.toFixed(0)} MB at ${mb(bigTruth.bytes)} (×${(ours.maxRssMb / smallIngest.maxRssMb).toFixed(2)} for ×4 the input)`);
rmSync(small, { force: true });
rmSync(big, { force: true });

// ── 2. hook process overhead ─────────────────────────────────────────────────────────────────
// Measured as CPU time (user + sys, from /usr/bin/time over a shell loop of N spawns) as well as
// wall time: on a shared, loaded machine wall time mostly measures the neighbours.
const HOOK_RUNS = Number(process.env.TOOLS_BENCH_HOOK_RUNS ?? 20);
const event = (name: string): string =>
  JSON.stringify({ session_id: 's', hook_event_name: name, tool_name: 'Bash', tool_input: { command: 'ls' }, tool_use_id: 'toolu_ID', tool_response: { stdout: 'x' } }).replace('toolu_ID', 'toolu_r$R_$i');
function loopCpu(round: number, body: string): { cpuMs: number; wallMs: number } {
  const script = `R=${round}; i=0; while [ $i -lt ${HOOK_RUNS} ]; do ${body}; i=$((i+1)); done`;
  const t = timeCommand('sh', ['-c', script]);
  return { cpuMs: (t.cpu * 1000) / HOOK_RUNS, wallMs: (t.wall * 1000) / HOOK_RUNS };
}
const q = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`;
const node = q(process.execPath);
// Two ways to run the hook, each in its own data dir so its lines can be counted: the CommonJS
// entry (what the docs tell Claude Code to run) and `swarmperf tools record`, whose ES-module
// launcher pays Node's ESM loader start-up first.
const hookDir = mkdtempSync(join(tmp, 'hook-'));
const binDir = mkdtempSync(join(tmp, 'hook-bin-'));
const pre = `echo "${event('PreToolUse').replace(/"/g, '\\"')}"`;
const post = `echo "${event('PostToolUse').replace(/"/g, '\\"')}"`;
const pairLoop = (cmd: string): string => `${pre} | ${cmd}; ${post} | ${cmd}`;
const bareRuns: Array<{ cpuMs: number; wallMs: number }> = [];
const pairRuns: Array<{ cpuMs: number; wallMs: number }> = [];
const binRuns: Array<{ cpuMs: number; wallMs: number }> = [];
const ROUNDS = 5;
for (let round = 0; round < ROUNDS; round++) {
  // Interleaved, same echo and pipe in every loop; the bare loop runs node twice per step like the Pre+Post pair.
  bareRuns.push(loopCpu(round, `${pre} | ${node} -e 0; echo x | ${node} -e 0`));
  pairRuns.push(loopCpu(round, pairLoop(`${node} ${q(DIST_HOOK)} --data-dir ${q(hookDir)}`)));
  binRuns.push(loopCpu(round, pairLoop(`${node} ${q(BIN)} tools record --data-dir ${q(binDir)}`)));
}
const countLines = (dir: string): number => readFileSync(join(dir, 'tool-timing.jsonl'), 'utf8').trim().split('\n').length;
const written = countLines(hookDir);
if (written !== ROUNDS * HOOK_RUNS) fail(`hook-main.cjs wrote ${written} lines for ${ROUNDS * HOOK_RUNS} Pre/Post pairs`);
if (countLines(binDir) !== ROUNDS * HOOK_RUNS) fail(`swarmperf tools record wrote ${countLines(binDir)} lines for ${ROUNDS * HOOK_RUNS} Pre/Post pairs`);
// CPU: the least disturbed loop (neighbours only ever add); wall: the median loop.
const cpuOf = (runs: Array<{ cpuMs: number }>): number => Math.min(...runs.map((r) => r.cpuMs)) / 2;
const wallOf = (runs: Array<{ wallMs: number }>): number => median(runs.map((r) => r.wallMs)) / 2;
const [bareCpu, hookCpu, binCpu] = [cpuOf(bareRuns), cpuOf(pairRuns), cpuOf(binRuns)];
const [bareWall, hookWall, binWall] = [wallOf(bareRuns), wallOf(pairRuns), wallOf(binRuns)];
const spawns = `${ROUNDS}×${HOOK_RUNS}×2 spawns`;
rows.push(['`node -e 0`', spawns, `${bareCpu.toFixed(1)} ms CPU`, `${bareWall.toFixed(1)} ms wall (median of loops)`, '']);
rows.push(['hook (`node dist/timings/hook-main.cjs`), Pre and Post', spawns, `${hookCpu.toFixed(1)} ms CPU`, `${hookWall.toFixed(1)} ms wall (median of loops)`, '']);
rows.push(['`swarmperf tools record` (ESM launcher), Pre and Post', spawns, `${binCpu.toFixed(1)} ms CPU`, `${binWall.toFixed(1)} ms wall (median of loops)`, '']);
const signed = (ms: number): string => `${ms < 0 ? '−' : '+'}${Math.abs(ms).toFixed(1)} ms`;
notes.push(
  `hook overhead above \`node -e 0\` per hook process: **${signed(hookCpu - bareCpu)} CPU**, ${signed(hookWall - bareWall)} wall (goal < 10 ms) for hook-main.cjs; ` +
    `${signed(binCpu - bareCpu)} CPU, ${signed(binWall - bareWall)} wall through \`swarmperf tools record\`; ` +
    `${written} lines written for ${ROUNDS * HOOK_RUNS} pairs by each, verified`,
);

// ── 3. in-process recording ───────────────────────────────────────────────────────────────────
const CALLS = 100_000;
const log = new ToolTimingLog({ path: join(tmp, 'inproc.jsonl'), maxBytes: 0 });
let sink = 0;
const noop = (x: number): number => x + 1;
const wrapped = timed(noop, { tool: 'noop', log });
const bareLoop = (): number => {
  const s = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) sink = noop(sink);
  return Number(process.hrtime.bigint() - s) / 1e3;
};
const timedLoop = (): number => {
  const s = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) sink = wrapped(sink);
  return Number(process.hrtime.bigint() - s) / 1e3;
};
bareLoop();
const bareUs = Math.min(bareLoop(), bareLoop());
const timedUs = Math.min(timedLoop(), timedLoop());
log.close();
const inprocLines = readFileSync(log.path, 'utf8').trim().split('\n').length;
if (inprocLines !== 2 * CALLS) fail(`timed() logged ${inprocLines} lines for ${2 * CALLS} calls`);
if (sink !== 5 * CALLS) fail(`timed() changed the wrapped function's results (${sink})`);
const perCall = (timedUs - bareUs) / CALLS;
rows.push(['`timed(fn)` in process', `${CALLS.toLocaleString('en-US')} calls`, `${perCall.toFixed(2)} µs/call overhead`, 'goal < 50 µs', '']);
notes.push(`timed(): ${perCall.toFixed(2)} µs per call above the bare call (goal < 50 µs), lines verified (flushes included)`);

console.log('| what | input | result | detail | peak RSS |');
console.log('|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
console.log('');
for (const n of notes) console.log(`- ${n}`);
rmSync(tmp, { recursive: true, force: true });
