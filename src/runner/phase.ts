/**
 * One measured phase of a load model: a warmup whose results are thrown away, then the measured
 * phase into a fresh recorder. While the measured phase runs, every closed interval window goes to
 * `progress.window` (when the sink takes windows) and live progress to `progress.update`.
 * Returns the recorder's output; measureSuite() (suite.ts) turns it into a SuiteResult.
 */
import type { Clock } from '../measure/clock.js';
import { Recorder } from '../measure/recorder.js';
import type { ClosedWindow, ProgressSink } from '../core/events.js';
import type { IntervalResult, OperationResult } from '../core/result.js';
import type { LoadContext, LoadOutcome } from '../load/types.js';

export interface MeasuredPhaseOptions {
  clock: Clock;
  label: string;
  warmupUs: number;
  durationUs?: number;
  intervalUs: number;
  seed: number;
  signal: AbortSignal;
  progress: ProgressSink;
  /** How often to refresh progress (and close windows on time when nothing completes), ms. */
  progressEveryMs?: number;
  /**
   * Added to the bounds of each window reported to `progress.window`: a run made of several
   * phases (stress steps) reports its windows on one time line.
   */
  windowOffsetUs?: number;
  /** Recorder reservoir size (raw samples kept per operation for bootstrap intervals). */
  reservoirSize?: number;
}

export interface MeasuredPhaseOutcome {
  operations: OperationResult[];
  intervals: IntervalResult[];
  durationUs: number;
  aborted: boolean;
  issued: number;
}

/** A sink that shows nothing (--quiet, tests). */
export const silentProgress: ProgressSink = { update() {}, log() {}, done() {} };

/** The same sink without its window and sample channels: for phases that are not measured (warmups). */
export function progressOnly(progress: ProgressSink): ProgressSink {
  return { update: (u) => progress.update(u), log: (l) => progress.log(l), done: () => progress.done() };
}

/** Drives the load model against the given context for one phase; called once per phase. */
export type PhaseDriver = (ctx: LoadContext, phase: 'warmup' | 'measure') => Promise<LoadOutcome>;

export async function runMeasuredPhase(options: MeasuredPhaseOptions, drive: PhaseDriver): Promise<MeasuredPhaseOutcome> {
  const { clock, signal, progress } = options;
  const reservoir = options.reservoirSize !== undefined ? { reservoirSize: options.reservoirSize } : {};
  if (options.warmupUs > 0 && !signal.aborted) {
    const warm = new Recorder({ startUs: clock.nowUs(), intervalUs: options.intervalUs, seed: options.seed, reservoirSize: 1 });
    const stopTicker = ticker(options, warm, `${options.label} (warmup)`, options.warmupUs);
    try {
      const out = await drive({ clock, recorder: warm, signal }, 'warmup');
      warm.finish(out.endUs);
    } finally {
      stopTicker();
    }
  }
  const recorder = new Recorder({
    startUs: clock.nowUs(),
    intervalUs: options.intervalUs,
    seed: options.seed,
    ...reservoir,
    ...windowListener(progress, options.windowOffsetUs ?? 0),
  });
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

/** The recorder option that forwards closed windows to a sink that takes them (none otherwise). */
export function windowListener(progress: ProgressSink, offsetUs = 0): { onWindow?: (w: ClosedWindow) => void } {
  const sink = progress.window?.bind(progress);
  if (sink === undefined) return {};
  // Window bounds are whole µs (the contract); a phase's offset read off the clock is not.
  const offset = Math.round(offsetUs);
  if (offset === 0) return { onWindow: sink };
  return { onWindow: (w) => sink({ ...w, startUs: w.startUs + offset, endUs: w.endUs + offset }) };
}

function ticker(options: MeasuredPhaseOptions, recorder: Recorder, label: string, plannedUs?: number): () => void {
  if (options.clock.kind === 'virtual') return () => {};
  const timer = setInterval(() => {
    const now = options.clock.nowUs();
    // Windows close on time even while nothing completes (a stalled target shows as empty windows).
    recorder.advance(now);
    const snap = recorder.snapshot(now);
    options.progress.update({ ...snap, label, ...(plannedUs !== undefined ? { plannedUs } : {}) });
  }, options.progressEveryMs ?? 250);
  timer.unref();
  return () => clearInterval(timer);
}
