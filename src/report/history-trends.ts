/**
 * The trend series a report shows for a run: its history window with change points. Used by
 * `swarmperf report` and by the MCP server (performance_report, benchmark answers).
 */
import { UsageError } from '../core/errors.js';
import type { RunResult } from '../core/result.js';
import { detectChangePoints } from '../results/changepoint.js';
import { HistoryError, type HistoryStore } from '../results/history/index.js';
import { buildTrends, type TrendSeries } from './model.js';

/**
 * Trends of `run` over the history: the `window` most recent runs that started no later than it
 * (it included), with change points from the E-Divisive detector. Without a history, the runs
 * given on the command line are the history (--input a.json b.json c.json).
 */
export function loadTrends(run: RunResult, runs: readonly RunResult[], history: HistoryStore | undefined, window: number): TrendSeries[] {
  let past: RunResult[] = [...runs];
  if (history) {
    try {
      const suites = new Set(run.suites.map((s) => s.name));
      const summaries = history
        .listRuns()
        .filter((s) => s.startedAt <= run.startedAt && s.id !== run.id && s.suites.some((n) => suites.has(n)))
        .slice(-(window - 1));
      past = summaries.map((s) => history.getRun(s.id));
    } catch (err) {
      if (err instanceof HistoryError) throw new UsageError(err.message);
      throw err;
    }
  }
  const all = [...past.filter((r) => r.id !== run.id && r.startedAt <= run.startedAt), run].slice(-window);
  return buildTrends(run, all, (values) => detectChangePoints(values).map((c) => c.index));
}
