/**
 * The deterministic discrete-event scheduler: virtual time in integer µs, one priority queue
 * (a binary min-heap on (time, sequence)), one seeded Rng. Two events at the same instant run in
 * the order they were scheduled, so a run is a pure function of its seed and inputs.
 *
 * Events are plain records dispatched through one handler (no closure per event): that keeps the
 * hot loop allocation-light, which is what lets the simulator deliver millions of messages a second.
 */
import { Rng } from '../measure/rng.js';

export interface SimEvent {
  /** Virtual time, integer µs. */
  at: number;
  /** Tie-breaker: scheduling order. */
  seq: number;
  /** What happens; meaning belongs to the world that handles it. */
  kind: number;
  /** Node (or other target) the event concerns. */
  target: number;
  /** Free second integer (sender, generation, …). */
  aux: number;
  data: unknown;
}

export type EventHandler = (event: SimEvent) => void;

/** Binary min-heap ordered by (at, seq). */
export class EventHeap {
  private items: SimEvent[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): SimEvent | undefined {
    return this.items[0];
  }

  push(e: SimEvent): void {
    const items = this.items;
    let i = items.length;
    items.push(e);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent] as SimEvent;
      if (p.at < e.at || (p.at === e.at && p.seq < e.seq)) break;
      items[i] = p;
      i = parent;
    }
    items[i] = e;
  }

  pop(): SimEvent | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    const n = items.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      let child = items[l] as SimEvent;
      if (r < n) {
        const rc = items[r] as SimEvent;
        if (rc.at < child.at || (rc.at === child.at && rc.seq < child.seq)) {
          c = r;
          child = rc;
        }
      }
      if (last.at < child.at || (last.at === child.at && last.seq < child.seq)) break;
      items[i] = child;
      i = c;
    }
    items[i] = last;
    return top;
  }

  clear(): void {
    this.items = [];
  }
}

export interface SchedulerOptions {
  seed: number;
  /** Keep a textual trace of every event run (for determinism tests and debugging). */
  trace?: boolean;
  /** Describes an event's data for the trace. */
  describe?: (e: SimEvent) => string;
}

export class Scheduler {
  readonly rng: Rng;
  readonly seed: number;
  private readonly heap = new EventHeap();
  private seq = 0;
  private nowUs = 0;
  private handler: EventHandler = () => {
    throw new Error('Scheduler: no handler set');
  };
  private stopped = false;
  /** Events run so far. */
  eventsRun = 0;
  readonly trace: string[] | undefined;
  private readonly describe: ((e: SimEvent) => string) | undefined;

  constructor(options: SchedulerOptions) {
    this.seed = options.seed >>> 0;
    this.rng = new Rng(this.seed);
    this.trace = options.trace ? [] : undefined;
    this.describe = options.describe;
  }

  get now(): number {
    return this.nowUs;
  }

  get pending(): number {
    return this.heap.size;
  }

  setHandler(handler: EventHandler): void {
    this.handler = handler;
  }

  /** Schedules an event at absolute virtual time `at` (µs, rounded; never in the past). */
  at(at: number, kind: number, target: number, aux = 0, data: unknown = undefined): SimEvent {
    const t = Math.round(at);
    const e: SimEvent = { at: t < this.nowUs ? this.nowUs : t, seq: this.seq++, kind, target, aux, data };
    this.heap.push(e);
    return e;
  }

  after(delayUs: number, kind: number, target: number, aux = 0, data: unknown = undefined): SimEvent {
    return this.at(this.nowUs + delayUs, kind, target, aux, data);
  }

  /** Stops run() after the current event. */
  stop(): void {
    this.stopped = true;
  }

  /**
   * Runs events in time order until the queue is empty, time would pass `untilUs`, stop() is
   * called or `maxEvents` have run. Time ends at `untilUs` if it was reached.
   */
  run(untilUs = Number.MAX_SAFE_INTEGER, maxEvents = Number.MAX_SAFE_INTEGER): void {
    this.stopped = false;
    const heap = this.heap;
    const handler = this.handler;
    const trace = this.trace;
    let budget = maxEvents;
    while (!this.stopped && budget-- > 0) {
      const next = heap.peek();
      if (next === undefined || next.at > untilUs) {
        if (untilUs !== Number.MAX_SAFE_INTEGER && untilUs > this.nowUs) this.nowUs = untilUs;
        return;
      }
      heap.pop();
      this.nowUs = next.at;
      this.eventsRun++;
      if (trace) trace.push(`${next.at} k${next.kind} t${next.target} a${next.aux}${this.describe ? ' ' + this.describe(next) : ''}`);
      handler(next);
    }
  }
}
