/**
 * Where `report` and `bottlenecks` get their runs: RunResult JSON files (--input, independent of
 * any history), or the history store (a run reference, or --last N). Every failure is one message
 * naming the file or reference. (The trends a report shows come from report/history-trends.ts.)
 */
import { existsSync, readFileSync } from 'node:fs';
import { withBottleneckFindings } from '../../analysis/enrich.js';
import { HistoryError, HistoryRefError, historyPathFromOptions, openHistory, type HistoryStore } from '../../results/history/index.js';
import { parseRunResult, type RunResult } from '../../core/result.js';
import { UsageError } from '../../core/parse.js';

export interface RunSourceOptions {
  /** A run reference: id, unique id prefix, latest, latest~N. */
  ref?: string;
  last?: number;
  inputs: string[];
  /** Raw command options (history / no-history). */
  raw: Record<string, unknown>;
  dataDir: string;
}

/** Reads a RunResult file: one RunResult, or an array of them (what `report --format json --last N` writes). */
export function readRunFile(file: string): RunResult[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--input ${file}: cannot read: ${err instanceof Error ? err.message : String(err)}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--input ${file}: not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const items = Array.isArray(data) ? data : [data];
  if (items.length === 0) throw new UsageError(`--input ${file}: the array holds no runs`);
  try {
    return items.map((item, i) => parseRunResult(item, Array.isArray(data) ? `${file}[${i}]` : file));
  } catch (err) {
    throw new UsageError(`--input ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Opens the history for reading, or undefined when there is none (and none is required). */
export function openHistoryForReading(raw: Record<string, unknown>, dataDir: string, required: boolean): HistoryStore | undefined {
  const path = historyPathFromOptions(raw, dataDir);
  if (path === undefined) {
    if (required) throw new UsageError('--no-history: there is no run to report without the history; give --input FILE');
    return undefined;
  }
  if (!existsSync(path)) {
    if (required) throw new UsageError(`no history at ${path}: run \`swarmperf run\` first, point --history/--data-dir at one, or give --input FILE`);
    return undefined;
  }
  try {
    return openHistory(path, { mustExist: true });
  } catch (err) {
    if (err instanceof HistoryError) throw new UsageError(err.message);
    throw err;
  }
}

/**
 * The runs to report, oldest first. Runs without findings (older runs, files written without the
 * pipeline) get them computed here, so every report shows them; nothing is written back.
 */
export function loadRuns(o: RunSourceOptions, history: HistoryStore | undefined): RunResult[] {
  if (o.inputs.length > 0 && o.ref !== undefined) throw new UsageError('give either a run reference or --input, not both');
  let runs: RunResult[];
  if (o.inputs.length > 0) {
    runs = o.inputs.flatMap(readRunFile);
    if (o.last !== undefined) runs = runs.slice(-o.last);
  } else {
    if (!history) throw new UsageError('no history to read runs from; give --input FILE');
    try {
      if (o.last !== undefined) {
        if (o.ref !== undefined) throw new UsageError('give either a run reference or --last N, not both');
        runs = history.latest(o.last);
        if (runs.length === 0) throw new UsageError(`the history ${history.path} holds no runs yet`);
      } else {
        runs = [history.getRun(o.ref ?? 'latest')];
      }
    } catch (err) {
      if (err instanceof HistoryRefError || err instanceof HistoryError) throw new UsageError(err.message);
      throw err;
    }
  }
  return runs.map((r) => (r.findings === undefined ? { ...r, findings: withBottleneckFindings(r) } : r));
}
