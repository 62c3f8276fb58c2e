/**
 * In-process recording: `timed(fn)` wraps a function (sync or async) and logs one tool-timing line
 * per call; `recordToolTiming()` logs a call measured elsewhere. Lines go to a buffered log that
 * writes at most every second or 64 KiB (and synchronously at process exit), so the cost on the
 * caller's path is a clock read, one JSON.stringify and an array push — a few µs, not a syscall.
 * The lines are in the tool-timing format, so `swarmperf tools ingest` reads them like any hook log.
 */
import { join, resolve } from 'node:path';
import { categorize } from './formats.js';
import { appendWithRotation, DEFAULT_KEEP, DEFAULT_MAX_LOG_BYTES, epochUs, type ToolTimingLine } from './record.cjs';

export interface ToolTimingLogOptions {
  path: string;
  maxBytes?: number;
  keep?: number;
  /** Write at least this often (ms); 0 writes on every record. */
  flushEveryMs?: number;
  /** Write when this many bytes are buffered. */
  bufferBytes?: number;
}

export interface ToolTimingInput {
  tool: string;
  /** Duration in µs (or give startUs and endUs). */
  durationUs?: number;
  startUs?: number;
  /** End instant, epoch µs (default now). */
  endUs?: number;
  success?: boolean;
  callId?: string | null;
  sessionId?: string | null;
  category?: string;
  inputSize?: number;
  outputSize?: number;
}

export class ToolTimingLog {
  readonly path: string;
  private buffer: string[] = [];
  private buffered = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly onExit = (): void => this.flush();
  private closed = false;

  constructor(readonly options: ToolTimingLogOptions) {
    this.path = resolve(options.path);
    process.on('exit', this.onExit);
  }

  /** Buffers one line; throws on an input that would make a bad line. */
  record(input: ToolTimingInput): ToolTimingLine {
    if (this.closed) throw new Error(`tool timing log ${this.path} is closed`);
    if (typeof input.tool !== 'string' || input.tool === '') throw new Error('recordToolTiming: tool must be a non-empty string');
    const endUs = input.endUs ?? epochUs();
    const durUs = input.durationUs ?? (input.startUs !== undefined ? endUs - input.startUs : NaN);
    if (!Number.isFinite(durUs) || durUs < 0) throw new Error(`recordToolTiming(${input.tool}): durationUs (or startUs ≤ endUs) is required, got ${durUs}`);
    const line: ToolTimingLine = {
      timestamp: new Date(Math.floor(endUs / 1000)).toISOString(),
      session_id: input.sessionId ?? null,
      tool: input.tool,
      call_id: input.callId ?? null,
      start_time: Math.floor((endUs - durUs) / 1000),
      end_time: Math.floor(endUs / 1000),
      duration_ms: Math.round(durUs) / 1000,
      input_size: input.inputSize ?? 0,
      output_size: input.outputSize ?? 0,
      success: input.success !== false,
      category: input.category ?? categorize(input.tool),
    };
    const text = JSON.stringify(line) + '\n';
    this.buffer.push(text);
    this.buffered += text.length;
    const every = this.options.flushEveryMs ?? 1000;
    if (every === 0 || this.buffered >= (this.options.bufferBytes ?? 64 * 1024)) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), every);
      this.timer.unref();
    }
    return line;
  }

  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.buffer.length === 0) return;
    const data = this.buffer.join('');
    this.buffer = [];
    this.buffered = 0;
    appendWithRotation(this.path, data, this.options.maxBytes ?? DEFAULT_MAX_LOG_BYTES, this.options.keep ?? DEFAULT_KEEP);
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    process.off('exit', this.onExit);
  }
}

const shared = new Map<string, ToolTimingLog>();

/** The log at `path` (default $SWARMPERF_TOOL_LOG, else <$SWARMPERF_HOME or .swarmperf>/tool-timing.jsonl), shared per path. */
export function toolTimingLog(path?: string): ToolTimingLog {
  const p = resolve(path ?? process.env.SWARMPERF_TOOL_LOG ?? join(process.env.SWARMPERF_HOME ?? '.swarmperf', 'tool-timing.jsonl'));
  let log = shared.get(p);
  if (!log) {
    log = new ToolTimingLog({ path: p });
    shared.set(p, log);
  }
  return log;
}

/** Records one call measured elsewhere. */
export function recordToolTiming(input: ToolTimingInput, log: ToolTimingLog = toolTimingLog()): ToolTimingLine {
  return log.record(input);
}

export interface TimedOptions {
  /** The tool name logged (default the function's name). */
  tool?: string;
  category?: string;
  sessionId?: string;
  log?: ToolTimingLog;
}

/**
 * Wraps `fn` so every call is timed and logged — a throw or a rejected promise logs success=false
 * and is passed on unchanged. Async functions are timed to settlement.
 */
export function timed<A extends unknown[], R>(fn: (...args: A) => R, options: TimedOptions = {}): (...args: A) => R {
  const tool = options.tool ?? (fn.name || 'anonymous');
  const log = options.log ?? toolTimingLog();
  const done = (startUs: number, success: boolean): void => {
    const endUs = epochUs();
    log.record({ tool, durationUs: endUs - startUs, endUs, success, ...(options.category ? { category: options.category } : {}), ...(options.sessionId ? { sessionId: options.sessionId } : {}) });
  };
  return function timedCall(this: unknown, ...args: A): R {
    const startUs = epochUs();
    let result: R;
    try {
      result = fn.apply(this, args);
    } catch (err) {
      done(startUs, false);
      throw err;
    }
    if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
      (result as unknown as PromiseLike<unknown>).then(
        () => done(startUs, true),
        () => done(startUs, false),
      );
      return result;
    }
    done(startUs, true);
    return result;
  };
}
