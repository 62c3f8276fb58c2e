/**
 * What the commands reading the history share (history, compare, trends, anomalies, alerts): the
 * --history/--data-dir flags, opening the store, --since and run references, and turning a bad
 * reference into a usage error (exit 2) while a bad history file stays an error naming the file.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { resolveDataDir } from '../../results/data-dir.js';
import { HistoryRefError, historyPathFromOptions, openHistory, type HistoryStore } from '../../results/history/store.js';
import { parseRunResult, type RunResult } from '../../core/result.js';
import { collect, MAX_LOOKBACK_US, parseDurationUs, parseKeyValue, UsageError } from '../../core/parse.js';
import { addResultFlags, checkResultFlags, type ResultFlags } from '../result-flags.js';

export interface HistoryFlags extends ResultFlags {
  history?: string;
  dataDir?: string;
  since?: string;
  tag?: string[];
}

export function addHistoryFlags(cmd: Command, opts: { json?: boolean; since?: boolean; tag?: boolean } = {}): Command {
  cmd.option('--history <file>', 'history database (default <data-dir>/history.db)').option('--data-dir <dir>', 'where swarmperf keeps its data (default ./.swarmperf or $SWARMPERF_HOME)');
  if (opts.json !== false) addResultFlags(cmd);
  else cmd.option('--quiet', 'no notes on stderr (results and errors still shown)');
  // A bad --json path fails before the history is read.
  cmd.hook('preAction', (_cmd, action) => checkResultFlags(action.opts<ResultFlags>()));
  if (opts.since) cmd.option('--since <when>', 'only runs since a duration ago (30d, 12h) or a date (2026-01-31)');
  if (opts.tag) cmd.option('--tag <k=v>', 'only runs with this tag (repeatable)', collect, []);
  return cmd;
}

export function dataDirOf(flags: HistoryFlags): string {
  return resolveDataDir(flags.dataDir);
}

/** Opens the history for reading; a missing history is an empty one, not an error. */
export function openHistoryFromFlags(flags: HistoryFlags, create = false): HistoryStore | undefined {
  const path = historyPathFromOptions(flags as Record<string, unknown>, dataDirOf(flags)) as string;
  if (!create && !existsSync(path)) return undefined;
  return openHistory(path);
}

export function historyPathFromFlags(flags: HistoryFlags): string {
  return historyPathFromOptions(flags as Record<string, unknown>, dataDirOf(flags)) as string;
}

/** `--since 30d` (ago) or `--since 2026-01-31` (a date, UTC). */
export function parseSince(raw: string | undefined, now = Date.now()): Date | undefined {
  if (raw === undefined) return undefined;
  const text = raw.trim();
  if (/^\d+(\.\d+)?\s*(us|µs|ms|s|m|min|h|d)?$/.test(text)) return new Date(now - parseDurationUs('--since', text, { max: MAX_LOOKBACK_US }) / 1000);
  const t = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(t)) throw new UsageError(`--since: expected a duration ago (30d, 12h) or a date (2026-01-31), got "${raw}"`);
  return new Date(t);
}

export function parseTags(raw: string[] | undefined): Record<string, string> | undefined {
  if (!raw || raw.length === 0) return undefined;
  const tags: Record<string, string> = {};
  for (const t of raw) {
    const [k, v] = parseKeyValue('--tag', t);
    tags[k] = v;
  }
  return tags;
}

/** True when a run argument names a RunResult JSON file rather than a run in the history. */
export function looksLikeFile(ref: string): boolean {
  return ref.endsWith('.json') || (ref.includes('/') && existsSync(ref));
}

export function readRunFile(file: string): RunResult {
  if (!existsSync(file)) throw new UsageError(`${file}: no such file`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`${file}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  try {
    return parseRunResult(raw, file);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

/** A run from a JSON file or from the history (id, prefix, latest, latest~N). */
export function loadRun(ref: string, history: HistoryStore | undefined, historyPath: string): RunResult {
  if (looksLikeFile(ref)) return readRunFile(ref);
  if (!history) throw new UsageError(`run "${ref}": no history at ${historyPath} yet (run a benchmark first, or give a RunResult .json file)`);
  return asUsage(() => history.getRun(ref));
}

/** Runs `fn`, turning a bad run reference into a usage error (exit 2). */
export function asUsage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof HistoryRefError) throw new UsageError(err.message);
    throw err;
  }
}

