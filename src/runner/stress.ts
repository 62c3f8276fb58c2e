/**
 * Stress search: how much load does the target sustain within an SLO? Steps of open-loop load at
 * rising rates (×factor or +step each time), each a short run judged against the SLO, until a step
 * breaks it or the rate cap is reached; then a few bisection steps between the last rate that held
 * and the first that broke narrow the answer down.
 *
 * Reported: every step (rate, achieved throughput, success rate, p99 from intended start), the max
 * sustainable rate (highest rate that met the SLO), the knee (the rate after which latency or
 * throughput bends most sharply), optimal throughput (highest achieved at any step), sustainable
 * throughput (achieved at the max sustainable rate) and its variability (CV of the per-window
 * throughput at that step). Open loop is what makes this honest: a target past its capacity cannot
 * slow the load down, so its queueing shows in latency measured from the intended start.
 */
import type { Clock } from '../measure/clock.js';
import { describe } from '../measure/stats.js';
import type { IntervalResult, OperationResult, StressInfo } from '../core/result.js';
import type { ProgressSink } from '../core/events.js';
import { constantRate, runOpenLoop } from '../load/open-loop.js';
import { evaluateSloOnOperations, successRate, type Slo } from '../load/slo.js';
import type { Workload } from '../load/types.js';
import { progressOnly, runMeasuredPhase, silentProgress } from './phase.js';

export type RateGrowth = { factor: number } | { step: number };

export interface StressOptions {
  startRate: number;
  /** The search never asks for more than this rate. */
  maxRate: number;
  growth: RateGrowth;
  stepDurationUs: number;
  /** Load at the start rate before the first step, not judged. */
  warmupUs: number;
  slo: Slo;
  /** Bisection steps after the first broken step (0 to skip). */
  refineSteps: number;
  maxInFlight: number;
  maxLagUs: number;
  seed: number;
}

export interface StressContext {
  clock: Clock;
  signal: AbortSignal;
  progress?: ProgressSink;
  /** Called after each step, e.g. to print it as it happens. */
  onStep?: (step: StressStepReport) => void;
}

export interface StressStepReport {
  index: number;
  phase: 'search' | 'refine';
  rate: number;
  /** All operations together, per second. */
  throughput: number;
  successRate: number;
  /** Worst p99 across operations, µs from intended start. */
  p99Us: number;
  dropped: number;
  passed: boolean;
  /** Broken clauses as written, e.g. ["p99<50ms"]. */
  brokenClauses: string[];
  /** Broken clauses with what was measured, for people. */
  violations: string[];
  /** µs since the first step began. */
  startUs: number;
  durationUs: number;
  operations: OperationResult[];
  intervals: IntervalResult[];
  /** Whether the step was cut short by the abort signal (not judged). */
  aborted: boolean;
}

export type StressStopReason = 'slo-broken' | 'max-rate' | 'aborted';

export interface StressOutcome {
  steps: StressStepReport[];
  /** Highest rate that met the SLO; 0 when even the first step broke it. */
  maxSustainableRate: number;
  knee: number | null;
  optimalThroughput: number;
  sustainableThroughput: number;
  throughputVariability: number | undefined;
  stopReason: StressStopReason;
  /** The operations of the step reported (the sustainable one, else the first), with `stress` attached. */
  operations: OperationResult[];
  /** Every step's interval windows, on one time line from the first step's start. */
  intervals: IntervalResult[];
}

export function nextRate(rate: number, growth: RateGrowth, maxRate: number): number {
  const raw = 'factor' in growth ? rate * growth.factor : rate + growth.step;
  const rounded = roundRate(raw);
  return Math.min(maxRate, rounded > rate ? rounded : raw);
}

function roundSignificant(x: number, digits: number): number {
  const p = 10 ** (Math.floor(Math.log10(x)) - digits + 1);
  return Math.round(x / p) * p;
}

