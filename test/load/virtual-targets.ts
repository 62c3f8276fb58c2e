/**
 * Targets that live on the VirtualClock, for testing load models deterministically: a FIFO server
 * with one worker (a queue, as a single-threaded server is) and a recorder that also keeps every
 * raw sample so tests can check individual operations, not only percentiles.
 */
import type { Clock } from '../../src/measure/clock.js';
import { Recorder } from '../../src/measure/recorder.js';
import type { Workload } from '../../src/load/types.js';

/** One worker serving requests in arrival order; `serviceUs(n)` is the n-th request's own cost. */
export class FifoServer {
  private tail: Promise<void> = Promise.resolve();
  served = 0;
  maxQueued = 0;
  private queued = 0;

  constructor(
    private readonly clock: Clock,
    private readonly serviceUs: (n: number) => number,
  ) {}

  handle(): Promise<void> {
    const n = this.served++;
    this.queued++;
    this.maxQueued = Math.max(this.maxQueued, this.queued);
    const run = this.tail.then(async () => {
      await this.clock.sleepUntil(this.clock.nowUs() + this.serviceUs(n));
      this.queued--;
    });
    this.tail = run;
    return run;
  }

  workload(name = 'req'): Workload {
    const call = { name, run: () => this.handle() };
    return { next: () => call };
  }
}

/** Every operation served concurrently after a fixed delay; tracks how many ran at once. */
export class ConcurrentServer {
  inFlight = 0;
  maxInFlight = 0;
  calls = 0;

  constructor(
    private readonly clock: Clock,
    private readonly delayUs: (n: number) => number,
  ) {}

  async handle(): Promise<void> {
    const n = this.calls++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await this.clock.sleepUntil(this.clock.nowUs() + this.delayUs(n));
    } finally {
      this.inFlight--;
    }
  }

  workload(name = 'req'): Workload {
    const call = { name, run: () => this.handle() };
    return { next: () => call };
  }
}

export interface RawSample {
  name: string;
  latencyUs: number;
  serviceUs: number | undefined;
  atUs: number;
  error?: string;
}

/** A Recorder that also keeps each raw sample (the real recorder still does all its work). */
export class SampleKeepingRecorder extends Recorder {
  readonly samples: RawSample[] = [];

  override record(name: string, latencyUs: number, atUs: number, serviceUs?: number): void {
    this.samples.push({ name, latencyUs, atUs, serviceUs });
    super.record(name, latencyUs, atUs, serviceUs);
  }

  override recordError(name: string, reason: string, latencyUs: number, atUs: number, serviceUs?: number): void {
    // super.recordError calls this.record, which keeps the sample; mark it as an error afterwards.
    super.recordError(name, reason, latencyUs, atUs, serviceUs);
    const last = this.samples[this.samples.length - 1];
    if (last) last.error = reason;
  }
}
