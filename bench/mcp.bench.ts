/**
 * swarmperf mcp-bench against two stdio MCP servers side by side: the test fixture (the SDK's
 * low-level Server, `echo` returns its text) and @modelcontextprotocol/server-everything (`echo`
 * returns "Echo: <message>"), closed loop with 1 and 4 calls in flight, cold start included.
 *
 * Every figure is checked while measured: before the runs each server's `echo` must answer with the
 * expected text; in each run every check of runMcpBench must pass (server stayed up, no protocol
 * errors, no isError results), no call may fail, the interval windows must add up to the
 * operation's count and the count must agree with throughput × duration. Any miss fails the bench.
 *
 * `node --import tsx bench/mcp.bench.ts` (about 40 s; MCP_BENCH_SECONDS=N per run, default 5).
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RealClock } from '../src/measure/clock.js';
import { silentProgress } from '../src/report/progress.js';
import { formatRate, formatUs } from '../src/core/units.js';
import { runMcpBench } from '../src/targets/mcp/bench.js';
import { connectMcp } from '../src/targets/mcp/connect.js';
import { parseStdioTarget, type McpTargetSpec } from '../src/targets/mcp/spec.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const EVERYTHING_DIR = dirname(require.resolve('@modelcontextprotocol/server-everything/package.json'));
const version = (dir: string): string => (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
// The SDK's exports map sends package.json to a nested dist/ file: read the one at its root.
const SDK_DIR = join(ROOT, 'node_modules/@modelcontextprotocol/sdk');
const SECONDS = Number(process.env.MCP_BENCH_SECONDS ?? 5);
const WARMUP_US = 1_000_000;
const COLD_STARTS = 3;
const CONCURRENCY = [1, 4];

interface Target {
  label: string;
  spec: McpTargetSpec;
  args: Record<string, unknown>;
  expect: string;
}

const q = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`;
const ms = (x: number | undefined): string => (x === undefined ? '?' : x.toFixed(0));
const targets: Target[] = [
  {
    label: 'fixture (`test/mcp/fixtures`, SDK low-level Server)',
    spec: parseStdioTarget('bench', `${q(process.execPath)} ${q(join(ROOT, 'test/mcp/fixtures/fixture-server.mjs'))}`),
    args: { text: 'hi' },
    expect: 'hi',
  },
  {
    label: `\`@modelcontextprotocol/server-everything\` ${version(EVERYTHING_DIR)}`,
    spec: parseStdioTarget('bench', `${q(process.execPath)} ${q(join(EVERYTHING_DIR, 'dist/index.js'))} stdio`),
    args: { message: 'hi' },
    expect: 'Echo: hi',
  },
];

function fail(msg: string): never {
  console.error(`mcp.bench: ${msg}`);
  process.exit(1);
}

const clock = new RealClock();

// ── 0. the tool answers what it should ──────────────────────────────────────────────────────
for (const t of targets) {
  const conn = await connectMcp(t.spec, { clock, timeoutMs: 60_000 });
  try {
    const r = await conn.client.callTool({ name: 'echo', arguments: t.args });
    const text = (r.content as Array<{ type: string; text?: string }>).find((c) => c.type === 'text')?.text;
    if (r.isError === true || text !== t.expect) fail(`${t.label}: echo answered ${JSON.stringify(r.content)}, expected text ${JSON.stringify(t.expect)}`);
  } finally {
    await conn.close();
  }
}

// ── 1. closed loop, both servers interleaved at each concurrency ────────────────────────────
const loadBefore = loadavg();
const rows: string[][] = [];
for (const concurrency of CONCURRENCY) {
  for (const t of targets) {
    const out = await runMcpBench({
      target: t.spec,
      tools: { mode: 'one', tool: 'echo', args: t.args },
      load: { model: 'closed', concurrency },
      clock,
      durationUs: SECONDS * 1_000_000,
      warmupUs: WARMUP_US,
      intervalUs: 1_000_000,
      seed: 1,
      timeoutMs: 10_000,
      coldStarts: COLD_STARTS,
      signal: new AbortController().signal,
      progress: silentProgress,
    });
    const what = `${t.label}, concurrency ${concurrency}`;
    const failed = out.suite.checks.filter((c) => !c.passed);
    if (failed.length > 0) fail(`${what}: ${failed.map((c) => `${c.name}: ${c.detail}`).join('; ')}`);
    const op = out.suite.operations.find((o) => o.name === 'echo');
    if (!op || op.count === 0) fail(`${what}: no echo call completed`);
    if (op.errors !== 0 || op.dropped !== 0) fail(`${what}: ${op.errors} errors, ${op.dropped} dropped`);
    const windows = out.suite.intervals.filter((i) => i.operation === 'echo').reduce((n, i) => n + i.count, 0);
    if (windows !== op.count) fail(`${what}: interval windows hold ${windows} calls, the operation ${op.count}`);
    const expected = op.throughput * SECONDS;
    if (Math.abs(expected - op.count) > 0.05 * op.count + concurrency) fail(`${what}: ${op.count} calls, but throughput × duration = ${expected.toFixed(0)}`);
    const m = out.suite.metrics ?? {};
    rows.push([
      t.label,
      `closed, ${concurrency} in flight`,
      op.count.toLocaleString('en-US'),
      `${formatRate(op.throughput)}`,
      formatUs(op.latencyUs.p50),
      formatUs(op.latencyUs.p99),
      `${ms(m.coldStartMs)} ms (init ${ms(m.initializeMs)} ms; ${ms(m.coldStartMinMs)}–${ms(m.coldStartMaxMs)} ms)`,
    ]);
  }
}
const loadAfter = loadavg();

const la = (l: number[]): string => l.map((x) => x.toFixed(2)).join(' ');
console.log(
  `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown'}), Node ${process.version}, SDK ${version(SDK_DIR)}; ` +
    `load average ${la(loadBefore)} before, ${la(loadAfter)} after; ${SECONDS} s per run after ${WARMUP_US / 1e6} s warmup, one MCP session, stdio`,
);
console.log('');
console.log('| server, tool `echo` | load | calls | throughput | p50 | p99 | cold start (median of 3, range) |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
console.log('');
console.log('- checks verified in every run: echo answers the expected text; server stayed up; 0 protocol errors, 0 isError, 0 dropped; interval windows add up to the count; count = throughput × duration');
