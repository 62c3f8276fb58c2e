/**
 * What every tool of the swarmperf MCP server shares: the data folder, the configured backend
 * (opened once, lazily), the history, the runs measured in this session, and the one-benchmark-
 * at-a-time guard. Tools call library functions through this; nothing here formats output.
 */
import { UsageError } from '../core/parse.js';
import type { RunResult } from '../core/result.js';
import { existsSync } from 'node:fs';
import { loadTrends } from '../report/history-trends.js';
import { HistoryRefError, openHistory } from '../results/history/store.js';
import type { TrendSeries } from '../report/model.js';
import { openBackend, parseBackendSpec } from '../targets/backend.js';
import type { Backend } from '../targets/ports.js';

export interface ServerConfig {
  /** Absolute path of the data folder: the only place the server writes. */
  dataDir: string;
  /** Backend spec for the memory tools (and benchmark_run's default), e.g. "sqlite". */
  backend: string;
  /** History database, or undefined when runs are not recorded (--no-history). */
  historyPath: string | undefined;
  /** Longest benchmark a client may ask for, µs. */
  maxBenchmarkUs: number;
  /** Where the server says what it does (stderr; stdout is the protocol channel on stdio). */
  log: (line: string) => void;
  /** Folders (real paths) tools may read files from besides the data folder (`--allow-path`). */
  allowedPaths?: readonly string[];
}

/** Runs kept in memory for agent_metrics & co. even when history is off. */
const RECENT_RUNS = 20;

export class ServerContext {
  private backendPromise: Promise<Backend> | undefined;
  private readonly recent = new Map<string, RunResult>();
  private running: { id: string; what: string; since: Date } | undefined;
  private runSeq = 0;

  constructor(readonly config: ServerConfig) {
    // Fail at startup, not at the first memory call, on a spec that cannot work.
    parseBackendSpec(config.backend, config.dataDir);
  }

  /** The configured backend, opened on first use and shared by every session. */
  backend(): Promise<Backend> {
    this.backendPromise ??= openBackend(this.config.backend, this.config.dataDir).catch((err: unknown) => {
      this.backendPromise = undefined; // let a later call retry (e.g. a locked file freed)
      throw err;
    });
    return this.backendPromise;
  }

  remember(run: RunResult): void {
    this.recent.set(run.id, run);
    while (this.recent.size > RECENT_RUNS) this.recent.delete(this.recent.keys().next().value as string);
  }

  /**
   * Trends of a run against the history (the same series and change points `swarmperf report`
   * shows); empty when history is off or the file does not exist yet.
   */
  trendsFor(run: RunResult, window = 20): TrendSeries[] {
    if (!this.config.historyPath || !existsSync(this.config.historyPath)) return [];
    const h = openHistory(this.config.historyPath);
    try {
      return loadTrends(run, [run], h, window);
    } finally {
      h.close();
    }
  }

  /**
   * A run by reference: an id (or unique prefix), `latest`, `latest~N` — from the history when
   * there is one, else from the runs of this session.
   */
  getRun(ref: string): RunResult {
    const exact = this.recent.get(ref);
    if (exact) return exact;
    if (this.config.historyPath) {
      const h = openHistory(this.config.historyPath);
      try {
        return h.getRun(ref);
      } finally {
        h.close();
      }
    }
    const runs = [...this.recent.values()];
    const latest = /^latest(?:~(\d+))?$/.exec(ref);
    if (latest) {
      const back = Number(latest[1] ?? 0);
      const run = runs[runs.length - 1 - back];
      if (!run) throw new HistoryRefError(`no run "${ref}": ${runs.length} run(s) measured in this session and history is off`);
      return run;
    }
    const matches = runs.filter((r) => r.id.startsWith(ref));
    if (matches.length === 1) return matches[0] as RunResult;
    throw new HistoryRefError(matches.length === 0 ? `no run "${ref}" in this session (history is off)` : `"${ref}" matches ${matches.length} runs; give more of the id`);
  }

  /** Claims the benchmark slot: two benchmarks at once would each measure the other's load. */
  beginBenchmark(what: string): { release: () => void } {
    if (this.running) {
      throw new UsageError(`a benchmark is already running (${this.running.what}, started ${this.running.since.toISOString()}); wait for it to finish`);
    }
    const id = `b${++this.runSeq}`;
    this.running = { id, what, since: new Date() };
    return {
      release: () => {
        if (this.running?.id === id) this.running = undefined;
      },
    };
  }

  async close(): Promise<void> {
    const p = this.backendPromise;
    this.backendPromise = undefined;
    if (p) await (await p.catch(() => undefined))?.close();
  }
}
