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
}

/** Latency of one operation within one window; all times in integer µs. */
export interface WindowOperation {
  name: string;
  count: number;
  errors: number;
  /** Operations per second within the window. */
  throughput: number;
  p50: number;
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

/** Receives a run's events. Every method may be async; an output that throws never loses the run. */
export interface Output {
  readonly name: string;
  start?(event: RunStartEvent): void | Promise<void>;
  window?(event: RunWindowEvent): void | Promise<void>;
  finish?(result: RunResult): void | Promise<void>;
}
