/**
 * benchmark_run: runs a registered suite in-process (RealClock), builds the RunResult, passes it
 * through the same pipeline as the CLI (enrichers, then sinks: history), keeps a summary in shared
 * memory under `performance/swarmperf/{run-id}/results`, and answers with a compact summary.
 * Long runs report progress (notifications/progress) when the request carries a progressToken,
 * and a cancelled request stops the run, which is kept as partial.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { parseDurationUs, UsageError } from '../../core/parse.js';
import { RealClock } from '../../measure/clock.js';
import { formatProgress, type ProgressSink } from '../../report/progress.js';
import { CHECK_MARK } from '../../report/terminal.js';
import { formatUs } from '../../core/units.js';
import { enrichRunResult, sinkRunResult } from '../../results/pipeline.js';
import { allChecksPassed, buildRunResult } from '../../results/run-result.js';
import { checkStatus, type RunResult } from '../../core/result.js';
import { parseBackendSpec } from '../../targets/backend.js';
import { getSuite, listSuites } from '../../suites/types.js';
import { consensusBenchDefaults, runConsensusBench } from '../../cli/commands/bench.js';
import type { ServerContext } from '../context.js';
import { guarded, ok } from './common.js';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** Memory namespace and key of a run's summary: full key `performance/swarmperf/{id}/results`. */
export const RESULTS_NAMESPACE = 'performance';
export const resultsKey = (runId: string): string => `swarmperf/${runId}/results`;

// Only Raft is built so far; PBFT and gossip come with their own issue.
const PROTOCOLS = ['raft'] as const;
const SCENARIOS = ['election', 'throughput', 'latency', 'faults'] as const;

const durationText = z.string().min(1).max(32);

export const benchmarkRunInput = z.strictObject({
  suite: z.string().min(1).max(64).optional().describe('suite to run (see the tool description for the list)'),
  protocol: z.enum(PROTOCOLS).optional().describe('consensus protocol benchmark (in the deterministic simulator) instead of a suite'),
  scenario: z.enum(SCENARIOS).default('election').describe('protocol benchmarks: election | throughput | latency | faults (default election)'),
  nodes: z.number().int().min(1).max(101).default(5).describe('protocol benchmarks: cluster size (default 5)'),
  backend: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe('backend kind: memory | sqlite | jsonfile, with optional tuning after "?" (default: the server\'s backend); paths are not accepted, files stay in the data folder'),
  duration: durationText.default('5s').describe('measured duration, e.g. 5s, 500ms, 2m (default 5s)'),
  warmup: durationText.default('1s').describe('warmup before measuring, excluded (default 1s)'),
  interval: durationText.default('1s').describe('interval window (default 1s)'),
  agents: z.number().int().min(1).max(64).default(2).describe('worker processes (agents), 1–64 (default 2)'),
  iterations: z.number().int().min(1).optional().describe('stop after this many operations, if sooner than duration'),
  seed: z.number().int().min(0).max(2 ** 32 - 1).optional().describe('seed for every random choice (reproduces the run)'),
  quick: z.boolean().default(false).describe('short, small settings for a fast check'),
  tags: z.record(z.string().min(1).max(64), z.string().max(256)).optional().describe('tags recorded with the run, e.g. {"branch": "main"}'),
});
export type BenchmarkRunInput = z.infer<typeof benchmarkRunInput>;

/**
 * A backend spec from a client: a kind and tuning only. `sqlite:/any/path` would let a caller
 * write wherever it likes; the data folder is the only place the server writes.
 */
export function clientBackendSpec(spec: string, dataDir: string): string {
  const head = spec.split('?', 1)[0] as string;
  if (head.includes(':')) throw new UsageError(`backend "${spec}": paths are not accepted over MCP; give a kind (memory, sqlite, jsonfile) — its files go in the data folder`);
  parseBackendSpec(spec, dataDir); // validates kind and tuning, with a message naming what is wrong
  return spec;
}

