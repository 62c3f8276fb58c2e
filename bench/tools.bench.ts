/**
 * swarmperf tools: ingest throughput against a `jq | sort | uniq -c` pipeline on a log built from
 * the real one, peak memory at two sizes (it must stay flat), the Claude Code hook's process
 * overhead against a bare `node -e 0`, and the in-process cost of timed() / recordToolTiming().
 *
 * The ingest input is real-shaped: the real hyrm tool log the repository carries
 * (test/fixtures/tools, 3.8 MB: 37 tools, 24 sessions, 829 hour × tool × session rows, 64 % of calls
 * logged 4×) copied 53 times (~200 MB) and 13 times (~50 MB), each copy with its call_ids rewritten
 * so the copies are distinct calls. A synthetic log with few tools/sessions/hours flattered the
 * ingest before (most of its cost is per row, not per line).
 *
 * Every figure is checked while measured: the ingest (`swarmperf tools ingest --json`, what a user
 * runs) must read copies × 14 165 lines and keep exactly copies × 4 859 distinct calls with nothing
 * invalid; jq's counts must add up to the number of lines; the hook must write one timing line per
 * Pre/Post pair; the in-process log one line per call. Rounds are interleaved (ours 200 MB, jq
 * 200 MB, ours 50 MB) so each sees the same weather on a shared machine; ratios are per round.
 *
 * `npm run bench -- tools` (needs Debian's jq). TOOLS_BENCH_COPIES=53, TOOLS_BENCH_RUNS=3,
 * TOOLS_BENCH_ONLY=ingest skips the hook and timed() parts.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { median } from '../src/measure/stats.js';
import { timed, ToolTimingLog } from '../src/timings/api.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST_HOOK = join(ROOT, 'dist/timings/hook-main.cjs');
const BIN = join(ROOT, 'bin/swarmperf.js');
const REAL_LOG = join(ROOT, 'test/fixtures/tools/hyrm-tool-timing.jsonl.gz');
const REAL_LINES = 14_165;
const REAL_CALLS = 4_859;
const BIG_COPIES = Number(process.env.TOOLS_BENCH_COPIES ?? 53);
const SMALL_COPIES = Math.max(1, Math.round(BIG_COPIES / 4));
const RUNS = Number(process.env.TOOLS_BENCH_RUNS ?? 3);
const ONLY_INGEST = process.env.TOOLS_BENCH_ONLY === 'ingest';
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
  /** The ingest's own wall time (its summary's elapsedUs: without the CLI's start-up), s. */
  ingestWall?: number;
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

/** The real log `copies` times, call_ids of copy k > 0 suffixed "-c<k>" (distinct calls, same shape). */
function writeRealShapedLog(path: string, copies: number): number {
  const real = gunzipSync(readFileSync(REAL_LOG)).toString('utf8');
  const fd = openSync(path, 'w');
  try {
    for (let k = 0; k < copies; k++) writeSync(fd, k === 0 ? real : real.replace(/"call_id":"([^"]*)"/g, (_m, id: string) => `"call_id":"${id}-c${k}"`));
  } finally {
    closeSync(fd);
  }
  return statSync(path).size;
}

function ingestRun(file: string, copies: number): Timed {
  const dataDir = mkdtempSync(join(tmp, 'data-'));
  const t = timeCommand(process.execPath, [BIN, 'tools', 'ingest', file, '--json', '--data-dir', dataDir]);
  const s = JSON.parse(t.stdout) as { lines: number; records: number; duplicates: number; invalidCount: number; elapsedUs: number };
  if (s.lines !== copies * REAL_LINES || s.records !== copies * REAL_CALLS || s.duplicates !== copies * (REAL_LINES - REAL_CALLS) || s.invalidCount !== 0) {
    fail(`ingest is wrong: got ${JSON.stringify(s)}, expected ${copies * REAL_LINES} lines, ${copies * REAL_CALLS} distinct calls`);
  }
  rmSync(dataDir, { recursive: true, force: true });
  return { ...t, ingestWall: s.elapsedUs / 1e6 };
}

/** Calls per tool × session × hour with jq, sort and uniq -c: the grouping the ingest stores. */
const JQ_GROUPING = `jq -r '[.tool, (.session_id // "-"), .timestamp[0:13]] | @tsv'`;
function jqRun(file: string, copies: number): Timed {
  const t = timeCommand('sh', ['-c', `${JQ_GROUPING} '${file}' | sort | uniq -c | awk '{n += $1; g++} END {print n, g}'`]);
  const [lines] = t.stdout.trim().split(' ').map(Number);
  if (lines !== copies * REAL_LINES) fail(`jq | sort | uniq -c counted ${t.stdout.trim()} lines, expected ${copies * REAL_LINES}`);
  return t;
}

