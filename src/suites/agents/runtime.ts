/**
 * The agent side of the harness: what a role (one suite's agent workload) is given and how it is
 * run, the same code whether the agent is a forked worker process or an in-process agent. A role
 * sets itself up (subscribe, pre-populate), calls ready() — the barrier — and measure(), then does
 * its end-of-run work (drain, read-back) and returns its report.
 */
import { performance } from 'node:perf_hooks';
import { RealClock, type Clock } from '../../measure/clock.js';
import { Recorder } from '../../measure/recorder.js';
import { Rng } from '../../measure/rng.js';
import type { LoadContext, LoadOutcome } from '../../load/types.js';
import type { Backend, BackendStats } from '../../targets/ports.js';
import { AgentRecorder, type AgentRecording } from './agent-recorder.js';
import type { AgentMessage, AgentReport, AgentSpec, TimingPlan } from './protocol.js';

/** Runs the load for one phase; `durationUs` is how long the phase has left from the recorder's start. */
export type Drive = (lc: LoadContext, phase: 'warmup' | 'measure', durationUs: number, iterations?: number) => Promise<LoadOutcome>;

export interface MeasureOptions {
  /** Runs after the measured window, before the recorder closes (e.g. a bus drain whose deliveries still count). */
  beforeFinish?: (recorder: Recorder) => Promise<void>;
}

export type AgentRole = (ctx: AgentContext) => Promise<Omit<AgentReport, 'backendStats'>>;

export interface AgentTransport {
  send(message: AgentMessage): void;
  /** Resolves with the common plan when the parent releases the barrier. */
  plan: Promise<TimingPlan>;
  /** Aborted when the parent says stop (Ctrl-C) or kills an in-process agent. */
  signal: AbortSignal;
}

/**
 * Wall clock in µs. NOT for ordering events of different processes: timeOrigin is taken per process
 * and differs by milliseconds under load — use orderUs() for that.
 */
export function wallUs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

/**
 * µs on the machine's monotonic clock (CLOCK_MONOTONIC): one clock shared by every process on the
 * machine, so "A returned before B started" is a fact across agent processes.
 */
export function orderUs(): number {
  const [s, ns] = process.hrtime();
  return s * 1_000_000 + Math.floor(ns / 1000);
}

/** The store reported itself busy (SQLITE_BUSY, a lock file held past its timeout): the operation did not run. */
export function isBusyError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'LOCK_TIMEOUT';
}

export class AgentContext {
  readonly clock: Clock = new RealClock();
  readonly rng: Rng;
  /** Busy errors retried outside the measured window (setup, drain, read-back), by reason. */
  readonly busyOutsideWindow: Record<string, number> = {};
  private timing: TimingPlan | undefined;
  /** The backend's contention counters over the measured window (this process's connection). */
  measuredStats: BackendStats | undefined;

  constructor(
    readonly spec: AgentSpec,
    readonly backend: Backend,
    private readonly transport: AgentTransport,
  ) {
    this.rng = new Rng(spec.seed);
  }

  get signal(): AbortSignal {
    return this.transport.signal;
  }

  get agentId(): string {
    return this.spec.agentId;
  }

  /** The common plan; only after ready(). */
  get plan(): TimingPlan {
    if (!this.timing) throw new Error('agent: plan read before ready()');
    return this.timing;
  }

  /** Suite parameter with a fallback (parameters are validated by the parent before agents start). */
  param<T>(name: string, fallback: T): T {
    const v = this.spec.params[name];
    return v === undefined ? fallback : (v as T);
  }

  /** Tells the parent this agent is set up and waits for the common start. */
  async ready(): Promise<TimingPlan> {
    this.transport.send({ type: 'ready' });
    // Stopped before the start (Ctrl-C while agents were still starting): an empty window, now.
    const stopped = new Promise<TimingPlan>((resolve) => {
      const now = (): void => {
        const t = Date.now();
        resolve({ warmupStartWallMs: t, measureStartWallMs: t, measureEndWallMs: t });
      };
      if (this.signal.aborted) now();
      else this.signal.addEventListener('abort', now, { once: true });
    });
    this.timing = await Promise.race([this.transport.plan, stopped]);
    return this.timing;
  }