/** Progress lines → notifications/progress, at most one a second, progress strictly increasing. */
function mcpProgress(extra: Extra, plannedMs: number): ProgressSink {
  const token = extra._meta?.progressToken;
  const started = Date.now();
  let last = 0;
  let lastProgress = -1;
  const send = (message: string): void => {
    if (token === undefined) return;
    const progress = Math.max(lastProgress + 1, Date.now() - started);
    lastProgress = progress;
    extra
      .sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress, total: Math.max(plannedMs, progress), message } })
      .catch(() => {}); // a client that went away must not fail the run
  };
  return {
    update(u) {
      const now = Date.now();
      if (now - last < 1000) return;
      last = now;
      send(formatProgress(u));
    },
    log(line) {
      send(line);
    },
    done() {},
  };
}

export function summarizeRun(run: RunResult): Record<string, unknown> {
  return {
    runId: run.id,
    partial: run.partial,
    passed: allChecksPassed(run),
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    suites: run.suites.map((s) => ({
      name: s.name,
      backend: s.backend,
      operations: s.operations.map((op) => ({
        name: op.name,
        count: op.count,
        errors: op.errors,
        dropped: op.dropped,
        throughput: Math.round(op.throughput * 100) / 100,
        p50Us: op.latencyUs.p50,
        p99Us: op.latencyUs.p99,
        maxUs: op.latencyUs.max,
      })),
      checks: s.checks,
      ...(s.metrics ? { metrics: s.metrics } : {}),
    })),
    findings: (run.findings ?? []).map((f) => ({ kind: f.kind, severity: f.severity, component: f.component, evidence: f.evidence })),
  };
}

function summaryText(run: RunResult): string {
  const lines = [`run ${run.id}${run.partial ? ' (partial)' : ''}: ${allChecksPassed(run) ? 'all checks passed' : 'CHECKS FAILED'}`];
  for (const s of run.suites) {
    lines.push(`${s.name} on ${s.backend}:`);
    for (const op of s.operations) {
      lines.push(`  ${op.name}: ${op.count} ops, ${op.throughput.toFixed(1)}/s, p50 ${formatUs(op.latencyUs.p50)}, p99 ${formatUs(op.latencyUs.p99)}${op.errors ? `, ${op.errors} errors` : ''}${op.dropped ? `, ${op.dropped} dropped` : ''}`);
    }
    for (const c of s.checks) lines.push(`  ${CHECK_MARK[checkStatus(c)]} ${c.name}: ${c.detail}`);
  }
  for (const f of run.findings ?? []) lines.push(`finding [${f.severity}] ${f.kind}${f.component ? ` (${f.component})` : ''}: ${f.evidence}`);
  lines.push(`summary stored at ${RESULTS_NAMESPACE}/${resultsKey(run.id)}`);
  return lines.join('\n');
}

export function registerBenchmarkTools(server: McpServer, ctx: ServerContext): void {
  const suiteNames = (): string => listSuites().map((s) => s.name).join(', ');
  server.registerTool(
    'benchmark_run',
    {
      title: 'Run a benchmark',
      description: `Runs a swarmperf benchmark suite (or a consensus protocol benchmark) in the server process and records it in the history. Suites: ${suiteNames() || '(none registered)'}. Sends progress notifications when the request has a progressToken; cancelling stops the run (kept as partial). One benchmark at a time.`,
      inputSchema: benchmarkRunInput,
    },
    (input, extra) => guarded('benchmark_run', () => runBenchmark(ctx, input, extra)),
  );
}

