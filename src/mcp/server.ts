/**
 * The swarmperf MCP server: the library's benchmark, analysis and shared-memory functions as MCP
 * tools. One McpServer per client session (stdio has one; HTTP one per session), all sharing one
 * ServerContext (backend, history, the benchmark slot). Every input is validated by its zod
 * schema (unknown fields rejected), and bad input is answered with an isError result naming what
 * is wrong.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { swarmperfVersion } from '../results/env.js';
import { SwarmperfStdioTransport } from './stdio.js';
import { ServerContext, type ServerConfig } from './context.js';
import { registerAnalysisTools } from './tools/analysis.js';
import { registerBenchmarkTools } from './tools/benchmark.js';
import { registerMemoryTools } from './tools/memory.js';
import { registerProfileTools } from './tools/profile.js';
import { registerReportTools } from './tools/reports.js';
import { registerSystemTools } from './tools/system.js';
import { registerTuneTools } from './tools/tune.js';

export const SERVER_NAME = 'swarmperf';

export function createSwarmperfServer(ctx: ServerContext): McpServer {
  const server = new McpServer(
    { name: SERVER_NAME, version: swarmperfVersion() },
    {
      capabilities: { tools: {} },
      instructions:
        'swarmperf measures multi-agent coordination systems. benchmark_run runs a suite and records it; agent_metrics, bottleneck_detect and performance_report read a recorded run (default: latest); memory_* tools share state between agents under full keys "namespace/key".',
      // Bounds what one call can make the server parse (a huge args object is an easy way to stall it).
      maxToolInputElements: 10_000,
    },
  );
  registerBenchmarkTools(server, ctx);
  registerAnalysisTools(server, ctx);
  registerReportTools(server, ctx);
  registerProfileTools(server, ctx);
  registerTuneTools(server, ctx);
  registerSystemTools(server, ctx);
  registerMemoryTools(server, ctx);
  return server;
}

export function createContext(config: ServerConfig): ServerContext {
  return new ServerContext(config);
}

/**
 * Serves one client on stdin/stdout until it disconnects; resolves when the session ends. Every
 * way it ends is said on stderr: the server never stops silently.
 */
export async function serveStdio(ctx: ServerContext): Promise<void> {
  const server = createSwarmperfServer(ctx);
  const transport = new SwarmperfStdioTransport({ log: ctx.config.log });
  let why = 'the client closed stdin';
  const closed = new Promise<void>((resolve) => {
    server.server.onclose = () => resolve();
  });
  // Transport trouble (a broken pipe, a bad message) is logged; only the end of stdin ends the session.
  server.server.onerror = (err) => ctx.config.log(`stdio: ${err.message}`);
  process.stdout.once('error', (err) => {
    why = `stdout failed (${(err as NodeJS.ErrnoException).code ?? err.message})`;
    void transport.close();
  });
  await server.connect(transport);
  ctx.config.log(`swarmperf MCP server on stdio (backend ${ctx.config.backend}, data ${ctx.config.dataDir})`);
  await closed;
  ctx.config.log(`session ended: ${why}; server stopping`);
  await server.close().catch(() => {});
  await ctx.close();
}