export async function runStress(workload: Workload, options: StressOptions, ctx: StressContext): Promise<StressOutcome> {
  validate(options);
  const { clock, signal } = ctx;
  const progress = ctx.progress ?? silentProgress;
  const stepIntervalUs = Math.max(100_000, Math.floor(options.stepDurationUs / 10));
  const steps: StressStepReport[] = [];

  if (options.warmupUs > 0 && !signal.aborted) {
    await runMeasuredPhase(
      { clock, label: `stress warmup ${options.startRate}/s`, warmupUs: 0, durationUs: options.warmupUs, intervalUs: stepIntervalUs, seed: options.seed, signal, progress: progressOnly(progress) },
      (c) => runOpenLoop(workload, { schedule: constantRate(options.startRate), durationUs: options.warmupUs, maxInFlight: options.maxInFlight, maxLagUs: options.maxLagUs }, c),
    );
  }
  const firstStepAt = clock.nowUs();

  const runStep = async (rate: number, phase: StressStepReport['phase']): Promise<StressStepReport> => {
    const startUs = clock.nowUs() - firstStepAt;
    const out = await runMeasuredPhase(
      { clock, label: `stress step ${steps.length + 1}: ${rate}/s`, warmupUs: 0, durationUs: options.stepDurationUs, intervalUs: stepIntervalUs, seed: options.seed + steps.length, signal, progress, windowOffsetUs: startUs },
      (c) => runOpenLoop(workload, { schedule: constantRate(rate), durationUs: options.stepDurationUs, maxInFlight: options.maxInFlight, maxLagUs: options.maxLagUs }, c),
    );
    const verdict = evaluateSloOnOperations(options.slo, out.operations, rate);
    const completed = out.operations.reduce((a, o) => a + o.count, 0);
    const errors = out.operations.reduce((a, o) => a + o.errors, 0);
    const dropped = out.operations.reduce((a, o) => a + o.dropped, 0);
    const step: StressStepReport = {
      index: steps.length,
      phase,
      rate,
      throughput: out.operations.reduce((a, o) => a + o.throughput, 0),
      successRate: successRate(completed, errors, dropped),
      p99Us: out.operations.reduce((m, o) => Math.max(m, o.latencyUs.p99), 0),
      dropped,
      passed: verdict.passed && !out.aborted,
      brokenClauses: verdict.brokenClauses,
      violations: verdict.violations,
      startUs,
      durationUs: out.durationUs,
      operations: out.operations,
      intervals: out.intervals.map((iv) => ({ ...iv, startUs: iv.startUs + startUs })),
      aborted: out.aborted,
    };
    steps.push(step);
    ctx.onStep?.(step);
    return step;
  };

  let stopReason: StressStopReason = 'max-rate';
  let rate = Math.min(options.startRate, options.maxRate);
  let lastPass: number | undefined;
  let firstFail: number | undefined;
  for (;;) {
    const step = await runStep(rate, 'search');
    if (step.aborted) {
      stopReason = 'aborted';
      break;
    }
    if (!step.passed) {
      firstFail = rate;
      stopReason = 'slo-broken';
      break;
    }
    lastPass = rate;
    if (rate >= options.maxRate) break;
    rate = nextRate(rate, options.growth, options.maxRate);
  }

  // Bisect between the last rate that held and the first that broke.
  if (stopReason === 'slo-broken' && lastPass !== undefined && firstFail !== undefined) {
    let low = lastPass;
    let high = firstFail;
    for (let i = 0; i < options.refineSteps && !signal.aborted; i++) {
      const mid = roundRate((low + high) / 2);
      if (mid <= low || mid >= high) break;
      const step = await runStep(mid, 'refine');
      if (step.aborted) {
        stopReason = 'aborted';
        break;
      }
      if (step.passed) low = mid;
      else high = mid;
    }
  }

  const judged = steps.filter((s) => !s.aborted);
  const passing = judged.filter((s) => s.passed);
  const sustainable = passing.reduce<StressStepReport | undefined>((best, s) => (!best || s.rate > best.rate ? s : best), undefined);
  const maxSustainableRate = sustainable?.rate ?? 0;
  const knee = findKnee(judged.map((s) => ({ rate: s.rate, p99Us: s.p99Us, throughput: s.throughput })));
  const optimalThroughput = judged.reduce((m, s) => Math.max(m, s.throughput), 0);
  const sustainableThroughput = sustainable?.throughput ?? 0;
  const throughputVariability = sustainable ? intervalThroughputCv(sustainable.intervals) : undefined;
  const reported = sustainable ?? judged[0] ?? steps[0];

  const operations: OperationResult[] = (reported?.operations ?? []).map((op) => {
    const info: StressInfo = {
      steps: steps.map((s) => {
        const own = s.operations.find((o) => o.name === op.name);
        return {
          rate: s.rate,
          throughput: own?.throughput ?? 0,
          successRate: own ? successRate(own.count, own.errors, own.dropped) : 0,
          p99Us: own?.latencyUs.p99 ?? 0,
          passed: s.passed,
          violations: s.brokenClauses,
        };
      }),
      maxSustainableRate,
      knee,
      slo: options.slo.text,
      optimalThroughput,
      sustainableThroughput,
    };
    if (throughputVariability !== undefined && Number.isFinite(throughputVariability)) info.throughputVariability = throughputVariability;
    return { ...op, stress: info };
  });
  return {
    steps,
    maxSustainableRate,
    knee,
    optimalThroughput,
    sustainableThroughput,
    throughputVariability,
    stopReason,
    operations,
    intervals: steps.flatMap((s) => s.intervals),
  };
}

