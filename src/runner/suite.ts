/**
 * The engine every measuring command shares: start the resource sampler (its samples stream to the
 * progress sink as they are taken) → run the executor through warmup and the measured phase (each
 * closed window streams to the sink) → stop the sampler → judge (checks, metrics) → one SuiteResult.
 *
 *   const suite = await runSuite({ suite: 'http', backend, label, executor, clock, ...timing, judge });
 */
import type { Clock } from '../measure/clock.js';
import type { ProgressSink } from '../core/events.js';
import type { CheckResult, IntervalResult, OperationResult, Resources, SuiteResult } from '../core/result.js';
import { startResourceSampler } from '../monitor/sampler.js';
import type { ResourceSampler, SampledProcess } from '../monitor/types.js';
import { runMeasuredPhase, type MeasuredPhaseOutcome } from './phase.js';
import type { Executor } from './executors.js';

export interface SamplerSpec {
  /** Sample period, ms (default 1000). */
  intervalMs?: number;
  /** Processes to sample besides this one (servers under test, agents). */
  children?: () => SampledProcess[];
}

/** Starts the resource sampler with its samples streaming to `progress.sample` as they are taken. */
export function startSuiteSampler(progress: ProgressSink, spec: SamplerSpec = {}): ResourceSampler {
  const sample = progress.sample?.bind(progress);
  return startResourceSampler({
    intervalMs: spec.intervalMs ?? 1000,
    ...(spec.children ? { children: spec.children } : {}),
    ...(sample ? { onSample: sample } : {}),
  });
}

export interface MeasureSpec {
  /** What is running, for progress lines. */
  label: string;
  executor: Executor;
  clock: Clock;
  warmupUs: number;
  /** Planned measured duration, µs (for progress and window fractions); the executor enforces it. */
  durationUs?: number;
  intervalUs: number;
  seed: number;
  signal: AbortSignal;
  progress: ProgressSink;
  sampler?: SamplerSpec;
  /** Raw samples kept per operation for bootstrap intervals (recorder default otherwise). */
  reservoirSize?: number;
  /** Operations that must appear in the result even if none completes. */
  declare?: readonly string[];
}

export interface Measurement extends MeasuredPhaseOutcome {
  resources: Resources;
}

/** Sampler → warmup → measured phase → sampler stopped. The sampler stops even when the executor throws. */
export async function measure(spec: MeasureSpec): Promise<Measurement> {
  const sampler = startSuiteSampler(spec.progress, spec.sampler);
  let phase: MeasuredPhaseOutcome;
  try {
    phase = await runMeasuredPhase(
      {
        clock: spec.clock,
        label: spec.label,
        warmupUs: spec.warmupUs,
        ...(spec.durationUs !== undefined ? { durationUs: spec.durationUs } : {}),
        intervalUs: spec.intervalUs,
        seed: spec.seed,
        signal: spec.signal,
        progress: spec.progress,
        ...(spec.reservoirSize !== undefined ? { reservoirSize: spec.reservoirSize } : {}),
      },
      (ctx, which) => {
        for (const name of spec.declare ?? []) ctx.recorder.declare(name);
        return spec.executor.run(ctx, which);
      },
    );
  } catch (err) {
    sampler.stop();
    throw err;
  }
  return { ...phase, resources: sampler.stop() };
}

/** What a suite adds to its measurement: its checks (invariants, accounting, SLO) and metrics. */
export interface Judgement {
  checks: CheckResult[];
  metrics?: Record<string, number>;
  workers?: Array<Record<string, unknown>>;
}

export interface RunSuiteSpec extends MeasureSpec {
  /** SuiteResult.name, e.g. "http", "mcp", "selftest". */
  suite: string;
  backend: string;
  judge: (m: Measurement) => Judgement | Promise<Judgement>;
}

/** measure() then judge() then buildSuiteResult(): a whole suite on the shared engine. */
export async function runSuite(spec: RunSuiteSpec): Promise<{ suite: SuiteResult; measurement: Measurement }> {
  const measurement = await measure(spec);
  const verdict = await spec.judge(measurement);
  const suite = buildSuiteResult({ name: spec.suite, backend: spec.backend, ...verdict, operations: measurement.operations, intervals: measurement.intervals, resources: measurement.resources });
  return { suite, measurement };
}

export interface SuiteParts extends Judgement {
  name: string;
  backend: string;
  operations: OperationResult[];
  intervals: IntervalResult[];
  resources: Resources;
}

/** The one place a SuiteResult is assembled (field order as the schema lists it). */
export function buildSuiteResult(p: SuiteParts): SuiteResult {
  const suite: SuiteResult = {
    name: p.name,
    backend: p.backend,
    operations: p.operations,
    intervals: p.intervals,
    checks: p.checks,
    resources: p.resources,
  };
  if (p.metrics !== undefined) suite.metrics = p.metrics;
  if (p.workers !== undefined) suite.workers = p.workers;
  return suite;
}
