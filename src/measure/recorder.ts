/**
 * The recorder: per-operation HdrHistograms (latency and, for open loop, service time), error
 * reasons, drops and retries, interval windows, and a seeded reservoir of raw samples for
 * bootstrap intervals. Memory is bounded however long a run goes. Pure: time comes from the caller.
 */
import { LatencyHistogram, type PercentileSummary } from './histogram.js';
import { Rng } from './rng.js';
import { describe, madOutliers, medianAndP99CI } from './stats.js';
import type { ClosedWindow, ProgressSnapshot, WindowOperation } from '../core/events.js';
import type { IntervalResult, LatencyStats, OperationResult } from '../core/result.js';

export type { ProgressSnapshot } from '../core/events.js';

export const DEFAULT_INTERVAL_US = 5_000_000;
const DEFAULT_RESERVOIR = 2_000;

export interface RecorderOptions {
  /** Time (µs on the caller's clock) at which the measured window starts. */
  startUs: number;
  intervalUs?: number;
  reservoirSize?: number;
  seed?: number;
  /**
   * Called each time an interval window closes, with every operation's figures and histogram for
   * that window, in window order. With it, all operations' windows close together (the first
   * completion past a boundary closes the window for every operation; advance() closes windows on
   * time when nothing completes). Without it, windows close lazily per operation (cheapest).
   */
  onWindow?: (window: ClosedWindow) => void;
}

interface WindowState {
  count: number;
  errors: number;
  histogram: LatencyHistogram;
}

class OperationState {
  readonly latency = LatencyHistogram.create();
  service: LatencyHistogram | undefined;
  count = 0;
  errors = 0;
  dropped = 0;
  retries = 0;
  /** Latencies under 1 µs, which the histogram records as 1 µs. */
  subMicrosecond = 0;
  /**
   * Every latency summed in whole nanoseconds (the clock reads below 1 µs), so the mean is exact
   * where the histogram clamps sub-µs values to 1 µs (a no-op averaging 0.07 µs read as 1.0).
   * Exact as an integer up to 2⁵³ ns (104 days of summed latency per operation).
   */
  sumNs = 0;
  readonly errorReasons = new Map<string, number>();
  readonly reservoir: number[] = [];
  seen = 0;
  /** Algorithm L state: the index of the next sample to keep, and its weight. */
  nextKeep = 0;
  weight = 1;
  window: WindowState | undefined;
  windowIndex = 0;
  windowEndUs = 0;
  readonly intervals: IntervalResult[] = [];

  constructor(readonly name: string) {}
}

export class Recorder {
  readonly startUs: number;
  readonly intervalUs: number;
  private readonly reservoirSize: number;
  private readonly rng: Rng;
  private readonly ops = new Map<string, OperationState>();
  private finished = false;
  // The hot path usually records the same operation again: skip the map lookup then.
  private lastOp: OperationState | undefined;
  private endUs: number | undefined;
  private readonly onWindow: ((window: ClosedWindow) => void) | undefined;
  /** Windows before this index were reported to onWindow. */
  private reportedWindows = 0;
  /** Per-operation figures of closed windows not yet reported, by window index. */
  private readonly pendingWindows = new Map<number, WindowOperation[]>();

  constructor(options: RecorderOptions) {
    this.onWindow = options.onWindow;
    this.startUs = options.startUs;
    this.intervalUs = options.intervalUs ?? DEFAULT_INTERVAL_US;
    if (!(this.intervalUs > 0)) throw new Error('Recorder: interval must be positive');
    this.reservoirSize = options.reservoirSize ?? DEFAULT_RESERVOIR;
    this.rng = new Rng(options.seed ?? 1);
  }

  /** Records one completed operation. `atUs` is its completion time on the caller's clock. */
  record(name: string, latencyUs: number, atUs: number, serviceUs?: number): void {
    const op = this.op(name);
    op.count++;
    if (latencyUs < 1) op.subMicrosecond++;
    op.sumNs += Math.round(latencyUs * 1000);
    if (serviceUs !== undefined) (op.service ??= LatencyHistogram.create()).record(serviceUs);
    this.sample(op, latencyUs);
    // Recorded once, into the current window; windows fold into the operation's histogram as they
    // close (HDR addition is exact), which halves the cost of the hot path.
    const w = this.windowFor(op, atUs);
    w.count++;
    w.histogram.record(latencyUs);
  }

  /** Records a failed operation: it counts, its latency is recorded, its reason is tallied. */
  recordError(name: string, reason: string, latencyUs: number, atUs: number, serviceUs?: number): void {
    this.record(name, latencyUs, atUs, serviceUs);
    const op = this.op(name);
    op.errors++;
    op.errorReasons.set(reason, (op.errorReasons.get(reason) ?? 0) + 1);
    // record() just opened (or kept) the window this completion falls in.
    (op.window as WindowState).errors++;
  }

  recordDropped(name: string, n = 1): void {
    this.op(name).dropped += n;
  }

  recordRetry(name: string, n = 1): void {
    this.op(name).retries += n;
  }

