/**
 * Latency histograms: HdrHistogram (hdr-histogram-js, WebAssembly) in integer microseconds from
 * 1 µs to 1 h with 3 significant digits. One structure serves recording (~tens of ns), merging
 * across workers/runs/machines, storage (compressed base64) and percentiles, with bounded memory.
 */
import * as hdr from 'hdr-histogram-js';

export const LOWEST_US = 1;
export const HIGHEST_US = 3_600_000_000; // 1 hour
export const SIGNIFICANT_DIGITS = 3;

let wasmReady: boolean | undefined;

function useWasm(): boolean {
  if (wasmReady === undefined) {
    try {
      hdr.initWebAssemblySync();
      wasmReady = true;
    } catch {
      // Fall back to the pure-JS implementation; results are identical, recording is slower.
      wasmReady = false;
    }
  }
  return wasmReady;
}

export interface PercentileSummary {
  count: number;
  min: number;
  mean: number;
  stddev: number;
  p50: number;
  p75: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  p9999: number;
  max: number;
}

export const EMPTY_SUMMARY: PercentileSummary = Object.freeze({
  count: 0, min: 0, mean: 0, stddev: 0, p50: 0, p75: 0, p90: 0, p95: 0, p99: 0, p999: 0, p9999: 0, max: 0,
});

/**
 * A latency histogram. WebAssembly memory is not garbage-collected: call destroy() when done
 * (LatencyHistogram.using() does it for you).
 */
export class LatencyHistogram {
  private constructor(private h: hdr.Histogram) {}

  static create(): LatencyHistogram {
    return new LatencyHistogram(
      hdr.build({
        lowestDiscernibleValue: LOWEST_US,
        highestTrackableValue: HIGHEST_US,
        numberOfSignificantValueDigits: SIGNIFICANT_DIGITS,
        bitBucketSize: 32,
        useWebAssembly: useWasm(),
      }),
    );
  }

  /** Decodes a histogram written by encode() (or any HdrHistogram V2 compressed base64). */
  static decode(encoded: string): LatencyHistogram {
    if (encoded === '') return LatencyHistogram.create();
    const decoded = hdr.decodeFromCompressedBase64(encoded, 32, useWasm());
    return new LatencyHistogram(decoded);
  }

  /** Decodes and merges many encoded histograms into one (workers, runs, hours). */
  static mergeEncoded(encoded: readonly string[]): LatencyHistogram {
    const out = LatencyHistogram.create();
    for (const e of encoded) {
      const h = LatencyHistogram.decode(e);
      out.add(h);
      h.destroy();
    }
    return out;
  }

  static using<T>(fn: (h: LatencyHistogram) => T, encoded?: string): T {
    const h = encoded === undefined ? LatencyHistogram.create() : LatencyHistogram.decode(encoded);
    try {
      return fn(h);
    } finally {
      h.destroy();
    }
  }

  /** Records a latency; values are rounded to whole µs and clamped into the trackable range. */
  record(us: number, count = 1): void {
    const v = us < LOWEST_US ? LOWEST_US : us > HIGHEST_US ? HIGHEST_US : Math.round(us);
    if (count === 1) this.h.recordValue(v);
    else this.h.recordValueWithCount(v, count);
  }

  add(other: LatencyHistogram): void {
    this.h.add(other.h);
  }

  get count(): number {
    return this.h.totalCount;
  }

  percentile(p: number): number {
    return this.h.totalCount === 0 ? 0 : this.h.getValueAtPercentile(p);
  }

  summary(): PercentileSummary {
    const h = this.h;
    if (h.totalCount === 0) return { ...EMPTY_SUMMARY };
    return {
      count: h.totalCount,
      min: h.minNonZeroValue,
      mean: h.mean,
      stddev: h.stdDeviation,
      p50: h.getValueAtPercentile(50),
      p75: h.getValueAtPercentile(75),
      p90: h.getValueAtPercentile(90),
      p95: h.getValueAtPercentile(95),
      p99: h.getValueAtPercentile(99),
      p999: h.getValueAtPercentile(99.9),
      p9999: h.getValueAtPercentile(99.99),
      // The bucket's highest equivalent value, like every percentile: the exact max is not kept
      // by the encoding, and a max that changed on a round trip would break merges and compares.
      max: h.getValueAtPercentile(100),
    };
  }

  /**
   * The recorded distribution as (value, count) pairs in ascending order, each value the
   * representative of its bucket. Used by statistical tests that need the distribution itself.
   */
  buckets(): Array<{ value: number; count: number }> {
    const js = hdr.decodeFromCompressedBase64(this.encode(), 32, false) as unknown as {
      recordedValuesIterator: {
        reset(): void;
        hasNext(): boolean;
        next(): { valueIteratedTo: number; countAtValueIteratedTo: number };
      };
    };
    const it = js.recordedValuesIterator;
    it.reset();
    const out: Array<{ value: number; count: number }> = [];
    while (it.hasNext()) {
      const v = it.next();
      out.push({ value: v.valueIteratedTo, count: v.countAtValueIteratedTo });
    }
    return out;
  }

  /**
   * A percentile spectrum (HdrHistogram's classic output): points at 0, 50, 75, 87.5 … % up to
   * max, for log-scale percentile charts.
   */
  spectrum(): Array<{ percentile: number; valueUs: number }> {
    if (this.count === 0) return [];
    const points: Array<{ percentile: number; valueUs: number }> = [];
    for (let k = 0; k <= 20; k++) {
      const p = 100 * (1 - Math.pow(0.5, k));
      points.push({ percentile: p, valueUs: this.percentile(p) });
    }
    points.push({ percentile: 100, valueUs: this.percentile(100) });
    return points;
  }

  encode(): string {
    return hdr.encodeIntoCompressedBase64(this.h);
  }

  reset(): void {
    this.h.reset();
  }

  destroy(): void {
    this.h.destroy();
  }
}
