/**
 * Executors (k6's word for load models): what drives the workload in each phase. The runner asks
 * an executor to run the warmup phase, then the measured phase, each into its own recorder.
 */
import { runClosedLoop } from '../load/closed-loop.js';
import { runOpenLoop, type ArrivalSchedule, type OpenLoopOutcome } from '../load/open-loop.js';
import type { LoadContext, LoadOutcome, Workload } from '../load/types.js';

export type Phase = 'warmup' | 'measure';

export interface Executor {
  /** "closed-loop", "open-loop", or a suite's own model. */
  readonly name: string;
  run(ctx: LoadContext, phase: Phase): Promise<LoadOutcome>;
}

export interface PhaseLength {
  warmupUs: number;
  durationUs: number;
  /** Stop the measured phase after this many operations (if sooner than the duration). */
  iterations?: number;
  /** Called before each phase starts (e.g. reset a target's own counters before measuring). */
  beforePhase?: (phase: Phase) => void;
}

export interface ClosedLoopExecutorOptions extends PhaseLength {
  concurrency: number;
  thinkTimeUs?: number;
}

/** Fixed concurrency (wrk, autocannon): N workers, each issuing when its previous operation ends. */
export function closedLoopExecutor(workload: Workload, o: ClosedLoopExecutorOptions): Executor {
  return {
    name: 'closed-loop',
    run(ctx, phase) {
      o.beforePhase?.(phase);
      return runClosedLoop(
        workload,
        {
          concurrency: o.concurrency,
          durationUs: phase === 'warmup' ? o.warmupUs : o.durationUs,
          ...(o.thinkTimeUs ? { thinkTimeUs: o.thinkTimeUs } : {}),
          ...(phase === 'measure' && o.iterations !== undefined ? { iterations: o.iterations } : {}),
        },
        ctx,
      );
    },
  };
}

export interface OpenLoopExecutorOptions extends PhaseLength {
  schedule: ArrivalSchedule;
  /** The warmup's schedule (default: the measured one). */
  warmupSchedule?: ArrivalSchedule;
  maxInFlight: number;
  maxLagUs: number;
}

/** Arrivals on a schedule (wrk2, k6 arrival-rate); `lastOutcome` holds the measured phase's accounting. */
export function openLoopExecutor(workload: Workload, o: OpenLoopExecutorOptions): Executor & { readonly lastOutcome: OpenLoopOutcome | undefined } {
  let lastOutcome: OpenLoopOutcome | undefined;
  return {
    name: 'open-loop',
    get lastOutcome() {
      return lastOutcome;
    },
    async run(ctx, phase) {
      o.beforePhase?.(phase);
      const out = await runOpenLoop(
        workload,
        {
          schedule: phase === 'warmup' ? (o.warmupSchedule ?? o.schedule) : o.schedule,
          durationUs: phase === 'warmup' ? o.warmupUs : o.durationUs,
          maxInFlight: o.maxInFlight,
          maxLagUs: o.maxLagUs,
          ...(phase === 'measure' && o.iterations !== undefined ? { iterations: o.iterations } : {}),
        },
        ctx,
      );
      if (phase === 'measure') lastOutcome = out;
      return out;
    },
  };
}

/** A suite's own load model as an executor. */
export function customExecutor(name: string, run: (ctx: LoadContext, phase: Phase) => Promise<LoadOutcome>): Executor {
  return { name, run };
}
