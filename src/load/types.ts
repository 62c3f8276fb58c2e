/**
 * What a load model drives: a workload that, for each iteration, names the operation it will run
 * and runs it. Load models own timing; workloads own what is done. A thrown error is an operation
 * error whose reason is the error's `code` (e.g. SQLITE_BUSY) or, failing that, its message.
 */
import type { Clock } from '../measure/clock.js';
import type { Recorder } from '../measure/recorder.js';

export interface OperationCall {
  name: string;
  run: () => unknown;
}

export interface Workload {
  /** Picks the next operation; `worker` is the closed-loop worker index or the open-loop slot. */
  next(iteration: number, worker: number): OperationCall;
}

export interface LoadContext {
  clock: Clock;
  recorder: Recorder;
  /** Aborting stops issuing new operations; in-flight ones finish and are recorded. */
  signal: AbortSignal;
}

export interface LoadOutcome {
  /** Time (µs on the clock) the measured window ended. */
  endUs: number;
  /** Whether the run stopped early because of the abort signal. */
  aborted: boolean;
  /** Operations issued during the measured window. */
  issued: number;
}

/** Stop condition: a duration and/or an iteration count, whichever comes first. */
export interface StopCondition {
  durationUs?: number;
  iterations?: number;
}

export function errorReason(err: unknown): string {
  if (err && typeof err === 'object') {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.length > 0) return code;
    const message = (err as { message?: unknown }).message;
    if (typeof message === 'string' && message.length > 0) return message.slice(0, 120);
  }
  return String(err).slice(0, 120);
}

/** Runs one operation, awaiting it only if it returned a promise (keeps sync ops cheap). */
export function invoke(call: OperationCall): unknown {
  return call.run();
}

export function isPromiseLike(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}
