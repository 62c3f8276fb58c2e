/**
 * benchmark_run: runs registered suites through the same library function as `swarmperf run`
 * (results/run-suites.ts: validate everything, run, enrich, hand to the sinks — history and the one
 * memory-store summary at `performance/swarmperf/bench-{run-id}/results`), or a consensus protocol
 * benchmark, and answers with a compact summary. Its input schema derives from the same parameter
 * declarations as the CLI flags (RUN_PARAMS and each suite's `params`), so both have the same
 * defaults. Long runs report progress (notifications/progress) when the request carries a
 * progressToken, and a cancelled request stops the run, which is kept as partial.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { UsageError } from '../../core/parse.js';
import { jsonShape } from '../../core/params-json.js';
import { formatProgress, type ProgressSink } from '../../report/progress.js';
import { formatUs } from '../../core/units.js';
import { MEMORY_NAMESPACE, memoryKey } from '../../results/memory-sink.js';
import { RUN_PARAMS, executeSuiteRun, planSuiteRun, recordRun, suiteParamShape, withSeed, type RecordEnvironment } from '../../results/run-suites.js';
import { allChecksPassed, buildRunResult } from '../../results/run-result.js';
import { checkStatus, type RunResult } from '../../core/result.js';
import { CHECK_MARK } from '../../report/terminal.js';
import { parseBackendSpec } from '../../targets/backend.js';
import { listSuites } from '../../suites/types.js';
// The consensus bench entry points (the library: src/consensus/index.ts).
import { consensusBenchDefaults, consensusParamsSchema, listProtocols, runConsensusBench } from '../../consensus/index.js';
import type { ServerContext } from '../context.js';
import { guarded, ok } from './common.js';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** Keys of `bench` that have their own field here (or are fixed: MCP runs the simulator only). */
const OWN_KEYS = new Set(['protocol', 'scenario', 'nodes', 'mode']);

function protocolNames(): string[] {
  return listProtocols().map((p) => p.name);
}

/**
 * Protocol parameters as `bench` receives its flags: every key must be a parameter some registered
 * protocol declares (the same declarations the CLI's flags come from); numbers become their text.
 */
function protocolFlags(params: Record<string, string | number | boolean> | undefined): Record<string, unknown> {
  if (params === undefined) return {};
  const known = consensusParamsSchema().shape;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) {
    if (OWN_KEYS.has(key)) throw new UsageError(`protocolParams.${key}: give it as the tool's own field`);
    if (!(key in known)) throw new UsageError(`protocolParams.${key}: no protocol has this parameter; known: ${Object.keys(known).filter((k) => !OWN_KEYS.has(k)).join(', ')}`);
    out[key] = typeof value === 'number' ? String(value) : value;
  }
  return out;
}

/**
 * The input schema, built when the tool is registered (after setup() registered the suites): run
 * settings from RUN_PARAMS, suite parameters under `params` from the suites' declarations.
 */
export function benchmarkRunInput() {
  const settings = jsonShape(RUN_PARAMS);
  return z.strictObject({
    suite: z.string().min(1).max(64).optional().describe('suite to run (see the tool description for the list)'),
    protocol: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .describe(`consensus protocol benchmark in the deterministic simulator instead of a suite: ${protocolNames().join(' | ')}; a comma list compares them (as \`swarmperf bench --protocol\`)`),
    scenario: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .describe(`protocol benchmarks: ${listProtocols().map((p) => `${p.name}: ${p.scenarios.map((sc) => sc.name).join(' | ')} (default ${p.defaultScenario})`).join('; ')}`),
    nodes: z
      .union([z.number().int().min(1).max(10_000), z.string().regex(/^\d+(,\d+)*$/)])
      .default(5)
      .describe('protocol benchmarks: cluster size, or a comma list that sweeps sizes (default 5)'),
    protocolParams: z
      .record(z.string().max(64), z.union([z.string().max(500), z.number(), z.boolean()]))
      .optional()
      .describe('protocol parameters: the flags of `swarmperf bench` in camelCase with the same values and defaults (e.g. {"fsync": "lognormal:3ms,1", "fanout": 3, "byzantine": ["1:silent"]})'),
    ...settings,
    backend: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('backend kind: memory | sqlite | jsonfile, with optional tuning after "?" (default: the server\'s backend); paths are not accepted, files stay in the data folder'),
    quick: z.boolean().default(false).describe('short, small settings for a fast check (the --quick defaults)'),
    tags: z.record(z.string().min(1).max(64), z.string().max(256)).optional().describe('tags recorded with the run, e.g. {"branch": "main"}'),
    params: z
      .strictObject(jsonShape(suiteParamShape()))
      .optional()
      .describe('suite parameters, the same as the suite flags of `swarmperf run` (e.g. {"publishRate": 300, "payloadSize": "64,1kb"})'),
  });
}
export type BenchmarkRunInput = z.infer<ReturnType<typeof benchmarkRunInput>>;

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
export function mcpProgress(extra: Extra, plannedMs: number): ProgressSink {
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
  lines.push(`summary stored at ${MEMORY_NAMESPACE}/${memoryKey(run.id)}`);
  return lines.join('\n');
}

