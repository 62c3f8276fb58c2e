/**
 * Open loop: operations arrive on a schedule (a constant rate or ramping stages) whatever the
 * target is doing, as wrk2, k6's arrival-rate executors and OpenMessaging Benchmark do.
 *
 * Latency is measured from each operation's INTENDED start time, so a target that stalls cannot
 * hide the stall by slowing the generator down (coordinated omission): every operation scheduled
 * behind the stall carries the wait in its latency. Service time (from the actual start) is
 * recorded beside it. Operations the generator could not start on time — the in-flight cap was
 * reached and no slot freed within `maxLagUs`, or the generator itself fell more than `maxLagUs`
 * behind — are counted as dropped, never silently skipped.
 *
 * Pacing is done in batches: timers have ~1 ms granularity, so on each wake every operation whose
 * intended time has passed is started at once (and still measured from its own intended time).
 */
import { YIELD_EVERY_US } from './closed-loop.js';
import { errorReason, isPromiseLike, type LoadContext, type LoadOutcome, type StopCondition, type Workload } from './types.js';

/** A sequence of intended start offsets (µs since the schedule's origin), ascending. */
export interface ArrivalCursor {
  /** The offset of the next arrival, or Infinity when the schedule has no more. */
  next(): number;
}

export interface ArrivalSchedule {
  /** How long the schedule lasts, µs (Infinity for a constant rate without end). */
  readonly durationUs: number;
  /** Intended arrival rate (per second) at offset `tUs`. */
  rateAt(tUs: number): number;
  /** A fresh cursor over the arrivals, from offset 0. */
  cursor(): ArrivalCursor;
  /** Human-readable form, for progress lines and the result's config. */
  describe(): string;
}

/** Arrivals every 1/rate seconds, the first at offset 0. */
export function constantRate(ratePerSec: number): ArrivalSchedule {
  if (!(ratePerSec > 0) || !Number.isFinite(ratePerSec)) throw new Error(`open loop: rate must be a positive number, got ${ratePerSec}`);
  const periodUs = 1e6 / ratePerSec;
  return {
    durationUs: Infinity,
    rateAt: () => ratePerSec,
    cursor() {
      let i = 0;
      // i × period rather than a running sum, so rounding never accumulates over long runs.
      return { next: () => i++ * periodUs };
    },
    describe: () => `${ratePerSec}/s`,
  };
}

export interface OpenLoopOptions extends StopCondition {
  schedule: ArrivalSchedule;
  /** Most operations allowed in flight at once; arrivals beyond it wait for a slot (up to maxLagUs). */
  maxInFlight: number;
  /** How late an operation may start before it is dropped instead, µs. */
  maxLagUs: number;
}

export const DEFAULT_MAX_IN_FLIGHT = 256;
/** The reason a lag timer is cancelled with: made once (an abort() without one builds a DOMException each time). */
const LOOP_ENDED = new Error('open loop: wait ended');

/** Sleeps up to this long are not interrupted by the abort signal (checked on waking instead), µs. */
const SHORT_SLEEP_US = 50_000;
export const DEFAULT_MAX_LAG_US = 1_000_000;

/** What the open loop saw besides what the recorder holds: for accounting checks and reports. */
export interface OpenLoopOutcome extends LoadOutcome {
  /** Arrivals started (issued − dropped). */
  started: number;
  dropped: number;
  /** Most operations seen in flight at once. */
  peakInFlight: number;
}

/**
 * Runs the schedule from `ctx.recorder.startUs` until the schedule ends, `durationUs` passes,
 * `iterations` arrivals were issued or the signal aborts — whichever comes first — then waits for
 * the operations in flight and records them. `endUs` is the later of the planned end and the last
 * completion, so throughput is rated over the time the work really took.
 */