  /**
   * A step outside the measured window (setup, drain, end-of-run work): a busy store is waited out
   * and each retry counted with its reason — contention is what is measured, never a reason for an
   * agent to die. Other errors, and a busy error after stop, are thrown.
   */
  async untilNotBusy<T>(step: () => T | Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await step();
      } catch (err) {
        if (!isBusyError(err) || this.signal.aborted) throw err;
        const reason = (err as { code: string }).code;
        this.busyOutsideWindow[reason] = (this.busyOutsideWindow[reason] ?? 0) + 1;
        await this.clock.sleepUntil(this.clock.nowUs() + Math.min(50, attempt) * 1000, this.signal);
      }
    }
  }

  /** A live event for the parent (kept even if this agent is killed afterwards). */
  emit(event: unknown): void {
    this.transport.send({ type: 'event', event });
  }

  /** Clock µs at a wall-clock ms instant of the plan. */
  clockUsAt(wallMs: number): number {
    return this.clock.nowUs() + (wallMs * 1000 - wallUs());
  }

  /** Sleeps until a wall-clock instant (or the stop signal). */
  sleepUntilWall(wallMs: number): Promise<void> {
    return this.clock.sleepUntil(this.clockUsAt(wallMs), this.signal);
  }

  /**
   * Runs warmup (thrown away) and the measured window on the common timeline. An agent that joins
   * late (a replacement) skips what has passed; its windows still line up with everyone else's.
   */
  async measure(drive: Drive, options: MeasureOptions = {}): Promise<AgentRecording> {
    const plan = this.plan;
    const { clock, signal } = this;
    await this.sleepUntilWall(plan.warmupStartWallMs);
    if (!signal.aborted && Date.now() < plan.measureStartWallMs - 1) {
      // Thrown away: a one-sample reservoir keeps its finish() from bootstrapping anything.
      const warm = new Recorder({ startUs: clock.nowUs(), intervalUs: this.spec.intervalUs, seed: this.spec.seed, reservoirSize: 1 });
      const stop = this.ticker(warm, 'warmup');
      try {
        const out = await drive({ clock, recorder: warm, signal }, 'warmup', this.clockUsAt(plan.measureStartWallMs) - warm.startUs);
        warm.finish(out.endUs);
      } finally {
        stop();
      }
    }
    await this.sleepUntilWall(plan.measureStartWallMs);
    const startUs = this.clockUsAt(plan.measureStartWallMs);
    const endUs = this.clockUsAt(plan.measureEndWallMs);
    const recorder = new AgentRecorder({ startUs, intervalUs: this.spec.intervalUs, seed: this.spec.seed });
    const statsBefore = this.backend.stats?.();
    const stop = this.ticker(recorder, 'measure');
    let outcomeEnd: number;
    try {
      // Load models end at recorder.startUs + durationUs: the plan's end for every agent alike.
      const out = await drive({ clock, recorder, signal }, 'measure', Math.max(1, endUs - startUs), this.spec.iterations);
      outcomeEnd = out.endUs;
    } finally {
      stop();
    }
    if (options.beforeFinish) await options.beforeFinish(recorder);
    const statsAfter = this.backend.stats?.();
    if (statsAfter) this.measuredStats = diffStats(statsAfter, statsBefore);
    // An interrupted or iteration-bounded run ends when the load stopped; a full one at the plan's end.
    return recorder.finishForMerge(Math.max(startUs + 1, outcomeEnd));
  }

  private ticker(recorder: Recorder, phase: 'warmup' | 'measure'): () => void {
    const timer = setInterval(() => {
      const nowUs = this.clock.nowUs();
      const message: Extract<AgentMessage, { type: 'progress' }> = { type: 'progress', phase, snapshot: recorder.snapshot(nowUs) };
      if (recorder instanceof AgentRecorder) message.windows = recorder.drainClosedWindows(nowUs);
      this.transport.send(message);
    }, 250);
    timer.unref();
    return () => clearInterval(timer);
  }
}

/** Runs one agent's role to its report (or failure) and hands it to the transport. */
export async function runAgentRole(role: AgentRole, spec: AgentSpec, backend: Backend, transport: AgentTransport, withStats: boolean): Promise<void> {
  const ctx = new AgentContext(spec, backend, transport);
  try {
    const report: AgentReport = await role(ctx);
    if (withStats && ctx.measuredStats) report.backendStats = ctx.measuredStats;
    for (const [reason, n] of Object.entries(ctx.busyOutsideWindow)) report.counters[`busyOutsideWindow${reason}`] = n;
    transport.send({ type: 'report', report });
  } catch (err) {
    // The message only: a stack trace is for a debugger, not for a result or a summary.
    const code = (err as { code?: unknown } | null)?.code;
    const message = err instanceof Error ? `${typeof code === 'string' ? `${code}: ` : ''}${err.message}` : String(err);
    transport.send({ type: 'failed', message });
  }
}

type Counters = Record<string, number>;
const COUNTER_FIELDS = ['retries', 'busy', 'lockWaitUs', 'lockWaits'] as const;

/** The counters over the measured window: each counter after minus before (lock waits included). */
function diffStats(after: BackendStats, before: BackendStats | undefined): BackendStats {
  const diff = (a: Counters | undefined, b: Counters | undefined): Counters => {
    const out: Counters = {};
    for (const [k, v] of Object.entries(a ?? {})) {
      const d = v - (b?.[k] ?? 0);
      if (d > 0) out[k] = d;
    }
    return out;
  };
  const out: BackendStats = { retries: diff(after.retries, before?.retries), busy: diff(after.busy, before?.busy) };
  // Only backends that measure lock waits report them: absent stays absent (not measured, not zero).
  if (after.lockWaitUs) out.lockWaitUs = diff(after.lockWaitUs, before?.lockWaitUs);
  if (after.lockWaits) out.lockWaits = diff(after.lockWaits, before?.lockWaits);
  return out;
}

/** Several connections' counters added up (every agent's connection, one backend). */
export function sumBackendStats(sources: ReadonlyArray<BackendStats | undefined>): BackendStats {
  const total: BackendStats = { retries: {}, busy: {} };
  for (const s of sources) {
    if (!s) continue;
    for (const field of COUNTER_FIELDS) {
      const from = s[field];
      if (!from) continue;
      const into = (total[field] ??= {});
      for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
    }
  }
  return total;
}
