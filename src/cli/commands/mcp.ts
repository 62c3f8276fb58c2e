/**
 * `swarmperf mcp`: the MCP server, on stdio (for an agent host to spawn) or, with --http PORT, on
 * streamable HTTP at 127.0.0.1:PORT/mcp. Logs go to stderr: on stdio, stdout is the protocol.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, realpathSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { parseBackendSpec } from '../../targets/backend.js';
import { ensureDataDir, resolveDataDir } from '../../results/data-dir.js';
import { historyPathFromOptions } from '../../results/history/store.js';
import { DEFAULT_MAX_BENCHMARK_US, DEFAULT_SESSION_IDLE_US } from '../../mcp/limits.js';
import { collect, parseIntFlag, parsePositiveDurationUs, UsageError } from '../../core/parse.js';

/** An --allow-path folder, resolved through symlinks so a tool's path check compares real paths. */
function allowedFolder(dir: string): string {
  if (dir.trim() === '' || !existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--allow-path: ${JSON.stringify(dir)} is not an existing folder`);
  return realpathSync(dir);
}

export function registerMcpCommand(program: Command): void {
  program
    .command('mcp')
    .description('run the swarmperf MCP server (stdio, or streamable HTTP on 127.0.0.1 with --http)')
    .option('--http <port>', 'serve streamable HTTP on 127.0.0.1:PORT/mcp instead of stdio (0 picks a free port)')
    .option('--backend <spec>', 'backend for the memory tools and benchmarks: memory | sqlite | jsonfile (tuning after ?)', 'sqlite')
    .option('--data-dir <dir>', 'where swarmperf keeps its data (default ./.swarmperf or $SWARMPERF_HOME); the server writes nowhere else')
    .option('--history <file>', 'history database (default <data-dir>/history.db)')
    .option('--no-history', 'do not record benchmark runs in the history')
    .option('--max-duration <d>', 'longest benchmark (duration + warmup) a client may ask for', `${DEFAULT_MAX_BENCHMARK_US / 60_000_000}m`)
    .option('--allow-path <dir>', 'a folder tools may also read files from, e.g. a tool-timing log folder (repeatable; default: the data folder only)', collect, [])
    .option('--token <token>', 'with --http: the bearer token clients must send (default: a random one, printed at start)')
    .option('--no-token', 'with --http: ask no token (any local process may call the server)')
    .option('--session-idle <d>', 'with --http: close a session after this long without a request', `${DEFAULT_SESSION_IDLE_US / 60_000_000}m`)
    .action(async (raw: Record<string, unknown>, cmd: Command) => {
      const http = raw.http !== undefined;
      for (const flag of ['token', 'sessionIdle'] as const) {
        if (!http && cmd.getOptionValueSource(flag) === 'cli') throw new UsageError(`--${flag === 'token' ? 'token' : 'session-idle'}: only with --http (stdio has one client, its parent process)`);
      }
      const sessionIdleUs = parsePositiveDurationUs('--session-idle', String(raw.sessionIdle));
      if (typeof raw.token === 'string' && !/^[\x21-\x7e]{16,512}$/.test(raw.token)) throw new UsageError('--token: expected 16 to 512 printable characters without spaces');
      const token = raw.token === false ? undefined : typeof raw.token === 'string' ? raw.token : randomBytes(24).toString('base64url');
      const allowedPaths = (raw.allowPath as string[]).map((dir) => allowedFolder(dir));
      const dataDir = ensureDataDir(resolveDataDir(raw.dataDir as string | undefined));
      const backend = String(raw.backend);
      const head = backend.split('?', 1)[0] as string;
      // Server-side too: a path would put files outside the data folder, which the server promises not to do.
      if (head.includes(':')) throw new UsageError(`--backend: "${backend}": the MCP server keeps its files in the data folder; give a kind (memory, sqlite, jsonfile) and use --data-dir to move it`);
      parseBackendSpec(backend, dataDir);
      const historyPath = historyPathFromOptions(raw, dataDir);
      const log = (line: string): void => {
        process.stderr.write(`swarmperf mcp: ${line}\n`);
      };
      // The MCP SDK and the server load only when the server starts: the rest of the CLI stays fast.
      const { createContext, serveStdio } = await import('../../mcp/server.js');
      const ctx = createContext({ dataDir, backend, historyPath, maxBenchmarkUs: parsePositiveDurationUs('--max-duration', String(raw.maxDuration)), log, allowedPaths });
      if (raw.http === undefined) {
        await serveStdio(ctx);
        return;
      }
      const port = parseIntFlag('--http', String(raw.http), 0, 65535);
      let handle;
      try {
        const { startHttpServer } = await import('../../mcp/http.js');
        handle = await startHttpServer(ctx, port, { ...(token !== undefined ? { token } : {}), sessionIdleUs });
      } catch (err) {
        const code = (err as { code?: string }).code;
        throw new UsageError(`--http ${port}: cannot listen on 127.0.0.1:${port} (${code ?? (err instanceof Error ? err.message : String(err))})`);
      }
      // The URL on stdout, then the header clients must send, so scripts and tests can pick up a
      // port chosen with 0 and the token.
      process.stdout.write(`${handle.url}\n${token !== undefined ? `Authorization: Bearer ${token}\n` : ''}`);
      log(`listening on ${handle.url} (backend ${backend}, data ${dataDir})`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await handle.close();
      await ctx.close();
    });
}
