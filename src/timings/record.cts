/**
 * Recording tool timings from Claude Code hooks, one short process per event.
 *
 * Claude Code runs the hook command for PreToolUse and PostToolUse with the event as JSON on stdin
 * (session_id, tool_name, tool_input, tool_use_id, hook_event_name; tool_response on Post) and no
 * time or duration. So a Pre leaves a small file named after its tool_use_id in a state folder
 * holding the start time; the Post (or PostToolUseFailure) claims it with an atomic rename, and
 * appends one line in the tool-timing format to the log. Copies from several hook instances are
 * harmless: the first Pre wins (exclusive create), the first Post wins (rename), the others no-op.
 *
 * This file imports node built-ins only (and the name → category table): every millisecond of
 * import time is paid on every tool call of every agent. It is CommonJS (.cts → .cjs) so that the
 * hook process skips Node's ES-module loader start-up (~15 ms CPU on Node 20); ES modules import
 * it as './record.cjs'.
 */
import { appendFileSync, closeSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { categorize } from './categories.cjs';

export interface RecordOptions {
  /** The timing log (tool-timing.jsonl format) lines are appended to. */
  logPath: string;
  /** Where Pre events wait for their Post. */
  stateDir: string;
  /** Rotate the log when it would grow past this (bytes); 0 never rotates. */
  maxBytes?: number;
  /** Rotated logs kept: log.1 … log.N. */
  keep?: number;
  /** Pre events older than this are dropped when found (the tool never finished or was denied). */
  pendingTtlUs?: number;
  nowUs?: () => number;
}

export const DEFAULT_MAX_LOG_BYTES = 10 * 1024 * 1024;
export const DEFAULT_KEEP = 3;
export const DEFAULT_PENDING_TTL_US = 3_600_000_000;

/** One line of the tool-timing log (the format of the hyrm plugin's tool-timing.jsonl). */
export interface ToolTimingLine {
  timestamp: string;
  session_id: string | null;
  tool: string;
  call_id: string | null;
  start_time: number;
  end_time: number;
  duration_ms: number;
  input_size: number;
  output_size: number;
  success: boolean;
  category: string;
}

export type RecordOutcome =
  | { action: 'pending'; toolUseId: string }
  | { action: 'recorded'; line: ToolTimingLine }
  /** A Post whose Pre was never seen (hook installed mid-call) or already claimed by another copy. */
  | { action: 'unpaired'; toolUseId: string }
  | { action: 'ignored'; event: string };

export class HookInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HookInputError';
  }
}

/** Epoch µs with sub-millisecond resolution (Date.now() alone is whole ms). */
export function epochUs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

/** A file name for a tool_use_id: the id itself when it is safe, else its hex. */
function pendingName(id: string): string {
  return /^[A-Za-z0-9_-]{1,128}$/.test(id) ? `${id}.pre` : `${Buffer.from(id).toString('hex').slice(0, 200)}.pre`;
}

function str(o: Record<string, unknown>, k: string): string | null {
  const v = o[k];
  return typeof v === 'string' && v !== '' ? v : null;
}

function sizeOf(v: unknown): number {
  if (v === undefined) return 0;
  try {
    return JSON.stringify(v)?.length ?? 0;
  } catch {
    return 0;
  }
}

function responseFailed(r: unknown): boolean {
  if (r === null || typeof r !== 'object') return false;
  const o = r as Record<string, unknown>;
  return o.is_error === true || o.isError === true || o.success === false || o.interrupted === true || (typeof o.error === 'string' && o.error !== '');
}