export function registerBenchmarkTools(server: McpServer, ctx: ServerContext): void {
  const suiteNames = (): string => listSuites().map((s) => s.name).join(', ');
  server.registerTool(
    'benchmark_run',
    {
      title: 'Run a benchmark',
      description: `Runs a swarmperf benchmark suite (or a consensus protocol benchmark) in the server process and records it in the history. Suites: ${suiteNames() || '(none registered)'}. Sends progress notifications when the request has a progressToken; cancelling stops the run (kept as partial). One benchmark at a time.`,
      inputSchema: benchmarkRunInput(),
    },
    (input, extra) => guarded('benchmark_run', () => runBenchmark(ctx, input, extra)),
  );
}

export async function runBenchmark(ctx: ServerContext, input: BenchmarkRunInput, extra: Extra) {
  if (input.suite !== undefined && input.protocol !== undefined) throw new UsageError('give either suite or protocol, not both');
  if (input.suite === undefined && input.protocol === undefined) throw new UsageError(`give a suite (one of: ${listSuites().map((s) => s.name).join(', ')}) or a protocol (${protocolNames().join(', ')})`);
  if (input.protocol !== undefined) {
    for (const name of input.protocol.split(',').map((p) => p.trim())) {
      if (!protocolNames().includes(name)) throw new UsageError(`protocol: unknown protocol "${name}"; known: ${protocolNames().join(', ')}`);
    }
  }
  if (input.protocol === undefined && (input.protocolParams !== undefined || input.scenario !== undefined)) throw new UsageError('scenario and protocolParams apply to a protocol benchmark only');
  protocolFlags(input.protocolParams);
  const backend = input.backend !== undefined ? clientBackendSpec(input.backend, ctx.config.dataDir) : ctx.config.backend;
  // Everything validated before anything runs: settings, suite name, every suite parameter.
  if (input.protocol !== undefined && input.params !== undefined) throw new UsageError('params: suite parameters do not apply to a protocol benchmark');
  const settings = { ...input, backend };
  const plan = input.suite !== undefined ? planSuiteRun({ suites: [input.suite], settings, params: input.params ?? {}, quick: input.quick, naming: 'field' }) : undefined;
  const s = plan?.settings ?? withSeed(RUN_PARAMS.parse(settings, { quick: input.quick, naming: 'field' }));
  if (s.duration + s.warmup > ctx.config.maxBenchmarkUs) {
    throw new UsageError(`duration + warmup is ${formatUs(s.duration + s.warmup)}; this server allows at most ${formatUs(ctx.config.maxBenchmarkUs)} per benchmark`);
  }
  const what = input.suite !== undefined ? `${input.suite} on ${backend}` : `${input.protocol} ${input.scenario ?? '(default scenario)'} (simulator, ${input.nodes} nodes)`;
  const slot = ctx.beginBenchmark(what);
  const controller = new AbortController();
  const onAbort = (): void => controller.abort();
  extra.signal.addEventListener('abort', onAbort, { once: true });
  const warnings: string[] = [];
  const record: RecordEnvironment = {
    dataDir: ctx.config.dataDir,
    history: ctx.config.historyPath ?? false,
    warn: (m: string) => {
      warnings.push(m);
      ctx.config.log(`warning: ${m}`);
    },
    // The summary goes to the server's own store, the one its memory_* tools read.
    context: { memoryStore: () => ctx.backend() },
  };
  let run: RunResult;
  try {
    const progress = mcpProgress(extra, (s.duration + s.warmup) / 1000);
    if (plan) {
      run = await executeSuiteRun(plan, { ...record, signal: controller.signal, progress, command: 'mcp benchmark_run', ...(input.tags ? { tags: input.tags } : {}) });
    } else {
      // A protocol benchmark: the same code path as `swarmperf bench`, from its default flags.
      const raw = { ...consensusBenchDefaults(), ...protocolFlags(input.protocolParams), protocol: input.protocol, scenario: input.scenario, nodes: String(input.nodes), mode: 'sim' };
      const bench = await runConsensusBench(raw, {
        durationUs: s.duration,
        warmupUs: s.warmup,
        intervalUs: s.interval,
        ...(s.iterations !== undefined ? { iterations: s.iterations } : {}),
        seed: s.seed,
        signal: controller.signal,
        progress,
        startedAt: new Date(),
        ...(input.tags ? { tags: input.tags } : {}),
      });
      run = buildRunResult(bench.run);
      run.config.command = 'mcp benchmark_run';
      await recordRun(run, record);
    }
  } finally {
    extra.signal.removeEventListener('abort', onAbort);
    slot.release();
  }
  ctx.remember(run);
  const summary = summarizeRun(run);
  const text = summaryText(run) + (warnings.length > 0 ? `\nwarnings:\n${warnings.map((w) => `  ${w}`).join('\n')}` : '');
  return ok(text, { ...summary, memoryKey: `${MEMORY_NAMESPACE}/${memoryKey(run.id)}`, ...(warnings.length > 0 ? { warnings } : {}) });
}
