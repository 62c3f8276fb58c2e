/**
 * The output seam (k6-style): a measuring command is executor + target + recorder + sampler, and
 * everything that shows or keeps a run is an Output that receives these events, in this order:
 * one `start`, zero or more `window` (each closed interval window, as it closes), one `finish`.
 * Terminal progress, the history sink, the memory sink, `--json` and the live dashboard are outputs.
 * Types only: this file is the contract between the runner (which emits) and outputs (which receive).
 */
import type { ResourceSample, RunResult } from './result.js';

/** What is about to run. */
export interface RunStartEvent {
  /** The run's id (the same id as the RunResult that `finish` delivers). */
  runId: string;
  /** The command that measures, e.g. "run", "load", "bench". */
  command: string;
  /** Suite or scenario being measured, e.g. "tasks", "consensus.raft". */
  suite: string;
  /** Wall-clock start, ISO 8601. */
  startedAt: string;
  /** Planned measured duration in µs, when the executor knows it (open-ended runs omit it). */
  plannedDurationUs?: number;
  /** Every suite the run will measure, in order (`suite` names the first; `run` may measure several). */
  suites?: string[];
}

/** Latency of one operation within one window; all times in integer µs. */
export interface WindowOperation {
  name: string;
  count: number;
  errors: number;
  /** Operations per second within the window. */
  throughput: number;
  p50: number;
  p95?: number;
  p99: number;
  max: number;
  /** The window's latency histogram, HDR-encoded (base64), so a live view can merge windows exactly. */
  histogram?: string;
}

/** One closed interval window of one suite. */
export interface RunWindowEvent {
  runId: string;
  suite: string;
  /** Window bounds in µs since the measured phase started. */
  startUs: number;
  endUs: number;
  operations: WindowOperation[];
  /** Resource samples taken during the window (own processes, host, servers under test). */
  resources: ResourceSample[];
  /** Progress of the whole run: fraction 0..1 when the duration is known. */
  progress?: { done: number; total?: number; fraction?: number };
}

/** One operation's running totals, for live progress. */
export interface OperationProgress {
  name: string;
  count: number;
  errors: number;
  dropped: number;
  p99Us: number;
}

/** What a recorder has seen so far (for live progress; not a result). */
export interface ProgressSnapshot {
  /** µs since the measured phase started; negative while a warmup still runs before it. */
  elapsedUs: number;
  operations: OperationProgress[];
  totalCount: number;
}

export interface ProgressUpdate extends ProgressSnapshot {
  /** What is running, e.g. "tasks (sqlite, 4 agents)" or "warmup". */
  label: string;
  /** Planned measured duration, µs, for the ETA. */
  plannedUs?: number;
}

/** A live progress update as outputs receive it. */
export interface RunProgressEvent extends ProgressUpdate {
  runId: string;
  suite: string;
}

/** A closed window as an engine (recorder, agents' merge) reports it; the run adds id, suite and resources. */
export interface ClosedWindow {
  /** Window bounds in µs since the measured phase started. */
  startUs: number;
  endUs: number;
  operations: WindowOperation[];
}

/**
 * The channel a measuring engine reports into while it runs: live progress, log lines, each closed
 * window and each resource sample. The CLI's terminal progress is one; a run session (src/runner)
 * is another, which forwards everything to the run's outputs. `window` and `sample` are optional so
 * that a plain progress display can be handed to an engine as it is.
 */
export interface ProgressSink {
  update(u: ProgressUpdate): void;
  /** A line of its own (phase changes, notes); never interleaves with the live line. */
  log(line: string): void;
  /** Clears the live line (a phase ended). */
  done(): void;
  window?(w: ClosedWindow): void;
  sample?(s: ResourceSample): void;
}

/** Receives a run's events. Every method may be async; an output that throws never loses the run. */
export interface Output {
  readonly name: string;
  /**
   * A failure of this output is only a warning: the user did not ask for it by name (e.g. the live
   * file a dashboard may follow), so it never sends the result to the fallback file nor fails the run.
   */
  readonly bestEffort?: boolean;
  start?(event: RunStartEvent): void | Promise<void>;
  window?(event: RunWindowEvent): void | Promise<void>;
  finish?(result: RunResult): void | Promise<void>;
  /** Live progress, several times a second (terminal, dashboard); never awaited — keep it cheap. */
  progress?(event: RunProgressEvent): void;
  /** A line for people (phase changes, notes). */
  log?(line: string): void;
  /** A phase ended: a live line should be cleared. */
  progressDone?(): void;
}
