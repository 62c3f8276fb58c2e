/**
 * Every threshold the bottleneck analysis uses, in one table, so that what counts as a
 * bottleneck is read (and changed) in one place and documented from here (docs/reports.md).
 * Warning and critical levels; a figure above `warning` makes a finding, above `critical` a
 * critical one. Sample-size floors keep short or tiny runs from raising findings on noise.
 */

const MB = 1024 * 1024;

export const BOTTLENECK_THRESHOLDS = {
  /** A Node process runs JavaScript on one core: % of one core, mean over the measured samples. */
  processCpuPct: { warning: 80, critical: 95 },
  /** All sampled processes together, as % of the host's cores. */
  hostCpuPct: { warning: 80, critical: 95 },
  /** Resident memory growth (least-squares slope over the samples), bytes per second (MB = 2^20 B, as reports print). */
  memoryGrowthBytesPerSec: { warning: 1 * MB, critical: 10 * MB },
  /**
   * Memory growth is judged on the later half of a process's samples only: start-up (module
   * loading, JIT, pools filling) grows RSS in every run and is not a leak. That half needs this
   * many samples over at least this span to mean anything.
   */
  memoryGrowthMinSamples: 5,
  memoryGrowthMinSpanMs: 4_000,
  /** …and grow by at least this much over it: a few MB is the allocator settling, not a leak. */
  memoryGrowthMinTotalBytes: 8 * MB,
  /**
   * Event-loop delay p99, µs. The sampler's timer resolution is 10 ms, which an idle loop already
   * reports (about 10–15 ms), so the levels sit well above it.
   */
  eventLoopDelayP99Us: { warning: 50_000, critical: 200_000 },
  /** Share of wall time spent in GC pauses (0..1). */
  gcTimeShare: { warning: 0.1, critical: 0.25 },
  /** Network bytes (received + sent) per second, host-wide. */
  networkBytesPerSec: { warning: 100 * MB, critical: 500 * MB },
  /** Latency tail: p99 / p50. */
  tailRatio: { warning: 10, critical: 50 },
  /** Fewer operations than this say nothing about a p99. */
  tailMinCount: 100,
  /** Throughput degradation: sustainable / max below this ratio (lower is worse). */
  sustainableRatio: { warning: 0.8, critical: 0.5 },
  /** Interval windows needed (full-length ones) to judge throughput over time. */
  degradationMinWindows: 3,
  /** Open-loop saturation: latency p99 from the intended start / service-time p99. */
  openLoopRatio: { warning: 2, critical: 10 },
  /** …and the queueing it adds must be at least this long (µs) to matter. */
  openLoopMinExcessUs: 1_000,
  /** Lock contention: (busy/locked errors + retries + conflicts) per completed operation. */
  contentionShare: { info: 0, warning: 0.01, critical: 0.1 },
  /** Dropped operations as a share of those planned (completed + dropped). */
  droppedShare: { warning: 0, critical: 0.01 },
  /** Errors other than lock contention, per completed operation. */
  errorShare: { warning: 0.01, critical: 0.1 },
  /** A cause explaining this share of operation time (or of the p99) is a warning / critical. */
  impactShare: { warning: 0.2, critical: 0.5 },
  /** One operation taking this share of all operation time is where the time goes. */
  dominantShare: 0.65,
  /**
   * Absolute floors of a latency tail: below tailFloorUs (1 ms) a p99 is never a problem by itself
   * (15 µs at 15× p50 on the memory backend is fine); below tailCriticalFloorUs it is never critical.
   */
  tailFloorUs: 1_000,
  tailCriticalFloorUs: 10_000,
  /** Host busy share (from /proc/stat, all cores), mean over the run. */
  hostBusyPct: { warning: 85, critical: 95 },
  /** Host busy minus swarmperf's own processes, in points, above which "something else competes". */
  hostOthersPct: 20,
  /** Share of elections that needed more than one term. */
  splitVoteShare: 0.2,
} as const;

export type BottleneckThresholds = typeof BOTTLENECK_THRESHOLDS;

/** Error reasons that mean lock contention rather than a failure (suite counters: see suiteContentionFindings). */
export const CONTENTION_PATTERN = /busy|locked|lock|conflict|contention|deadlock|serializ|retry/i;
