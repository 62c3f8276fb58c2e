/**
 * mcp-bench as a library function: connect to any MCP server (timing its cold start), pick and
 * check the tools and their arguments, drive tools/call under a load model, and return a
 * SuiteResult named `mcp` whose operations are the tools. The CLI and the MCP server both call this.
 */
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { constantRate, DEFAULT_MAX_IN_FLIGHT, DEFAULT_MAX_LAG_US } from '../../load/open-loop.js';
import type { Clock } from '../../measure/clock.js';
import { median as exactMedian } from '../../measure/stats.js';
import { closedLoopExecutor, openLoopExecutor } from '../../runner/executors.js';
import { runSuite } from '../../runner/suite.js';
import type { ProgressSink } from '../../core/events.js';
import type { CheckResult, OperationResult, SuiteResult } from '../../core/result.js';
import { UsageError } from '../../core/parse.js';
import { checkToolArgs, type ToolArgs } from './args.js';
import { connectMcp, type ColdStart, type McpConnection } from './connect.js';
import type { McpTargetSpec } from './spec.js';
import { createToolWorkload, IS_ERROR_REASON, PROTOCOL_REASON_PREFIX, type ToolCallSpec } from './workload.js';

/** Closed loop: N calls in flight on the one session. Open loop: arrivals at `rate`/s (wrk2-style). */
export type McpLoadModel = { model: 'closed'; concurrency: number } | { model: 'open'; rate: number; maxInFlight?: number };

/** Which tools to call: one named tool, or every tool the server lists (minus exclusions). */
export type McpToolSelection =
  | { mode: 'one'; tool: string; args: ToolArgs }
  | { mode: 'all'; argsByTool: Map<string, ToolArgs>; exclude: string[]; /** Name of the source of argsByTool, for messages. */ argsSource: string };

export interface McpBenchOptions {
  target: McpTargetSpec;
  tools: McpToolSelection;
  load: McpLoadModel;
  clock: Clock;
  durationUs: number;
  warmupUs: number;
  intervalUs: number;
  iterations?: number;
  seed: number;
  /** Per-call timeout, ms. */
  timeoutMs: number;
  /** How many times to cold-start the server (stdio): the figure reported is the median. */
  coldStarts: number;
  signal: AbortSignal;
  progress: ProgressSink;
}

export interface McpBenchOutcome {
  suite: SuiteResult;
  /** Tools that were skipped (all-tools mode), with why. */
  skipped: Array<{ tool: string; reason: string }>;
  serverName: string;
  serverVersion: string;
  coldStarts: ColdStart[];
}

/** Resolves the tool selection against the server's tool list; unknown names are usage errors. */
export function selectTools(listed: Tool[], selection: McpToolSelection): { calls: ToolCallSpec[]; skipped: Array<{ tool: string; reason: string }> } {
  const byName = new Map(listed.map((t) => [t.name, t]));
  const known = (): string => (listed.length > 0 ? listed.map((t) => t.name).join(', ') : '(the server lists no tools)');
  if (selection.mode === 'one') {
    const tool = byName.get(selection.tool);
    if (!tool) throw new UsageError(`--tool: the server has no tool "${selection.tool}"; its tools: ${known()}`);
    const problem = checkToolArgs(tool, selection.args);
    if (problem) throw new UsageError(`--args: arguments do not match the input schema of tool "${tool.name}": ${problem}`);
    return { calls: [{ name: tool.name, args: selection.args }], skipped: [] };
  }
  for (const name of selection.argsByTool.keys()) {
    if (!byName.has(name)) throw new UsageError(`${selection.argsSource}: names tool "${name}", which the server does not list; its tools: ${known()}`);
  }
  for (const name of selection.exclude) {
    if (!byName.has(name)) throw new UsageError(`--exclude: the server has no tool "${name}"; its tools: ${known()}`);
  }
  const calls: ToolCallSpec[] = [];
  const skipped: Array<{ tool: string; reason: string }> = [];
  for (const tool of listed) {
    if (selection.exclude.includes(tool.name)) continue;
    const args = selection.argsByTool.get(tool.name) ?? {};
    const problem = checkToolArgs(tool, args);
    // With a file the user said what to send: a mismatch is their mistake. Without an entry, a tool
    // needing arguments cannot be called meaningfully, so it is skipped and said so.
    if (problem && selection.argsByTool.has(tool.name)) {
      throw new UsageError(`${selection.argsSource}: arguments for tool "${tool.name}" do not match its input schema: ${problem}`);
    }
    if (problem) skipped.push({ tool: tool.name, reason: `needs arguments (${problem}); add them to ${selection.argsSource}` });
    else calls.push({ name: tool.name, args });
  }
  if (calls.length === 0) throw new UsageError(`--all-tools: no tool left to call${skipped.length > 0 ? ` (${skipped.map((s) => `${s.tool}: ${s.reason}`).join('; ')})` : ''}`);
  return { calls, skipped };
}

const CONNECT_TIMEOUT_MS = 60_000;

const usToMs = (us: number): number => Math.round(us) / 1000;
/** Median of integer µs, rounded to an integer µs. */
const median = (values: number[]): number => Math.round(exactMedian(values));