  /** Makes an operation appear in results even if it never completes (e.g. all dropped). */
  declare(name: string): void {
    this.op(name);
  }

  /**
   * Closes (and reports) every window that ended at or before `nowUs`, for every operation, so a
   * stalled target still produces its empty windows on time. Only useful with `onWindow`.
   */
  advance(nowUs: number): void {
    if (this.finished || this.onWindow === undefined) return;
    const index = Math.floor((nowUs - this.startUs) / this.intervalUs);
    if (index > this.reportedWindows) this.closeAllBefore(index);
  }

  snapshot(nowUs: number): ProgressSnapshot {
    const operations = [...this.ops.values()].map((op) => ({
      name: op.name,
      count: op.count,
      errors: op.errors,
      dropped: op.dropped,
      p99Us: LatencyHistogram.using((h) => {
        h.add(op.latency);
        if (op.window) h.add(op.window.histogram);
        return h.percentile(99);
      }),
    }));
    return { elapsedUs: nowUs - this.startUs, operations, totalCount: operations.reduce((a, o) => a + o.count, 0) };
  }

  /**
   * Closes the measurement at `endUs` and returns operations and interval windows. Frees the
   * histograms: the recorder cannot be used afterwards.
   */
  finish(endUs: number): { operations: OperationResult[]; intervals: IntervalResult[]; durationUs: number } {
    if (this.finished) throw new Error('Recorder.finish called twice');
    this.finished = true;
    this.endUs = endUs;
    const durationUs = Math.max(1, endUs - this.startUs);
    const lastWindow = Math.max(0, Math.ceil(durationUs / this.intervalUs) - 1);
    const operations: OperationResult[] = [];
    const intervals: IntervalResult[] = [];
    for (const op of this.ops.values()) {
      // Close every window up to the end so that stalls show as windows with zero throughput.
      this.rollTo(op, lastWindow + 1);
      intervals.push(...op.intervals);
      operations.push(this.operationResult(op, durationUs));
      op.latency.destroy();
      op.service?.destroy();
    }
    this.reportPending(lastWindow + 1);
    return { operations, intervals, durationUs };
  }

  /** The latencies of one operation summed in whole ns (still there after finish), for exact merges. */
  protected latencySumNs(name: string): number {
    return this.ops.get(name)?.sumNs ?? 0;
  }

  private operationResult(op: OperationState, durationUs: number): OperationResult {
    const result: OperationResult = {
      name: op.name,
      count: op.count,
      errors: op.errors,
      dropped: op.dropped,
      throughput: op.count / (durationUs / 1e6),
      latencyUs: { ...toLatencyStats(op.latency.summary()), ...(op.count > 0 ? { mean: exactMeanUs(op.sumNs, op.count) } : {}) },
      histogram: op.latency.encode(),
    };
    if (op.service) {
      result.serviceTimeUs = toLatencyStats(op.service.summary());
      result.serviceHistogram = op.service.encode();
    }
    if (op.errorReasons.size > 0) result.errorReasons = Object.fromEntries(op.errorReasons);
    if (op.retries > 0) result.retries = op.retries;
    if (op.subMicrosecond > 0) result.subMicrosecond = op.subMicrosecond;
    if (op.reservoir.length >= 2) {
      const d = describe(op.reservoir);
      result.cv = d.cv;
      const ci = medianAndP99CI(op.reservoir);
      result.ci95 = {
        p50: { estimate: ci.p50.estimate, low: ci.p50.low, high: ci.p50.high },
        p99: { estimate: ci.p99.estimate, low: ci.p99.low, high: ci.p99.high },
      };
      const o = madOutliers(op.reservoir);
      result.outliers = { low: o.low, high: o.high, sampled: op.reservoir.length };
    }
    return result;
  }

  private op(name: string): OperationState {
    if (this.lastOp?.name === name) return this.lastOp;
    let op = this.ops.get(name);
    if (!op) {
      if (this.finished) throw new Error('Recorder already finished');
      op = new OperationState(name);
      this.ops.set(name, op);
    }
    this.lastOp = op;
    return op;
  }

  /**
   * Reservoir sampling by Li's Algorithm L: every sample has an equal chance to be kept, and once
   * the reservoir is full it draws random numbers only for the samples it keeps (O(k log(n/k)))
   * instead of for every sample — the hot path is a counter comparison.
   */
  private sample(op: OperationState, value: number): void {
    const k = this.reservoirSize;
    const i = op.seen++;
    if (i < k) {
      op.reservoir.push(value);
      if (i === k - 1) this.skipAhead(op, i);
      return;
    }
    if (i < op.nextKeep) return;
    op.reservoir[Math.floor(this.rng.next() * k)] = value;
    this.skipAhead(op, i);
  }

  /** Algorithm L's step after sample `i` filled or replaced a slot: shrink the weight, draw the next index kept. */
  private skipAhead(op: OperationState, i: number): void {
    op.weight *= Math.exp(Math.log(this.random()) / this.reservoirSize);
    op.nextKeep = i + Math.floor(Math.log(this.random()) / Math.log(1 - op.weight)) + 1;
  }