const stats = (xs: number[], digits = 2): string => `${Math.min(...xs).toFixed(digits)} / ${median(xs).toFixed(digits)} / ${Math.max(...xs).toFixed(digits)}`;

// ── 1. ingest vs jq, memory at two sizes ────────────────────────────────────────────────────
if (!existsSync(BIN) || !existsSync(DIST_HOOK)) fail('dist/ is missing: run `npm run build` first');
if (spawnSync('jq', ['--version']).status !== 0) fail('jq is not installed (apt-get install -y jq)');
const jqVersion = spawnSync('jq', ['--version'], { encoding: 'utf8' }).stdout.trim();
const big = join(tmp, 'big.jsonl');
const small = join(tmp, 'small.jsonl');
const bigBytes = writeRealShapedLog(big, BIG_COPIES);
const smallBytes = writeRealShapedLog(small, SMALL_COPIES);
const mb = (b: number): string => `${(b / 1e6).toFixed(0)} MB`;
const loadBefore = loadavg();
const ours: Timed[] = [];
const jqs: Timed[] = [];
const oursSmall: Timed[] = [];
for (let round = 0; round < RUNS; round++) {
  ours.push(ingestRun(big, BIG_COPIES));
  jqs.push(jqRun(big, BIG_COPIES));
  oursSmall.push(ingestRun(small, SMALL_COPIES));
}
const loadAfter = loadavg();
const mbps = (bytes: number, t: Timed): number => bytes / 1e6 / t.wall;
const wallRatios = ours.map((o, i) => jqs[i]!.wall / o.wall);
const cpuRatios = ours.map((o, i) => jqs[i]!.cpu / o.cpu);
const coreRatios = ours.map((o, i) => jqs[i]!.wall / o.ingestWall!);
rows.push([`\`swarmperf tools ingest\` (${RUNS} runs)`, mb(bigBytes), `${stats(ours.map((t) => mbps(bigBytes, t)), 1)} MB/s`, `wall ${stats(ours.map((t) => t.wall))} s · CPU ${stats(ours.map((t) => t.cpu))} s`, `${stats(ours.map((t) => t.maxRssMb), 0)} MB`]);
rows.push([`\`jq \\| sort \\| uniq -c\` per tool × session × hour (${jqVersion})`, mb(bigBytes), `${stats(jqs.map((t) => mbps(bigBytes, t)), 1)} MB/s`, `wall ${stats(jqs.map((t) => t.wall))} s · CPU ${stats(jqs.map((t) => t.cpu))} s`, `${stats(jqs.map((t) => t.maxRssMb), 0)} MB`]);
rows.push([`\`swarmperf tools ingest\`, ¼ size`, mb(smallBytes), `${stats(oursSmall.map((t) => mbps(smallBytes, t)), 1)} MB/s`, `wall ${stats(oursSmall.map((t) => t.wall))} s · CPU ${stats(oursSmall.map((t) => t.cpu))} s`, `${stats(oursSmall.map((t) => t.maxRssMb), 0)} MB`]);
notes.push(
  `ingest vs jq on the same ${mb(bigBytes)} real-shaped log, per round (min / median / max): **×${stats(wallRatios)} by wall time**, ×${stats(cpuRatios)} by CPU time (goal ≥ 3×); ` +
    `${(BIG_COPIES * REAL_LINES).toLocaleString('en-US')} lines → ${(BIG_COPIES * REAL_CALLS).toLocaleString('en-US')} distinct calls, counts verified every run`,
);
notes.push(
  `the ingest alone (its own elapsed time, without the CLI's start-up of ${stats(ours.map((o) => o.wall - o.ingestWall!))} s): ${stats(ours.map((o) => o.ingestWall!))} s, ×${stats(coreRatios)} jq's wall time`,
);
const rssSmall = median(oursSmall.map((t) => t.maxRssMb));
const rssBig = median(ours.map((t) => t.maxRssMb));
notes.push(`peak RSS (median) ${rssSmall.toFixed(0)} MB at ${mb(smallBytes)} vs ${rssBig.toFixed(0)} MB at ${mb(bigBytes)}: ×${(rssBig / rssSmall).toFixed(2)} for ×${(bigBytes / smallBytes).toFixed(1)} the input (goal ≤ 200 MB, flat)`);
notes.push(`load average (1/5/15 min) ${loadBefore.map((x) => x.toFixed(1)).join('/')} before, ${loadAfter.map((x) => x.toFixed(1)).join('/')} after`);
rmSync(small, { force: true });
rmSync(big, { force: true });

if (ONLY_INGEST) {
  printTables();
  process.exit(0);
}

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

printTables();

function printTables(): void {
  console.log('| what | input | result (min / median / max) | detail | peak RSS |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  console.log('');
  for (const n of notes) console.log(`- ${n}`);
  rmSync(tmp, { recursive: true, force: true });
}