export async function runMcpBench(o: McpBenchOptions): Promise<McpBenchOutcome> {
  const coldStartCount = o.target.kind === 'stdio' ? Math.max(1, o.coldStarts) : 1;
  const coldStarts: ColdStart[] = [];
  // Extra cold starts first (each a fresh process, closed at once); the last one is kept for the
  // measured run so the run pays for exactly one server process.
  let conn: McpConnection | undefined;
  for (let i = 0; i < coldStartCount; i++) {
    if (o.signal.aborted && conn) break;
    if (conn) await conn.close();
    // The handshake gets its own, generous timeout: a cold start of seconds is a figure, not a failure.
    conn = await connectMcp(o.target, { clock: o.clock, timeoutMs: Math.max(o.timeoutMs, CONNECT_TIMEOUT_MS) });
    coldStarts.push(conn.coldStart);
  }
  const connection = conn as McpConnection;
  try {
    const { calls, skipped } = selectTools(connection.tools, o.tools);
    for (const s of skipped) o.progress.log(`mcp-bench: skipping tool ${s.tool}: ${s.reason}`);
    const { workload, stats } = createToolWorkload(connection.client, calls, o.timeoutMs);
    const pid = connection.pid;
    const loadLabel = o.load.model === 'closed' ? `concurrency ${o.load.concurrency}` : `${o.load.rate}/s`;
    const phases = { warmupUs: o.warmupUs, durationUs: o.durationUs, ...(o.iterations !== undefined ? { iterations: o.iterations } : {}) };
    const executor =
      o.load.model === 'closed'
        ? closedLoopExecutor(workload, { ...phases, concurrency: o.load.concurrency })
        : openLoopExecutor(workload, { ...phases, schedule: constantRate(o.load.rate), maxInFlight: o.load.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT, maxLagUs: DEFAULT_MAX_LAG_US });
    const { suite } = await runSuite({
      suite: 'mcp',
      backend: o.target.display,
      label: `mcp ${calls.length === 1 ? (calls[0] as ToolCallSpec).name : `${calls.length} tools`} (${loadLabel})`,
      executor,
      clock: o.clock,
      warmupUs: o.warmupUs,
      durationUs: o.durationUs,
      intervalUs: o.intervalUs,
      seed: o.seed,
      signal: o.signal,
      progress: o.progress,
      ...(pid !== null ? { sampler: { children: () => [{ pid, label: 'mcp-server' }] } } : {}),
      // Every tool under test appears in the result, even one that never completed a call.
      declare: calls.map((c) => c.name),
      judge: (m) => ({ checks: serverChecks(connection, stats, m.operations), metrics: coldStartMetrics(o, connection, coldStarts, calls.length, m.operations) }),
    });
    return { suite, skipped, serverName: connection.serverName, serverVersion: connection.serverVersion, coldStarts };
  } finally {
    await connection.close().catch(() => {});
  }
}

function serverChecks(connection: McpConnection, stats: ReturnType<typeof createToolWorkload>['stats'], operations: OperationResult[]): CheckResult[] {
  const protocolErrors = countReasons(operations, (r) => r.startsWith(PROTOCOL_REASON_PREFIX));
  const isErrorResults = countReasons(operations, (r) => r === IS_ERROR_REASON);
  return [
    {
      name: 'server stayed up',
      passed: !connection.closedUnexpectedly,
      detail: connection.closedUnexpectedly ? `the connection closed during the run${connection.stderrTail() ? `; server stderr: ${connection.stderrTail().slice(-300)}` : ''}` : 'connection open from cold start to the end',
    },
    {
      name: 'no protocol errors',
      passed: protocolErrors === 0,
      detail: protocolErrors === 0 ? 'every tools/call got a well-formed response' : `${protocolErrors} protocol errors; first: ${[...stats.firstProtocolError].map(([t, m]) => `${t}: ${m}`).join('; ').slice(0, 400)}`,
    },
    {
      name: 'no tool errors (isError)',
      passed: isErrorResults === 0,
      detail: isErrorResults === 0 ? 'no result had isError: true' : `${isErrorResults} results with isError: true; first: ${[...stats.firstToolError].map(([t, m]) => `${t}: ${m}`).join('; ').slice(0, 400)}`,
    },
  ];
}

function coldStartMetrics(o: McpBenchOptions, connection: McpConnection, coldStarts: ColdStart[], benchmarked: number, operations: OperationResult[]): Record<string, number> {
  const kept = coldStarts.map((c) => c.totalUs);
  const metrics: Record<string, number> = {
    coldStartMs: usToMs(median(kept)),
    initializeMs: usToMs(median(coldStarts.map((c) => c.initializeUs))),
    toolsListMs: usToMs(median(coldStarts.map((c) => c.toolsListUs))),
    toolsListed: connection.tools.length,
    toolsBenchmarked: benchmarked,
    protocolErrors: countReasons(operations, (r) => r.startsWith(PROTOCOL_REASON_PREFIX)),
    isErrorResults: countReasons(operations, (r) => r === IS_ERROR_REASON),
  };
  if (o.target.kind === 'stdio') metrics.spawnMs = usToMs(median(coldStarts.map((c) => c.spawnUs)));
  if (coldStarts.length > 1) {
    metrics.coldStartMinMs = usToMs(Math.min(...kept));
    metrics.coldStartMaxMs = usToMs(Math.max(...kept));
    metrics.coldStarts = coldStarts.length;
  }
  return metrics;
}

function countReasons(ops: OperationResult[], match: (reason: string) => boolean): number {
  let n = 0;
  for (const op of ops) for (const [reason, count] of Object.entries(op.errorReasons ?? {})) if (match(reason)) n += count;
  return n;
}
