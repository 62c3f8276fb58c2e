/**
 * Runs a load model with warmup and progress: a warmup phase whose results are thrown away, then
 * the measured phase into a fresh recorder. Returns the recorder's output; the caller builds the
 * SuiteResult (with checks and resources).
 */
import type { Clock } from '../measure/clock.js';
import { Recorder } from '../measure/recorder.js';
import type { IntervalResult, OperationResult } from '../core/result.js';
import type { ProgressSink } from '../report/progress.js';
import type { LoadContext, LoadOutcome } from './types.js';

export interface MeasuredPhaseOptions {
  clock: Clock;
  label: string;
  warmupUs: number;
  durationUs?: number;
  intervalUs: number;
  seed: number;
  signal: AbortSignal;
  progress: ProgressSink;
  /** How often to refresh progress, ms. */
  progressEveryMs?: number;
}

export interface MeasuredPhaseOutcome {
  operations: OperationResult[];
  intervals: IntervalResult[];
  durationUs: number;
  aborted: boolean;
  issued: number;
}

/** `drive` runs the load model against the given context for the phase; called once per phase. */
export async function runMeasuredPhase(
  options: MeasuredPhaseOptions,
  drive: (ctx: LoadContext, phase: 'warmup' | 'measure') => Promise<LoadOutcome>,
): Promise<MeasuredPhaseOutcome> {
  const { clock, signal, progress } = options;
  if (options.warmupUs > 0 && !signal.aborted) {
    const warm = new Recorder({ startUs: clock.nowUs(), intervalUs: options.intervalUs, seed: options.seed });
    const stopTicker = ticker(options, warm, `${options.label} (warmup)`, options.warmupUs);
    try {
      const out = await drive({ clock, recorder: warm, signal }, 'warmup');
      warm.finish(out.endUs);
    } finally {
      stopTicker();
    }
  }
  const recorder = new Recorder({ startUs: clock.nowUs(), intervalUs: options.intervalUs, seed: options.seed });
  const stopTicker = ticker(options, recorder, options.label, options.durationUs);
  let outcome: LoadOutcome;
  try {
    outcome = await drive({ clock, recorder, signal }, 'measure');
  } finally {
    stopTicker();
    progress.done();
  }
  const finished = recorder.finish(outcome.endUs);
  return { ...finished, aborted: outcome.aborted || signal.aborted, issued: outcome.issued };
}

function ticker(options: MeasuredPhaseOptions, recorder: Recorder, label: string, plannedUs?: number): () => void {
  if (options.clock.kind === 'virtual') return () => {};
  const timer = setInterval(() => {
    const snap = recorder.snapshot(options.clock.nowUs());
    options.progress.update({ ...snap, label, ...(plannedUs !== undefined ? { plannedUs } : {}) });
  }, options.progressEveryMs ?? 250);
  timer.unref();
  return () => clearInterval(timer);
}
