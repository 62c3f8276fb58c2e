/**
 * `swarmperf mcp-bench`: benchmarks any MCP server's tools — spawned over stdio or reached over
 * streamable HTTP — under the closed- or open-loop model, and records a RunResult (suite `mcp`,
 * one operation per tool, cold start as suite metrics).
 */
import type { Command } from 'commander';
import { RealClock } from '../../measure/clock.js';
import { buildRunResult } from '../../results/run-result.js';
import { parseArgsFlag, readArgsFile } from '../../targets/mcp/args.js';
import type { McpLoadModel, McpToolSelection } from '../../targets/mcp/bench.js';
import { parseHeader, parseHttpTarget, parseStdioTarget, type McpTargetSpec } from '../../targets/mcp/spec.js';
import { requireLoopback } from '../../targets/http/safety.js';
import { addCommonFlags, commonConfig, finishRun, measurementOptions, openRun, resolveCommon, withInterrupt } from '../common.js';
import { addProfileFlags, profileIntervalOf, profilingFor } from '../profile-flags.js';
import { collect, parseDurationUs, parseIntFlag, parsePositiveNumber, UsageError } from '../../core/parse.js';

export function registerMcpBenchCommand(program: Command): void {
  const cmd = program
    .command('mcp-bench')
    .description("benchmark any MCP server's tools (stdio or streamable HTTP): latency, throughput, errors, cold start")
    .option('--stdio <command>', 'start the server with this command line, e.g. "node server.js --flag"')
    .option('--url <url>', 'streamable-HTTP endpoint of a running server, e.g. http://127.0.0.1:3000/mcp')
    .option('--header <name: value>', 'HTTP header for --url (repeatable), e.g. "Authorization: Bearer …"', collect, [])
    .option('--allow-remote', 'with --url: allow a server that is not loopback (127.0.0.0/8, ::1); off by default, as for load')
    .option('--tool <name>', 'the tool to call')
    .option('--args <json>', 'arguments for --tool, a JSON object', '{}')
    .option('--all-tools', 'call every tool the server lists, round-robin')
    .option('--args-file <file>', 'with --all-tools: JSON object mapping tool name to its arguments')
    .option('--exclude <name>', 'with --all-tools: leave this tool out (repeatable)', collect, [])
    .option('--concurrency <n>', 'closed loop: calls in flight at once on the session (default 1)')
    .option('--rate <n>', 'open loop: calls started per second, latency from the intended start')
    .option('--max-in-flight <n>', 'open loop: most calls in flight; later arrivals wait, then drop', '256')
    .option('--timeout <d>', 'per-call timeout (a call past it is a protocol error)', '30s')
    .option('--cold-starts <n>', 'stdio: start the server this many times and report the median cold start', '1');
  addCommonFlags(cmd, { duration: '10s', warmup: '1s' });
  addProfileFlags(cmd);
  cmd.action(async (raw: Record<string, unknown>) => {
    const profileIntervalUs = profileIntervalOf(raw);
    const target = resolveTarget(raw);
    if (raw.allowRemote === true && target.kind !== 'http') throw new UsageError('--allow-remote: only with --url');
    // Safe mode, as for load: a loopback server only, and connections to the addresses checked.
    if (target.kind === 'http' && raw.allowRemote !== true) target.addresses = await requireLoopback('--url', target.url);
    const tools = resolveTools(raw, cmd.getOptionValueSource('args') !== 'default');
    const load = resolveLoad(raw);
    const timeoutUs = parseDurationUs('--timeout', String(raw.timeout));
    if (timeoutUs < 1000) throw new UsageError(`--timeout: expected at least 1ms, got "${String(raw.timeout)}"`);
    const coldStarts = parseIntFlag('--cold-starts', String(raw.coldStarts), 1, 100);
    if (coldStarts > 1 && target.kind !== 'stdio') throw new UsageError('--cold-starts: only with --stdio (an HTTP server is already running)');
    const o = resolveCommon(raw);
    const clock = new RealClock();
    const run = await openRun(o, { command: 'mcp-bench', suites: ['mcp'], plannedDurationUs: o.durationUs });
    const profiling = await profilingFor(raw, profileIntervalUs, o.dataDir, run.runId);
    const progress = run.monitor('mcp', o.durationUs);
    progress.log(`▶ mcp-bench · ${target.display} · ${load.model === 'closed' ? `concurrency ${load.concurrency}` : `rate ${load.rate}/s`} · seed ${o.seed}`);
    const outcome = await withInterrupt(progress, (signal) =>
      runMcpBenchLazily({
        target,
        tools,
        load,
        clock,
        ...measurementOptions(o),
        progress,
        timeoutMs: Math.round(timeoutUs / 1000),
        coldStarts,
        signal,
      }).then((r) => ({ ...r, aborted: signal.aborted })),
    );
    const result = buildRunResult({
      id: run.runId,
      startedAt: run.startedAt,
      finishedAt: new Date(),
      partial: outcome.aborted,
      config: {
        command: 'mcp-bench',
        target: target.kind === 'stdio' ? { kind: 'stdio', command: target.display } : { kind: 'http', url: target.display },
        server: { name: outcome.serverName, version: outcome.serverVersion },
        tools: outcome.suite.operations.map((op) => op.name),
        ...(outcome.skipped.length > 0 ? { skippedTools: outcome.skipped } : {}),
        loadModel: load.model,
        ...(load.model === 'closed' ? { concurrency: load.concurrency } : { rate: load.rate, maxInFlight: load.maxInFlight }),
        timeoutMs: Math.round(timeoutUs / 1000),
        coldStarts,
        ...commonConfig(o),
      },
      suites: [outcome.suite],
      tags: o.tags,
    });
    // Written before the enrichers run: the cpu-hotspot finding reads them.
    await profiling?.finish(result);
    process.exitCode = await finishRun(result, o, {}, run);
  });
}

