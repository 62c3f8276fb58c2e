/**
 * Closed loop: N workers, each issuing its next operation when the previous one completes (plus
 * optional think time). Fixed concurrency, as wrk and autocannon do; latency is service time, so
 * a stall lowers throughput instead of showing in latency — use open loop to see stalls.
 */
import { errorReason, isPromiseLike, type LoadContext, type LoadOutcome, type StopCondition, type Workload } from './types.js';

export interface ClosedLoopOptions extends StopCondition {
  concurrency: number;
  /** Pause after each operation, µs. */
  thinkTimeUs?: number;
}

export async function runClosedLoop(workload: Workload, options: ClosedLoopOptions, ctx: LoadContext): Promise<LoadOutcome> {
  const { clock, recorder, signal } = ctx;
  if (!(options.concurrency >= 1)) throw new Error('closed loop: concurrency must be at least 1');
  const deadline = options.durationUs === undefined ? Infinity : recorder.startUs + options.durationUs;
  const maxIterations = options.iterations ?? Infinity;
  if (deadline === Infinity && maxIterations === Infinity) throw new Error('closed loop: give a duration or an iteration count');
  let issued = 0;
  // Synchronous operations never give the event loop a turn on their own: yield every
  // YIELD_EVERY_US of clock time (not every N operations, which made progress counts move in
  // steps of N and starved timers for as long as N slow operations took).
  let nextYieldUs = clock.nowUs() + YIELD_EVERY_US;

  const worker = async (index: number): Promise<void> => {
    // One clock read per operation: without think time, the end of one operation is the start of
    // the next (the loop's own few nanoseconds are charged to the operation, never hidden).
    let start = clock.nowUs();
    while (!signal.aborted && issued < maxIterations && start < deadline) {
      const iteration = issued++;
      const call = workload.next(iteration, index);
      let end: number;
      try {
        const r = call.run();
        if (isPromiseLike(r)) await r;
        end = clock.nowUs();
        recorder.record(call.name, end - start, end);
      } catch (err) {
        end = clock.nowUs();
        recorder.recordError(call.name, errorReason(err), end - start, end);
      }
      if (options.thinkTimeUs) {
        // Never think past the end of the run: the run's duration bounds it, not the think time.
        await clock.sleepUntil(Math.min(end + options.thinkTimeUs, deadline), signal);
        start = clock.nowUs();
      } else if (end >= nextYieldUs) {
        nextYieldUs = end + YIELD_EVERY_US;
        await yieldToEventLoop();
        start = clock.nowUs();
      } else {
        start = end;
      }
    }
  };

  await Promise.all(Array.from({ length: options.concurrency }, (_, i) => worker(i)));
  return { endUs: clock.nowUs(), aborted: signal.aborted, issued };
}

/** How often a loop of synchronous operations lets timers (progress, sampling, Ctrl-C) run, µs. */
export const YIELD_EVERY_US = 2_000;

/**
 * Synchronous operations never give the event loop a turn; without this, timers (progress,
 * sampling, Ctrl-C) would starve for the whole run.
 */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
