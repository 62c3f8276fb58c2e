/**
 * A run session: the one place a measuring command's events go out to its outputs, k6-style.
 * start → each closed window (as it closes) → finish(RunResult), plus live progress and log lines.
 *
 * Engines never see outputs: they report into a ProgressSink (`session.monitor(suite)`), which
 * stamps what they report with the run id and suite, attaches the resource samples taken since the
 * previous window, and fans it out. An output that throws is recorded as a failure and skipped from
 * then on for live events; it never stops the run nor the other outputs. Window deliveries are
 * queued per output (in order, never awaited by the engine's hot path) and drained before finish.
 */
import type { ClosedWindow, Output, ProgressSink, ProgressUpdate, RunStartEvent, RunWindowEvent } from '../core/events.js';
import type { ResourceSample, RunResult } from '../core/result.js';

export interface RunSessionOptions {
  /** The run's id; the RunResult delivered at finish must carry the same id. */
  runId: string;
  /** The measuring command, e.g. "run", "load". */
  command: string;
  /** Suites the run measures, in order. */
  suites: string[];
  startedAt: Date;
  plannedDurationUs?: number;
  outputs: readonly Output[];
  /** Runs before any output's finish (enrichers add findings); a throw is a warning, not a failure. */
  beforeFinish?: (result: RunResult) => void | Promise<void>;
  /** Where warnings go (default: nowhere). */
  warn?: (message: string) => void;
}

export type OutputEvent = 'start' | 'window' | 'finish' | 'progress' | 'log';

export interface OutputFailure {
  output: string;
  event: OutputEvent;
  message: string;
  /** The output is best-effort (its failure is a warning, not a lost result). */
  bestEffort?: boolean;
}

interface OutputState {
  output: Output;
  /** A live-event failure switches the output's live events off (its finish still runs). */
  live: boolean;
  queue: Promise<void>;
}

export class RunSession {
  readonly runId: string;
  private readonly states: OutputState[];
  private readonly failed: OutputFailure[] = [];
  private samples: ResourceSample[] = [];
  private finished = false;

  private constructor(private readonly options: RunSessionOptions) {
    this.runId = options.runId;
    this.states = options.outputs.map((output) => ({ output, live: true, queue: Promise.resolve() }));
  }

  /** Opens a session and delivers `start` to every output (awaited, in order). */
  static async start(options: RunSessionOptions): Promise<RunSession> {
    const session = new RunSession(options);
    const event: RunStartEvent = {
      runId: options.runId,
      command: options.command,
      suite: options.suites.join(','),
      suites: [...options.suites],
      startedAt: options.startedAt.toISOString(),
      ...(options.plannedDurationUs !== undefined ? { plannedDurationUs: options.plannedDurationUs } : {}),
    };
    for (const s of session.states) {
      if (!s.output.start) continue;
      try {
        await s.output.start(event);
      } catch (err) {
        session.fail(s, 'start', err);
      }
    }
    return session;
  }

  /** Failures so far (outputs that threw), in the order they happened. */
  get failures(): readonly OutputFailure[] {
    return this.failed;
  }

  /**
   * The channel one suite's engine reports into. `plannedUs` (the suite's measured duration) lets
   * window events carry the fraction done.
   */
  monitor(suite: string, plannedUs?: number): ProgressSink {
    return {
      update: (u: ProgressUpdate) => this.progress(suite, u),
      log: (line: string) => this.log(line),
      done: () => this.each('progress', (o) => o.progressDone?.()),
      window: (w: ClosedWindow) => this.window(suite, w, plannedUs),
      sample: (s: ResourceSample) => {
        this.samples.push(s);
      },
    };
  }

  /** A line for people, to every output that shows lines. */
  log(line: string): void {
    this.each('log', (o) => o.log?.(line));
  }

  /**
   * Delivers the result: pending windows first, then `beforeFinish` (enrichers), then every
   * output's finish in order. Returns the outputs that failed at any point of the run; the caller
   * decides where the result goes when one did (see results/pipeline.ts writeFallback).
   */
  async finish(result: RunResult): Promise<readonly OutputFailure[]> {
    if (this.finished) throw new Error('RunSession.finish called twice');
    this.finished = true;
    if (result.id !== this.runId) throw new Error(`RunSession: result ${result.id} is not run ${this.runId}`);
    await Promise.all(this.states.map((s) => s.queue));
    if (this.options.beforeFinish) {
      try {
        await this.options.beforeFinish(result);
      } catch (err) {
        this.options.warn?.(`enriching the result failed: ${message(err)}`);
      }
    }
    for (const s of this.states) {
      if (!s.output.finish) continue;
      try {
        await s.output.finish(result);
      } catch (err) {
        this.fail(s, 'finish', err);
      }
    }
    return this.failed;
  }

  private progress(suite: string, u: ProgressUpdate): void {
    if (!this.states.some((s) => s.live && s.output.progress)) return;
    const event = { ...u, runId: this.runId, suite };
    this.each('progress', (o) => o.progress?.(event));
  }

  private window(suite: string, w: ClosedWindow, plannedUs: number | undefined): void {
    const resources = this.samples;
    this.samples = [];
    const event: RunWindowEvent = {
      runId: this.runId,
      suite,
      startUs: w.startUs,
      endUs: w.endUs,
      operations: w.operations,
      resources,
      progress: {
        done: w.endUs,
        ...(plannedUs !== undefined && plannedUs > 0 ? { total: plannedUs, fraction: Math.min(1, w.endUs / plannedUs) } : {}),
      },
    };
    for (const s of this.states) {
      const deliver = s.output.window?.bind(s.output);
      if (!deliver || !s.live) continue;
      s.queue = s.queue.then(async () => {
        if (!s.live) return;
        try {
          await deliver(event);
        } catch (err) {
          this.fail(s, 'window', err);
        }
      });
    }
  }

  /** Synchronous live events: a throw is recorded and switches the output's live events off. */
  private each(event: OutputEvent, fn: (o: Output) => void): void {
    for (const s of this.states) {
      if (!s.live) continue;
      try {
        fn(s.output);
      } catch (err) {
        this.fail(s, event, err);
      }
    }
  }

  private fail(s: OutputState, event: OutputEvent, err: unknown): void {
    if (event !== 'finish') s.live = false;
    const failure: OutputFailure = { output: s.output.name, event, message: message(err), ...(s.output.bestEffort ? { bestEffort: true } : {}) };
    this.failed.push(failure);
    // A failed finish is the caller's to report (with where the result went instead); a live
    // event failing, or a best-effort output failing, is only worth a warning.
    if (event !== 'finish' || s.output.bestEffort) this.options.warn?.(`output ${failure.output} failed at ${event}: ${failure.message}`);
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