  /** Uniform in (0, 1): Algorithm L takes logarithms of it. */
  private random(): number {
    let u = 0;
    while (u === 0) u = this.rng.next();
    return u;
  }

  private windowFor(op: OperationState, atUs: number): WindowState {
    // Fast path: still inside the open window (one comparison, no division).
    if (op.window && atUs < op.windowEndUs) return op.window;
    const index = Math.max(0, Math.floor((atUs - this.startUs) / this.intervalUs));
    if (index > op.windowIndex || !op.window) {
      this.rollTo(op, index);
      if (this.onWindow !== undefined && index > this.reportedWindows) this.closeAllBefore(index);
    }
    return op.window as WindowState;
  }

  /** Closes every operation's windows before `index` and reports the closed windows in order. */
  private closeAllBefore(index: number): void {
    for (const op of this.ops.values()) if (op.window === undefined || op.windowIndex < index) this.rollTo(op, index);
    this.reportPending(index);
  }

  private reportPending(index: number): void {
    const onWindow = this.onWindow;
    if (onWindow === undefined) return;
    for (let i = this.reportedWindows; i < index; i++) {
      const operations = this.pendingWindows.get(i) ?? [];
      this.pendingWindows.delete(i);
      const startUs = i * this.intervalUs;
      // Whole µs, as the contract says (the end is read off a clock with sub-µs digits).
      const endUs = this.endUs === undefined ? startUs + this.intervalUs : Math.min(startUs + this.intervalUs, Math.max(startUs, Math.round(this.endUs - this.startUs)));
      onWindow({ startUs, endUs, operations });
    }
    this.reportedWindows = Math.max(this.reportedWindows, index);
  }

  /** Closes windows before `index` (emitting empty ones for gaps) and opens window `index`. */
  private rollTo(op: OperationState, index: number): void {
    const closing = op.window;
    if (closing) {
      for (let i = op.windowIndex; i < index; i++) {
        const w = i === op.windowIndex ? closing : undefined;
        const interval = this.intervalResult(op.name, i, w);
        op.intervals.push(interval);
        if (this.onWindow !== undefined) this.pend(i, interval, w);
      }
      op.latency.add(closing.histogram);
    } else {
      for (let i = op.intervals.length; i < index; i++) {
        const interval = this.intervalResult(op.name, i, undefined);
        op.intervals.push(interval);
        if (this.onWindow !== undefined) this.pend(i, interval, undefined);
      }
    }
    op.windowIndex = index;
    op.windowEndUs = this.startUs + (index + 1) * this.intervalUs;
    if (this.finished) {
      closing?.histogram.destroy();
      op.window = undefined;
    } else if (closing) {
      // Reuse the window's histogram: no allocation per window.
      closing.histogram.reset();
      closing.count = 0;
      closing.errors = 0;
    } else {
      op.window = { count: 0, errors: 0, histogram: LatencyHistogram.create() };
    }
  }

  /** Keeps one operation's figures for window `index` until every operation has closed it. */
  private pend(index: number, interval: IntervalResult, w: WindowState | undefined): void {
    if (index < this.reportedWindows) return; // reported already (as empty for this operation)
    const figures: WindowOperation = {
      name: interval.operation,
      count: interval.count,
      errors: interval.errors,
      throughput: interval.throughput,
      p50: interval.p50Us,
      p95: interval.p95Us,
      p99: interval.p99Us,
      max: w && w.count > 0 ? w.histogram.percentile(100) : 0,
    };
    if (w && w.count > 0) figures.histogram = w.histogram.encode();
    const list = this.pendingWindows.get(index);
    if (list) list.push(figures);
    else this.pendingWindows.set(index, [figures]);
  }

  private intervalResult(name: string, index: number, w: WindowState | undefined): IntervalResult {
    const startUs = index * this.intervalUs;
    // The last window is usually cut short by the end of the run: rate it over its real length.
    const durationUs =
      this.endUs === undefined ? this.intervalUs : Math.max(1, Math.min(this.intervalUs, this.endUs - this.startUs - startUs));
    return {
      operation: name,
      startUs,
      durationUs,
      count: w?.count ?? 0,
      errors: w?.errors ?? 0,
      throughput: (w?.count ?? 0) / (durationUs / 1e6),
      p50Us: w ? w.histogram.percentile(50) : 0,
      p95Us: w ? w.histogram.percentile(95) : 0,
      p99Us: w ? w.histogram.percentile(99) : 0,
    };
  }
}

/** The mean of `count` latencies summing to `sumNs`, in µs to the nanosecond (3 decimals). */
export function exactMeanUs(sumNs: number, count: number): number {
  return Math.round(sumNs / count) / 1000;
}

export function toLatencyStats(s: PercentileSummary): LatencyStats {
  return {
    min: s.min,
    mean: Math.round(s.mean * 100) / 100,
    stddev: Math.round(s.stddev * 100) / 100,
    p50: s.p50,
    p75: s.p75,
    p90: s.p90,
    p95: s.p95,
    p99: s.p99,
    p999: s.p999,
    p9999: s.p9999,
    max: s.max,
  };
}
