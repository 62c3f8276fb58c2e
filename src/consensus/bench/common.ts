/**
 * What every protocol's benchmark scenarios share: turning a recorder and checks into a
 * SuiteResult, naming the seed in failed checks, and yielding to the event loop now and then so
 * Ctrl-C and progress work while a synchronous simulation runs.
 */
import { Recorder } from '../../measure/recorder.js';
import type { CheckResult, Resources, SuiteResult } from '../../core/result.js';
import type { ProgressSink } from '../../core/events.js';

/**
 * Where scenarios report progress and closed interval windows (the run's outputs: terminal line,
 * live file, MCP notifications — or nothing): the runner's ProgressSink.
 */
export type ScenarioProgress = ProgressSink;

export interface ScenarioRun {
  intervalUs: number;
  signal?: AbortSignal;
  progress: ScenarioProgress;
  /** Extra text for the suite's backend label (what a sweep varies). */
  label?: string;
}

export function buildSuite(args: {
  /** Suite name, e.g. consensus.raft. */
  name: string;
  backend: string;
  recorder: Recorder;
  endUs: number;
  checks: CheckResult[];
  metrics: Record<string, number>;
  resources: Resources;
  workers?: Array<Record<string, unknown>>;
}): SuiteResult {
  const { operations, intervals } = args.recorder.finish(args.endUs);
  const suite: SuiteResult = {
    name: args.name,
    backend: args.backend,
    operations,
    intervals,
    checks: args.checks,
    resources: args.resources,
    metrics: roundMetrics(args.metrics),
  };
  if (args.workers) suite.workers = args.workers;
  return suite;
}

/** Metrics to three decimals (non-finite values as 0), as every protocol's suite reports them. */
export function roundMetrics(m: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(m)) out[k] = Number.isFinite(v) ? Math.round(v * 1000) / 1000 : 0;
  return out;
}

/** Raw samples kept per operation for bootstrap intervals: enough for stable CIs, cheap to resample. */
export const RESERVOIR = 500;

/** Lets pending I/O (signals, progress writes) run; call between slices of simulation. */
/**
 * The pause between slices of a synchronous simulation: every 20 ms of wall time, report progress
 * and yield to the event loop (so Ctrl-C and progress writes get through). Resolves true when the
 * run was aborted during the pause; between pauses it costs one clock read.
 */
export function slicePause(signal: AbortSignal | undefined, report: () => void): () => Promise<boolean> {
  let last = performance.now();
  return async () => {
    if (performance.now() - last <= 20) return false;
    report();
    await yieldToLoop();
    last = performance.now();
    return signal?.aborted === true;
  };
}

export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A check naming the seed when it fails, so the failure can be replayed. */
export function withSeed(checks: CheckResult[], seed: number): CheckResult[] {
  return checks.map((c) => (c.passed ? c : { ...c, detail: `${c.detail} — replay with --seed ${seed}` }));
}
