/**
 * Live runs: an Output that appends every event of a run, as it happens, to
 * <data-dir>/live/<run-id>.jsonl, and a reader that follows those files. A dashboard started in
 * another process on the same data folder streams a run while it is measured this way — no socket
 * between the two, nothing lost when the dashboard starts late (it reads the file from the top), and
 * a run with no dashboard costs one small append per interval window.
 */
import { appendFileSync, closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Output, RunStartEvent, RunWindowEvent } from '../core/events.js';
import type { RunResult } from '../core/result.js';

export const LIVE_DIR = 'live';
/** Live files of runs that ended longer ago than this are removed when a new live run starts. */
const KEEP_FINISHED_MS = 24 * 3_600_000;
/** A live file that has not grown for this long belongs to a run that died without `finish`. */
export const STALE_AFTER_MS = 5 * 60_000;

export type LiveEvent =
  | ({ type: 'start' } & RunStartEvent)
  | ({ type: 'window' } & RunWindowEvent)
  | { type: 'finish'; runId: string; finishedAt: string; partial: boolean; passed: boolean };

export function liveDir(dataDir: string): string {
  return join(dataDir, LIVE_DIR);
}

/** Run ids become file names: anything outside [A-Za-z0-9._-] is replaced, so an id cannot walk out of live/. */
export function liveFileName(runId: string): string {
  const safe = runId.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 120);
  return `${safe === '' || safe.startsWith('.') ? `_${safe}` : safe}.jsonl`;
}

function append(file: string, event: LiveEvent): void {
  // One write of one line: appends of under PIPE_BUF-ish sizes from one writer are never interleaved,
  // and a reader that sees a partial last line waits for its newline.
  appendFileSync(file, `${JSON.stringify(event)}\n`);
}

function removeOldFiles(dir: string, nowMs: number): void {
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.jsonl')) continue;
    const path = join(dir, name);
    try {
      if (nowMs - statSync(path).mtimeMs > KEEP_FINISHED_MS) rmSync(path, { force: true });
    } catch {
      // Another process removed it first: nothing to do.
    }
  }
}

function allChecksPassed(result: RunResult): boolean {
  return result.suites.every((s) => s.checks.every((c) => c.passed));
}

/** The Output that keeps a run's live file. */
export function liveOutput(dataDir: string): Output {
  let file: string | undefined;
  return {
    name: 'live',
    start(event) {
      const dir = liveDir(dataDir);
      mkdirSync(dir, { recursive: true });
      removeOldFiles(dir, Date.now());
      file = join(dir, liveFileName(event.runId));
      append(file, { type: 'start', ...event });
    },
    window(event) {
      if (file) append(file, { type: 'window', ...event });
    },
    finish(result) {
      if (!file) return;
      append(file, { type: 'finish', runId: result.id, finishedAt: result.finishedAt, partial: result.partial, passed: allChecksPassed(result) });
    },
  };
}

/** Where a follower has got to in one live file. */
export interface LiveCursor {
  file: string;
  offset: number;
  /** Bytes after the last newline, kept until their line is complete. */
  pending: string;
}

const MAX_READ = 4 * 1024 * 1024;
/** A line longer than this is not ours (a window event is a few KB): it is skipped, not buffered forever. */
const MAX_LINE = 1024 * 1024;

/** Reads the complete lines appended since the cursor; malformed lines are skipped and counted. */
export function readLiveEvents(cursor: LiveCursor): { events: LiveEvent[]; skipped: number } {
  const events: LiveEvent[] = [];
  let skipped = 0;
  if (!existsSync(cursor.file)) return { events, skipped };
  const fd = openSync(cursor.file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size < cursor.offset) {
      cursor.offset = 0;
      cursor.pending = '';
    }
    const length = Math.min(size - cursor.offset, MAX_READ);
    if (length <= 0) return { events, skipped };
    const buffer = Buffer.alloc(length);
    const read = readSync(fd, buffer, 0, length, cursor.offset);
    cursor.offset += read;
    const text = cursor.pending + buffer.subarray(0, read).toString('utf8');
    const lines = text.split('\n');
    cursor.pending = lines.pop() ?? '';
    if (cursor.pending.length > MAX_LINE) {
      cursor.pending = '';
      skipped++;
    }
    for (const line of lines) {
      if (line.trim() === '') continue;
      const event = parseLiveEvent(line);
      if (event) events.push(event);
      else skipped++;
    }
  } finally {
    closeSync(fd);
  }
  return { events, skipped };
}

function parseLiveEvent(line: string): LiveEvent | undefined {
  try {
    const value = JSON.parse(line) as Partial<LiveEvent>;
    if (typeof value !== 'object' || value === null || typeof value.runId !== 'string') return undefined;
    if (value.type === 'start' || value.type === 'window' || value.type === 'finish') return value as LiveEvent;
  } catch {
    // A line that is not JSON is counted by the caller.
  }
  return undefined;
}

/** The live files of a data folder, newest first, with whether each looks stale (writer gone). */
export function listLiveFiles(dataDir: string, nowMs = Date.now()): Array<{ file: string; mtimeMs: number; stale: boolean }> {
  const dir = liveDir(dataDir);
  if (!existsSync(dir)) return [];
  const out: Array<{ file: string; mtimeMs: number; stale: boolean }> = [];
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.jsonl')) continue;
    const file = join(dir, name);
    try {
      const mtimeMs = statSync(file).mtimeMs;
      out.push({ file, mtimeMs, stale: nowMs - mtimeMs > STALE_AFTER_MS });
    } catch {
      // Removed between readdir and stat.
    }
  }
  return out.sort((a, b) => b.mtimeMs - a.mtimeMs);
}