/** Rates are reported and compared: keep them readable (3 significant digits from 100 up, else 2 decimals). */
function roundRate(x: number): number {
  return x >= 100 ? roundSignificant(x, 3) : Math.round(x * 100) / 100;
}

function validate(o: StressOptions): void {
  if (!(o.startRate > 0)) throw new Error('stress: start rate must be positive');
  if (!(o.maxRate > 0)) throw new Error('stress: max rate must be positive');
  if ('factor' in o.growth ? !(o.growth.factor > 1) : !(o.growth.step > 0)) throw new Error('stress: the rate must grow each step');
  if (!(o.stepDurationUs > 0)) throw new Error('stress: step duration must be positive');
  if (!(o.refineSteps >= 0)) throw new Error('stress: refine steps must not be negative');
}

/** CV of total throughput per window (operations summed per window start). */
export function intervalThroughputCv(intervals: readonly IntervalResult[]): number | undefined {
  const byStart = new Map<number, { count: number; durationUs: number }>();
  for (const iv of intervals) {
    const w = byStart.get(iv.startUs) ?? { count: 0, durationUs: iv.durationUs };
    w.count += iv.count;
    byStart.set(iv.startUs, w);
  }
  // A window cut very short at the end of a step rates a handful of operations: leave it out.
  const rates = [...byStart.values()].filter((w) => w.durationUs >= 50_000).map((w) => w.count / (w.durationUs / 1e6));
  if (rates.length < 2) return undefined;
  return describe(rates).cv;
}

export interface KneePoint {
  rate: number;
  p99Us: number;
  throughput: number;
}

/**
 * The knee: the step after which the curves bend most sharply — latency (p99 from intended start)
 * starts climbing, or achieved throughput stops following the offered rate. Both curves are
 * normalised to [0, 1] so their bends compare; a bend only counts when it is material (latency at
 * least 1.5× higher at the next step, or throughput efficiency at least 5 % lower), so noise on a
 * flat curve does not invent a knee. Null with fewer than three steps or no material bend.
 */
export function findKnee(points: readonly KneePoint[]): number | null {
  const pts = [...points].sort((a, b) => a.rate - b.rate);
  if (pts.length < 3) return null;
  const maxRate = Math.max(...pts.map((p) => p.rate));
  const maxP99 = Math.max(1, ...pts.map((p) => p.p99Us));
  const x = pts.map((p) => p.rate / maxRate);
  const lat = pts.map((p) => p.p99Us / maxP99);
  const deficit = pts.map((p) => Math.max(0, p.rate - p.throughput) / maxRate);
  const eff = pts.map((p) => (p.rate > 0 ? p.throughput / p.rate : 0));
  const slope = (y: number[], i: number, j: number): number => ((y[j] as number) - (y[i] as number)) / Math.max(1e-9, (x[j] as number) - (x[i] as number));
  let best: { rate: number; score: number } | undefined;
  for (let i = 1; i < pts.length - 1; i++) {
    const cur = pts[i] as KneePoint;
    const next = pts[i + 1] as KneePoint;
    let score = 0;
    if (next.p99Us >= 1.5 * cur.p99Us) score = Math.max(score, slope(lat, i, i + 1) - slope(lat, i - 1, i));
    if ((eff[i + 1] as number) < 0.95 * (eff[i] as number)) score = Math.max(score, slope(deficit, i, i + 1) - slope(deficit, i - 1, i));
    if (score > 0.25 && (!best || score > best.score)) best = { rate: cur.rate, score };
  }
  return best ? best.rate : null;
}
