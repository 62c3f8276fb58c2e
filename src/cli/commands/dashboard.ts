/**
 * `swarmperf dashboard`: the local web dashboard over the data folder (history, tool timings, live
 * runs) and /metrics for Prometheus. Binds to loopback; another host only with --allow-remote.
 */
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { resolveDataDir } from '../../results/data-dir.js';
import { historyPathFromOptions } from '../../results/history/store.js';
import { parseIntFlag, UsageError } from '../../core/parse.js';
import { addResultFlags, checkResultFlags, printNote, printResults, type ResultFlags } from '../result-flags.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** The first browser opener found on PATH, started detached; nothing happens when there is none. */
function openBrowser(url: string): string | undefined {
  for (const opener of ['xdg-open', 'open', 'chromium', 'firefox']) {
    try {
      const child = spawn(opener, [url], { detached: true, stdio: 'ignore' });
      child.on('error', () => undefined);
      child.unref();
      return opener;
    } catch {
      // Not installed: try the next one.
    }
  }
  return undefined;
}

export function registerDashboardCommand(program: Command): void {
  const cmd = program
    .command('dashboard')
    .description('serve the live dashboard (overview, trends, runs, tools, consensus, live runs) and /metrics on 127.0.0.1')
    .option('--port <n>', 'port to listen on (0 picks a free one)', '0')
    .option('--host <addr>', 'address to bind (loopback only unless --allow-remote)', '127.0.0.1')
    .option('--allow-remote', 'allow a non-loopback --host (the dashboard has no login: anyone who reaches it reads your results)')
    .option('--open', 'open the dashboard in a browser if one is installed')
    .option('--data-dir <dir>', 'where swarmperf keeps its data (default ./.swarmperf or $SWARMPERF_HOME)')
    .option('--history <file>', 'history database (default <data-dir>/history.db)');
  addResultFlags(cmd, '{url, port}').action(async (raw: Record<string, unknown> & ResultFlags) => {
      checkResultFlags(raw);
      const port = parseIntFlag('--port', String(raw.port), 0, 65535);
      const host = String(raw.host);
      if (!LOOPBACK.has(host) && raw.allowRemote !== true) throw new UsageError(`--host ${host}: not a loopback address; add --allow-remote to serve other machines (the dashboard has no login)`);
      const dataDir = resolveDataDir(raw.dataDir as string | undefined);
      const historyPath = historyPathFromOptions({ history: raw.history }, dataDir) as string;
      const { startDashboard } = await import('../../report/dashboard/server.js');
      let dashboard;
      try {
        dashboard = await startDashboard({ dataDir, historyPath, host: host === 'localhost' ? '127.0.0.1' : host, port });
      } catch (err) {
        const code = (err as { code?: string }).code;
        throw new UsageError(`--port ${port}: cannot listen on ${host}:${port} (${code ?? (err instanceof Error ? err.message : String(err))})`);
      }
      // The URL alone on stdout (or {url, port} with --json), so scripts and tests can read a port chosen with 0.
      printResults(raw, { url: dashboard.url, port: new URL(dashboard.url).port === '' ? 80 : Number(new URL(dashboard.url).port) }, () => dashboard.url);
      printNote(raw, `swarmperf dashboard: ${dashboard.url} (data ${dataDir}; /metrics for Prometheus; Ctrl-C stops)`);
      if (raw.open === true && !openBrowser(dashboard.url)) printNote(raw, 'swarmperf dashboard: no browser found to open; open the URL above');
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await dashboard.close();
    });
}
