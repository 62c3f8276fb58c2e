/**
 * Merges the recordings of several agents into one set of operations and interval windows, as if
 * one recorder had seen every operation: histograms are added (HdrHistogram merges exactly),
 * counts, errors, drops, retries and error reasons are summed, and the pooled reservoir is drawn
 * from each agent in proportion to how many samples it saw so confidence intervals stay unbiased.
 */
import { LatencyHistogram, type PercentileSummary } from '../../measure/histogram.js';
import { exactMeanUs, toLatencyStats } from '../../measure/recorder.js';
import { Rng } from '../../measure/rng.js';
import { describe, madOutliers, medianAndP99CI } from '../../measure/stats.js';
import type { IntervalResult, OperationResult } from '../../core/result.js';
import { AGENT_RESERVOIR, type AgentRecording, type OperationRecording } from './agent-recorder.js';

export interface MergedRecording {
  operations: OperationResult[];
  intervals: IntervalResult[];
  /** The measured window, µs: the longest agent's (agents share a common start). */
  durationUs: number;
}

export interface MergeOptions {
  intervalUs: number;
  seed: number;
  /**
   * Raw samples pooled for the bootstrap intervals (default AGENT_RESERVOIR). The bootstrap costs
   * O(resamples × n log n) — about a second per operation for 2 000 samples on a busy 2-core box —
   * so quick runs pool fewer: their intervals come out wider, never narrower than the data allow.
   */
  ciSamples?: number;
}

export function mergeRecordings(recordings: readonly AgentRecording[], options: MergeOptions): MergedRecording {
  const durationUs = Math.max(1, ...recordings.map((r) => r.durationUs));
  const byOp = new Map<string, OperationRecording[]>();
  for (const rec of recordings) {
    for (const op of rec.operations) {
      const list = byOp.get(op.name);
      if (list) list.push(op);
      else byOp.set(op.name, [op]);
    }
  }
  const rng = new Rng(options.seed);
  const ciSamples = options.ciSamples ?? AGENT_RESERVOIR;
  const operations = [...byOp.entries()].map(([name, parts]) => mergeOperation(name, parts, durationUs, rng, ciSamples));
  const intervals = mergeWindows(recordings, options.intervalUs, durationUs, [...byOp.keys()]);
  return { operations, intervals, durationUs };
}

/** The merged histogram's figures, with the exact mean where every agent sent its ns sum. */
function mergedLatencyStats(summary: PercentileSummary, parts: readonly OperationRecording[], count: number): OperationResult['latencyUs'] {
  const stats = toLatencyStats(summary);
  if (count === 0 || parts.some((p) => p.sumNs === undefined)) return stats;
  return { ...stats, mean: exactMeanUs(sum(parts.map((p) => p.sumNs ?? 0)), count) };
}

function mergeOperation(name: string, parts: OperationRecording[], durationUs: number, rng: Rng, ciSamples: number): OperationResult {
  const latency = LatencyHistogram.mergeEncoded(parts.map((p) => p.histogram));
  const serviceParts = parts.filter((p) => p.serviceHistogram !== undefined).map((p) => p.serviceHistogram as string);
  const count = sum(parts.map((p) => p.count));
  const errorReasons: Record<string, number> = {};
  for (const p of parts) for (const [reason, n] of Object.entries(p.errorReasons)) errorReasons[reason] = (errorReasons[reason] ?? 0) + n;
  const result: OperationResult = {
    name,
    count,
    errors: sum(parts.map((p) => p.errors)),
    dropped: sum(parts.map((p) => p.dropped)),
    throughput: count / (durationUs / 1e6),
    latencyUs: mergedLatencyStats(latency.summary(), parts, count),
    histogram: latency.encode(),
  };
  latency.destroy();
  if (serviceParts.length > 0) {
    const service = LatencyHistogram.mergeEncoded(serviceParts);
    result.serviceTimeUs = toLatencyStats(service.summary());
    result.serviceHistogram = service.encode();
    service.destroy();
  }
  if (Object.keys(errorReasons).length > 0) result.errorReasons = errorReasons;
  const retries = sum(parts.map((p) => p.retries));
  if (retries > 0) result.retries = retries;
  const pooled = poolReservoirs(parts, rng, ciSamples);
  if (pooled.length >= 2) {
    result.cv = describe(pooled).cv;
    const ci = medianAndP99CI(pooled);
    result.ci95 = {
      p50: { estimate: ci.p50.estimate, low: ci.p50.low, high: ci.p50.high },
      p99: { estimate: ci.p99.estimate, low: ci.p99.low, high: ci.p99.high },
    };
    const o = madOutliers(pooled);
    result.outliers = { low: o.low, high: o.high, sampled: pooled.length };
  }
  return result;
}

/** Draws up to `size` samples, from each agent in proportion to the samples it saw. */
export function poolReservoirs(parts: readonly Pick<OperationRecording, 'reservoir' | 'seen'>[], rng: Rng, size = AGENT_RESERVOIR): number[] {
  const seen = sum(parts.map((p) => p.seen));
  if (seen === 0) return [];
  const pooled: number[] = [];
  for (const p of parts) {
    const want = Math.min(p.reservoir.length, Math.round((size * p.seen) / seen));
    // Partial Fisher-Yates: a uniform subset without replacement.
    const copy = p.reservoir.slice();
    for (let i = 0; i < want; i++) {
      const j = i + Math.floor(rng.next() * (copy.length - i));
      const t = copy[i] as number;
      copy[i] = copy[j] as number;
      copy[j] = t;
      pooled.push(copy[i] as number);
    }
  }
  return pooled;
}

function mergeWindows(recordings: readonly AgentRecording[], intervalUs: number, durationUs: number, opNames: string[]): IntervalResult[] {
  const windowCount = Math.max(1, Math.ceil(durationUs / intervalUs));
  const grouped = new Map<string, { count: number; errors: number; histograms: string[] }>();
  for (const rec of recordings) {
    for (const w of rec.windows) {
      // Completions after the measured end (in-flight operations, a bus drain) count in the
      // operation's totals but not in any window of the measured timeline.
      if (w.index >= windowCount) continue;
      const key = `${w.operation}\u0000${w.index}`;
      let g = grouped.get(key);
      if (!g) grouped.set(key, (g = { count: 0, errors: 0, histograms: [] }));
      g.count += w.count;
      g.errors += w.errors;
      g.histograms.push(w.histogram);
    }
  }
  const intervals: IntervalResult[] = [];
  for (const name of opNames) {
    for (let i = 0; i < windowCount; i++) {
      const startUs = i * intervalUs;
      const windowUs = Math.max(1, Math.min(intervalUs, durationUs - startUs));
      const g = grouped.get(`${name}\u0000${i}`);
      let p50 = 0;
      let p95 = 0;
      let p99 = 0;
      if (g) {
        const h = LatencyHistogram.mergeEncoded(g.histograms);
        p50 = h.percentile(50);
        p95 = h.percentile(95);
        p99 = h.percentile(99);
        h.destroy();
      }
      intervals.push({
        operation: name,
        startUs,
        durationUs: windowUs,
        count: g?.count ?? 0,
        errors: g?.errors ?? 0,
        throughput: (g?.count ?? 0) / (windowUs / 1e6),
        p50Us: p50,
        p95Us: p95,
        p99Us: p99,
      });
    }
  }
  return intervals;
}

function sum(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}