export async function runBenchmark(ctx: ServerContext, input: BenchmarkRunInput, extra: Extra) {
  if (input.suite !== undefined && input.protocol !== undefined) throw new UsageError('give either suite or protocol, not both');
  if (input.suite === undefined && input.protocol === undefined) throw new UsageError(`give a suite (one of: ${listSuites().map((s) => s.name).join(', ')}) or a protocol (${PROTOCOLS.join(', ')})`);
  const suite = input.suite !== undefined ? getSuite(input.suite) : undefined;
  if (input.suite !== undefined && !suite) throw new UsageError(`unknown suite "${input.suite}"; known suites: ${listSuites().map((s) => s.name).join(', ')}`);
  const durationUs = parseDurationUs('duration', input.duration);
  const warmupUs = parseDurationUs('warmup', input.warmup);
  const intervalUs = parseDurationUs('interval', input.interval);
  if (durationUs <= 0) throw new UsageError(`duration: expected more than zero, got "${input.duration}"`);
  if (intervalUs <= 0) throw new UsageError(`interval: expected more than zero, got "${input.interval}"`);
  if (durationUs + warmupUs > ctx.config.maxBenchmarkUs) {
    throw new UsageError(`duration + warmup is ${formatUs(durationUs + warmupUs)}; this server allows at most ${formatUs(ctx.config.maxBenchmarkUs)} per benchmark`);
  }
  const backend = input.backend !== undefined ? clientBackendSpec(input.backend, ctx.config.dataDir) : ctx.config.backend;
  const seed = input.seed ?? Math.floor(Math.random() * 2 ** 31);
  const what = suite ? `${suite.name} on ${backend}` : `${input.protocol} ${input.scenario} (simulator, ${input.nodes} nodes)`;
  const slot = ctx.beginBenchmark(what);
  const controller = new AbortController();
  const onAbort = (): void => controller.abort();
  extra.signal.addEventListener('abort', onAbort, { once: true });
  let run: RunResult;
  try {
    const progress = mcpProgress(extra, (durationUs + warmupUs) / 1000);
    const startedAt = new Date();
    if (!suite) {
      // A protocol benchmark: the same code path as `swarmperf bench`, from its default flags.
      const raw = { ...consensusBenchDefaults(), protocol: input.protocol, scenario: input.scenario, nodes: String(input.nodes), mode: 'sim' };
      const bench = await runConsensusBench(raw, {
        durationUs,
        warmupUs,
        intervalUs,
        ...(input.iterations !== undefined ? { iterations: input.iterations } : {}),
        seed,
        signal: controller.signal,
        progress,
        startedAt,
        ...(input.tags ? { tags: input.tags } : {}),
      });
      run = bench.result;
      run.config.command = 'mcp benchmark_run';
    } else {
      progress.log(`▶ ${suite.name} · backend ${backend} · ${input.agents} agents · seed ${seed}`);
      const suiteResult = await suite.run({
        clock: new RealClock(),
        durationUs,
        warmupUs,
        intervalUs,
        ...(input.iterations !== undefined ? { iterations: input.iterations } : {}),
        seed,
        quick: input.quick,
        agents: input.agents,
        backend,
        dataDir: ctx.config.dataDir,
        signal: controller.signal,
        progress,
        extra: {},
      });
      run = buildRunResult({
        startedAt,
        finishedAt: new Date(),
        partial: controller.signal.aborted,
        config: { command: 'mcp benchmark_run', suites: [suite.name], agents: input.agents, backend, quick: input.quick, durationUs, warmupUs, intervalUs, seed, ...(input.iterations !== undefined ? { iterations: input.iterations } : {}) },
        suites: [suiteResult],
        ...(input.tags ? { tags: input.tags } : {}),
      });
    }
  } finally {
    extra.signal.removeEventListener('abort', onAbort);
    slot.release();
  }
  const warnings: string[] = [];
  const runCtx = {
    dataDir: ctx.config.dataDir,
    options: { history: ctx.config.historyPath ?? false },
    warn: (m: string) => {
      warnings.push(m);
      ctx.config.log(`warning: ${m}`);
    },
  };
  await enrichRunResult(run, runCtx);
  await sinkRunResult(run, runCtx);
  ctx.remember(run);
  const summary = summarizeRun(run);
  try {
    const memory = (await ctx.backend()).memory;
    await memory.store(RESULTS_NAMESPACE, resultsKey(run.id), JSON.stringify({ status: run.partial ? 'partial' : 'complete', timestamp: Date.now(), ...summary }));
  } catch (err) {
    warnings.push(`summary not stored in memory: ${err instanceof Error ? err.message : String(err)}`);
  }
  const text = summaryText(run) + (warnings.length > 0 ? `\nwarnings:\n${warnings.map((w) => `  ${w}`).join('\n')}` : '');
  return ok(text, { ...summary, memoryKey: `${RESULTS_NAMESPACE}/${resultsKey(run.id)}`, ...(warnings.length > 0 ? { warnings } : {}) });
}