/** Handles one hook event (the JSON text Claude Code writes to the hook's stdin). */
export function recordHookEvent(input: string, opts: RecordOptions): RecordOutcome {
  const nowUs = (opts.nowUs ?? epochUs)();
  let value: unknown;
  try {
    value = JSON.parse(input);
  } catch (err) {
    throw new HookInputError(`stdin is not a JSON hook event: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new HookInputError('stdin is not a JSON object');
  const ev = value as Record<string, unknown>;
  const name = str(ev, 'hook_event_name');
  if (!name) throw new HookInputError('hook event has no hook_event_name');
  if (name !== 'PreToolUse' && name !== 'PostToolUse' && name !== 'PostToolUseFailure') return { action: 'ignored', event: name };
  const id = str(ev, 'tool_use_id');
  if (!id) throw new HookInputError(`${name} event has no tool_use_id (is this Claude Code ≥ 1.0.x?)`);
  const tool = str(ev, 'tool_name');
  if (!tool) throw new HookInputError(`${name} event has no tool_name`);
  mkdirSync(opts.stateDir, { recursive: true });
  const pendingPath = join(opts.stateDir, pendingName(id));
  if (name === 'PreToolUse') {
    const pending = JSON.stringify({ t: nowUs, tool, session: str(ev, 'session_id'), in: sizeOf(ev.tool_input) });
    try {
      writeFileSync(pendingPath, pending, { flag: 'wx' });
    } catch (err) {
      // Another hook instance logged this Pre first; its time is the earlier one.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    // Now and then, drop Pre events whose Post never came (denied or crashed calls).
    if (Math.random() < 0.01) prunePending(opts.stateDir, nowUs - (opts.pendingTtlUs ?? DEFAULT_PENDING_TTL_US));
    return { action: 'pending', toolUseId: id };
  }
  // Claim the Pre atomically: of several Post copies, exactly one wins the rename.
  const claimed = `${pendingPath}.${process.pid}.claimed`;
  try {
    renameSync(pendingPath, claimed);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { action: 'unpaired', toolUseId: id };
    throw err;
  }
  let pre: { t: number; tool: string; session: string | null; in: number };
  try {
    pre = JSON.parse(readFileSync(claimed, 'utf8')) as typeof pre;
  } finally {
    rmSync(claimed, { force: true });
  }
  if (typeof pre?.t !== 'number') throw new HookInputError(`pending state for ${id} is corrupt`);
  const durUs = Math.max(0, nowUs - pre.t);
  const success = name === 'PostToolUse' && !responseFailed(ev.tool_response);
  const line: ToolTimingLine = {
    timestamp: new Date(Math.floor(nowUs / 1000)).toISOString(),
    session_id: pre.session ?? str(ev, 'session_id'),
    tool,
    call_id: id,
    start_time: Math.floor(pre.t / 1000),
    end_time: Math.floor(nowUs / 1000),
    // µs precision, in the format's unit.
    duration_ms: durUs / 1000,
    input_size: pre.in,
    output_size: sizeOf(name === 'PostToolUse' ? ev.tool_response : ev.error),
    success,
    category: categorize(tool),
  };
  appendWithRotation(opts.logPath, JSON.stringify(line) + '\n', opts.maxBytes ?? DEFAULT_MAX_LOG_BYTES, opts.keep ?? DEFAULT_KEEP);
  return { action: 'recorded', line };
}

/**
 * Appends `data` (whole lines) to `path`, first rotating path → path.1 → … → path.keep when the
 * file would grow past maxBytes. Appends use O_APPEND, so concurrent writers never interleave
 * within a line; rotation takes a lock file so two writers do not rotate twice.
 */
export function appendWithRotation(path: string, data: string, maxBytes: number, keep: number): void {
  if (maxBytes > 0) {
    let size = 0;
    try {
      size = statSync(path).size;
    } catch {
      size = 0;
    }
    const len = Buffer.byteLength(data);
    if (size > 0 && size + len > maxBytes) rotate(path, maxBytes - len, keep);
  }
  appendFileSync(path, data);
}

function rotate(path: string, rotateAbove: number, keep: number): void {
  const lock = `${path}.rotate-lock`;
  let fd: number;
  try {
    fd = openSync(lock, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // Someone else is rotating; a lock older than 10 s is from a crashed writer.
    try {
      if (Date.now() - statSync(lock).mtimeMs > 10_000) rmSync(lock, { force: true });
    } catch {
      // gone meanwhile
    }
    return;
  }
  try {
    // Re-check under the lock: another writer may have rotated just before us.
    let size = 0;
    try {
      size = statSync(path).size;
    } catch {
      return;
    }
    if (size <= rotateAbove) return;
    if (keep <= 0) {
      rmSync(path, { force: true });
      return;
    }
    rmSync(`${path}.${keep}`, { force: true });
    for (let i = keep - 1; i >= 1; i--) {
      try {
        renameSync(`${path}.${i}`, `${path}.${i + 1}`);
      } catch {
        // not there yet
      }
    }
    renameSync(path, `${path}.1`);
  } finally {
    closeSync(fd);
    try {
      unlinkSync(lock);
    } catch {
      // already removed as stale
    }
  }
}

function prunePending(dir: string, olderThanUs: number): void {
  for (const n of readdirSync(dir)) {
    if (!n.endsWith('.pre')) continue;
    try {
      const p = join(dir, n);
      if (statSync(p).mtimeMs * 1000 < olderThanUs) rmSync(p, { force: true });
    } catch {
      // claimed meanwhile
    }
  }
}
