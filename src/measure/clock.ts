/**
 * Time source for everything that measures or schedules. Time is in microseconds (floating point
 * here; recorders round to integers). The virtual clock lets load models and timing logic be tested
 * deterministically without waiting on the wall clock.
 */
import { performance } from 'node:perf_hooks';

export interface Clock {
  /** Monotonic time in microseconds since the clock's origin. */
  nowUs(): number;
  /** Resolves once nowUs() >= targetUs (immediately if already past). */
  sleepUntil(targetUs: number, signal?: AbortSignal): Promise<void>;
  /** Wall-clock epoch milliseconds, for timestamps in results. */
  wallMs(): number;
  readonly kind: 'real' | 'virtual';
}

/** The longest delay setTimeout accepts, ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export function sleep(clock: Clock, us: number, signal?: AbortSignal): Promise<void> {
  return clock.sleepUntil(clock.nowUs() + us, signal);
}

/** Real time from performance.now() (hrtime-backed, ~30 ns a read, cheaper than hrtime.bigint()). */
export class RealClock implements Clock {
  readonly kind = 'real' as const;
  private readonly originMs = performance.now();

  nowUs(): number {
    return (performance.now() - this.originMs) * 1000;
  }

  wallMs(): number {
    return Date.now();
  }

  sleepUntil(targetUs: number, signal?: AbortSignal): Promise<void> {
    if (this.nowUs() >= targetUs || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (): void => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', finish);
        resolve();
      };
      // Node's timers run off a loop time cached at millisecond granularity, so a timer can fire
      // up to ~1 ms early by this clock: re-arm until the target has really passed. Callers that
      // need finer pacing (open loop) batch what became due while they slept.
      const arm = (): void => {
        const remainingMs = (targetUs - this.nowUs()) / 1000;
        if (remainingMs <= 0 || signal?.aborted) return finish();
        // setTimeout holds at most 2^31-1 ms (~24.8 days); longer asks fire after 1 ms with a
        // TimeoutOverflowWarning, so a long sleep is taken in chunks.
        timer = setTimeout(arm, Math.min(MAX_TIMER_MS, Math.max(1, Math.ceil(remainingMs))));
      };
      signal?.addEventListener('abort', finish, { once: true });
      arm();
    });
  }
}

interface Sleeper {
  at: number;
  seq: number;
  resolve: () => void;
}

/**
 * Virtual time: nothing advances until someone calls advanceTo/advanceBy or run(). `run()` is the
 * usual driver: it lets all pending promise work settle, then jumps to the earliest sleeper, so a
 * whole load test of simulated minutes completes in milliseconds, deterministically.
 */
export class VirtualClock implements Clock {
  readonly kind = 'virtual' as const;
  private now = 0;
  private seq = 0;
  private sleepers: Sleeper[] = [];

  constructor(private readonly epochMs = Date.UTC(2026, 0, 1)) {}

  nowUs(): number {
    return this.now;
  }

  wallMs(): number {
    return this.epochMs + Math.floor(this.now / 1000);
  }

  sleepUntil(targetUs: number, signal?: AbortSignal): Promise<void> {
    if (targetUs <= this.now || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const onAbort = (): void => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        resolve();
      };
      // The abort listener goes away on a normal wake too: long runs sleep millions of times on
      // one signal, and listeners left behind would pile up.
      const sleeper: Sleeper = {
        at: targetUs,
        seq: this.seq++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      this.sleepers.push(sleeper);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  get pendingSleepers(): number {
    return this.sleepers.length;
  }

  /** Moves time forward, waking sleepers in time order (ties in the order they slept). */
  async advanceTo(targetUs: number): Promise<void> {
    for (;;) {
      await settle();
      const next = this.earliest();
      if (!next || next.at > targetUs) break;
      this.sleepers.splice(this.sleepers.indexOf(next), 1);
      this.now = Math.max(this.now, next.at);
      next.resolve();
    }
    this.now = Math.max(this.now, targetUs);
    await settle();
  }

  advanceBy(us: number): Promise<void> {
    return this.advanceTo(this.now + us);
  }

  /**
   * Drives `work` to completion: whenever every pending task is asleep, jumps to the next wake-up.
   * Throws if the work is stuck with nobody asleep (a deadlock the test should hear about).
   */
  async run<T>(work: Promise<T>, limitUs = Number.MAX_SAFE_INTEGER): Promise<T> {
    let finished = false;
    let value: T | undefined;
    let failure: unknown;
    let failed = false;
    work.then(
      (v) => {
        finished = true;
        value = v;
      },
      (e: unknown) => {
        finished = true;
        failed = true;
        failure = e;
      },
    );
    while (!finished) {
      await settle();
      if (finished) break;
      const next = this.earliest();
      if (!next) throw new Error('VirtualClock.run: work is pending but nothing is asleep (deadlock)');
      if (next.at > limitUs) throw new Error(`VirtualClock.run: passed the limit of ${limitUs} µs`);
      this.sleepers.splice(this.sleepers.indexOf(next), 1);
      this.now = Math.max(this.now, next.at);
      next.resolve();
    }
    if (failed) throw failure;
    return value as T;
  }

  private earliest(): Sleeper | undefined {
    let best: Sleeper | undefined;
    for (const s of this.sleepers) {
      if (!best || s.at < best.at || (s.at === best.at && s.seq < best.seq)) best = s;
    }
    return best;
  }
}

/** Lets every queued promise continuation run (setImmediate fires after the microtask queue drains). */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