export async function runOpenLoop(workload: Workload, options: OpenLoopOptions, ctx: LoadContext): Promise<OpenLoopOutcome> {
  const { clock, recorder, signal } = ctx;
  if (!(options.maxInFlight >= 1)) throw new Error('open loop: maxInFlight must be at least 1');
  if (!(options.maxLagUs >= 0)) throw new Error('open loop: maxLagUs must not be negative');
  const origin = recorder.startUs;
  const planned = Math.min(options.schedule.durationUs, options.durationUs ?? Infinity);
  const deadline = origin + planned;
  const maxIterations = options.iterations ?? Infinity;
  if (planned === Infinity && maxIterations === Infinity) throw new Error('open loop: give a duration or an iteration count');
  const maxLag = options.maxLagUs;
  const cursor = options.schedule.cursor();
  const virtual = clock.kind === 'virtual';

  // Free slot ids: an operation's "worker" is the slot it occupies, so workloads can keep
  // per-slot state (a connection, a session) exactly as closed-loop workers do.
  const freeSlots: number[] = [];
  for (let s = options.maxInFlight - 1; s >= 0; s--) freeSlots.push(s);
  let inFlight = 0;
  let peakInFlight = 0;
  let issued = 0;
  let started = 0;
  let dropped = 0;
  let slotFreed: (() => void) | undefined;
  let drained: (() => void) | undefined;

  // What each slot's operation is: a slot holds one operation at a time, so its completion
  // handlers are made once per slot and reused — the hot path allocates no closures.
  const slotName: string[] = [];
  const slotIntended = new Float64Array(options.maxInFlight);
  const slotActual = new Float64Array(options.maxInFlight);
  const onOk: Array<() => void> = [];
  const onErr: Array<(err: unknown) => void> = [];

  const complete = (slot: number): void => {
    freeSlots.push(slot);
    inFlight--;
    if (slotFreed) {
      const wake = slotFreed;
      slotFreed = undefined;
      wake();
    }
    if (inFlight === 0 && drained) drained();
  };

  const handlersFor = (slot: number): void => {
    onOk[slot] = () => {
      const end = clock.nowUs();
      recorder.record(slotName[slot] as string, end - (slotIntended[slot] as number), end, end - (slotActual[slot] as number));
      complete(slot);
    };
    onErr[slot] = (err: unknown) => {
      const end = clock.nowUs();
      recorder.recordError(slotName[slot] as string, errorReason(err), end - (slotIntended[slot] as number), end, end - (slotActual[slot] as number));
      complete(slot);
    };
  };

  const start = (iteration: number, intended: number): void => {
    const slot = freeSlots.pop() as number;
    const call = workload.next(iteration, slot);
    started++;
    const actual = clock.nowUs();
    let r: unknown;
    try {
      r = call.run();
    } catch (err) {
      const end = clock.nowUs();
      recorder.recordError(call.name, errorReason(err), end - intended, end, end - actual);
      freeSlots.push(slot);
      return;
    }
    if (!isPromiseLike(r)) {
      const end = clock.nowUs();
      recorder.record(call.name, end - intended, end, end - actual);
      freeSlots.push(slot);
      return;
    }
    inFlight++;
    if (inFlight > peakInFlight) peakInFlight = inFlight;
    slotName[slot] = call.name;
    slotIntended[slot] = intended;
    slotActual[slot] = actual;
    if (onOk[slot] === undefined) handlersFor(slot);
    r.then(onOk[slot], onErr[slot]);
  };

  const drop = (iteration: number): void => {
    // The workload names the operation that would have run, so the drop is charged to it.
    recorder.recordDropped(workload.next(iteration, 0).name);
    dropped++;
  };

  // The lag timer: one pending sleep shared by every wait for a slot. Waiting at the in-flight cap
  // happens once per arrival while a target stalls; a timer, abort controller and listener per wait
  // (and the DOMException each abort() made) cost more CPU than the request itself. Deadlines only
  // grow (each is `next + maxLag`), so waking at an earlier pending timer is merely early: the loop
  // checks again and waits on a fresh timer. Aborting the run, or its end, cancels the timer.
  let lagTimer: { cancel: AbortController; done: Promise<void>; fired: boolean } | undefined;
  const cancelLagTimer = (): void => {
    lagTimer?.cancel.abort(LOOP_ENDED);
    lagTimer = undefined;
  };
  signal.addEventListener('abort', cancelLagTimer, { once: true });

  /** Waits until a slot frees or `untilUs` passes (or, harmlessly, a little earlier). */
  const waitForSlot = async (untilUs: number): Promise<void> => {
    if (lagTimer === undefined || lagTimer.fired) {
      const cancel = new AbortController();
      const timer = { cancel, done: Promise.resolve(), fired: false };
      timer.done = clock.sleepUntil(untilUs, cancel.signal).then(() => {
        timer.fired = true;
      });
      lagTimer = timer;
    }
    try {
      await Promise.race([new Promise<void>((resolve) => (slotFreed = resolve)), lagTimer.done]);
    } finally {
      slotFreed = undefined;
    }
  };

  let next = origin + cursor.next();
  let nextYieldUs = clock.nowUs() + YIELD_EVERY_US;
  while (!signal.aborted && issued < maxIterations && next < deadline) {
    const now = clock.nowUs();
    // Synchronous operations and runs of drops never yield; give timers (progress, Ctrl-C,
    // sampling) a turn. Checked per arrival, dropped or started: a generator that cannot keep up
    // (e.g. --rate 1e6 on a slow machine) drops without end and must still see Ctrl-C.
    if (!virtual && now >= nextYieldUs) {
      nextYieldUs = now + YIELD_EVERY_US;
      await new Promise<void>((resolve) => setImmediate(resolve));
      continue;
    }
    if (next > now) {
      // A short sleep (the usual gap between arrivals) is not worth an abort listener, whose add
      // and remove cost more than the rest of the wake; the loop checks the signal when it wakes.
      await (next - now > SHORT_SLEEP_US ? clock.sleepUntil(next, signal) : clock.sleepUntil(next));
      continue;
    }
    // `next` is due (possibly overdue): start it, drop it, or wait for a slot.
    const lag = now - next;
    if (lag > maxLag) {
      drop(issued++);
      next = origin + cursor.next();
      continue;
    }
    if (freeSlots.length === 0) {
      // One past the allowed lag: if no slot frees by then, the check above drops it. The same
      // rule holds after the planned end, so whether an arrival counts never depends on timing luck.
      await waitForSlot(next + maxLag + 1);
      continue;
    }
    start(issued++, next);
    next = origin + cursor.next();
  }

  // Keep the measured window as long as planned (an idle tail is part of the schedule), unless the
  // run was cut short; then let what is in flight finish and be recorded.
  if (!signal.aborted && issued < maxIterations && deadline !== Infinity) await clock.sleepUntil(deadline, signal);
  cancelLagTimer();
  signal.removeEventListener('abort', cancelLagTimer);
  if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
  return { endUs: clock.nowUs(), aborted: signal.aborted, issued, started, dropped, peakInFlight };
}

/** The intended number of arrivals a schedule makes in [0, durationUs): for accounting checks. */
export function countArrivals(schedule: ArrivalSchedule, durationUs: number): number {
  const cursor = schedule.cursor();
  let n = 0;
  while (cursor.next() < durationUs) n++;
  return n;
}