function resolveTarget(raw: Record<string, unknown>): McpTargetSpec {
  const stdio = raw.stdio as string | undefined;
  const url = raw.url as string | undefined;
  const headers = (raw.header as string[] | undefined) ?? [];
  if (stdio !== undefined && url !== undefined) throw new UsageError('mcp-bench: give either --stdio or --url, not both');
  if (stdio === undefined && url === undefined) throw new UsageError('mcp-bench: give the server to benchmark: --stdio "CMD ARGS" or --url URL');
  if (stdio !== undefined) {
    if (headers.length > 0) throw new UsageError('--header: only with --url');
    return parseStdioTarget('--stdio', stdio);
  }
  const parsed: Record<string, string> = {};
  for (const h of headers) {
    const [name, value] = parseHeader('--header', h);
    parsed[name] = value;
  }
  return parseHttpTarget('--url', url as string, parsed);
}

function resolveTools(raw: Record<string, unknown>, argsGiven: boolean): McpToolSelection {
  const tool = raw.tool as string | undefined;
  const all = raw.allTools === true;
  const argsFile = raw.argsFile as string | undefined;
  const exclude = (raw.exclude as string[] | undefined) ?? [];
  if (tool !== undefined && all) throw new UsageError('mcp-bench: give either --tool NAME or --all-tools, not both');
  if (tool === undefined && !all) throw new UsageError('mcp-bench: give the tool to call: --tool NAME [--args JSON], or --all-tools [--args-file FILE]');
  if (tool !== undefined) {
    if (tool.trim() === '') throw new UsageError('--tool: expected a tool name, got an empty string');
    if (argsFile !== undefined) throw new UsageError('--args-file: only with --all-tools (use --args JSON with --tool)');
    if (exclude.length > 0) throw new UsageError('--exclude: only with --all-tools');
    return { mode: 'one', tool, args: parseArgsFlag('--args', String(raw.args)) };
  }
  if (argsGiven) throw new UsageError('--args: only with --tool (use --args-file FILE with --all-tools)');
  return {
    mode: 'all',
    argsByTool: argsFile !== undefined ? readArgsFile('--args-file', argsFile) : new Map(),
    exclude,
    argsSource: argsFile !== undefined ? `--args-file ${argsFile}` : '--args-file',
  };
}

function resolveLoad(raw: Record<string, unknown>): McpLoadModel {
  if (raw.rate !== undefined && raw.concurrency !== undefined) throw new UsageError('mcp-bench: give either --rate (open loop) or --concurrency (closed loop), not both');
  if (raw.rate !== undefined) {
    return { model: 'open', rate: parsePositiveNumber('--rate', String(raw.rate)), maxInFlight: parseIntFlag('--max-in-flight', String(raw.maxInFlight), 1, 100_000) };
  }
  // Checked even in closed loop, where it does not apply: a bad value is an error, never ignored.
  parseIntFlag('--max-in-flight', String(raw.maxInFlight), 1, 100_000);
  return { model: 'closed', concurrency: raw.concurrency !== undefined ? parseIntFlag('--concurrency', String(raw.concurrency), 1, 10_000) : 1 };
}

/** The MCP SDK client loads only when a benchmark runs, not with every CLI command. */
async function runMcpBenchLazily(...args: Parameters<typeof import('../../targets/mcp/bench.js').runMcpBench>): ReturnType<typeof import('../../targets/mcp/bench.js').runMcpBench> {
  const { runMcpBench } = await import('../../targets/mcp/bench.js');
  return runMcpBench(...args);
}
