/**
 * RunResult: the one result type every stage downstream of the recorder reads and writes.
 * Field names are a contract (other issues, outside scripts and the JSON Schema in
 * schema/run-result.schema.json rely on them): add fields, never rename.
 */
import { z } from 'zod';

export const SCHEMA_VERSION = 1;

/** Latency figures in integer microseconds. */
export const LatencyStatsSchema = z.object({
  min: z.number(),
  mean: z.number(),
  stddev: z.number(),
  p50: z.number(),
  p75: z.number(),
  p90: z.number(),
  p95: z.number(),
  p99: z.number(),
  p999: z.number(),
  p9999: z.number(),
  max: z.number(),
});
export type LatencyStats = z.infer<typeof LatencyStatsSchema>;

export const IntervalEstimateSchema = z.object({ estimate: z.number(), low: z.number(), high: z.number() });

/**
 * What makes two measurements comparable: the configuration parts (suite, backend and its tuning,
 * agents, mode, nodes, protocol, load model and rate, duration class, host) and a short hash of
 * them. Runs with equal `id` are compared with each other by default.
 */
export const FingerprintSchema = z.object({
  id: z.string(),
  parts: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});
export type Fingerprint = z.infer<typeof FingerprintSchema>;

/**
 * Where an operation's time went, in µs summed over the measured operations (each part optional:
 * only what the backend or the load generator measured). serviceUs is the time from the actual
 * start to completion; lockWaitUs the part of it spent waiting for a lock or a busy handler;
 * queueUs the time between the intended and the actual start (open loop).
 */
export const BreakdownSchema = z.object({
  totalUs: z.number().nonnegative().optional(),
  lockWaitUs: z.number().nonnegative().optional(),
  /** Operations that waited for a lock at all (busy-handler invocations, lock retries). */
  lockWaits: z.number().int().nonnegative().optional(),
  queueUs: z.number().nonnegative().optional(),
  serviceUs: z.number().nonnegative().optional(),
  commitUs: z.number().nonnegative().optional(),
  eventLoopDelayUs: z.number().nonnegative().optional(),
  gcPauseUs: z.number().nonnegative().optional(),
});
export type Breakdown = z.infer<typeof BreakdownSchema>;

/**
 * Host-wide resource samples (from /proc/stat, /proc/loadavg, /proc/pressure), beside the
 * per-process samples: what the whole machine did, swarmperf's processes and everyone else.
 */
export const HostSampleSchema = z.object({
  /** ms since the run started. */
  t: z.number(),
  /** Busy share of all cores over the period (0..100). */
  cpuBusyPct: z.number(),
  /** 1-minute load average and the runnable-task count at the sample. */
  loadAvg1: z.number().optional(),
  runnable: z.number().optional(),
  /** /proc/pressure/cpu "some" avg10 (0..100), where the kernel has PSI. */
  cpuPressureSomePct: z.number().optional(),
  ioPressureSomePct: z.number().optional(),
  memoryPressureSomePct: z.number().optional(),
});
export type HostSample = z.infer<typeof HostSampleSchema>;

export const StressStepSchema = z.object({
  rate: z.number(),
  throughput: z.number(),
  successRate: z.number(),
  p99Us: z.number(),
  /** Whether this step met the SLO. */
  passed: z.boolean().optional(),
  /** The SLO clauses this step broke, e.g. ["p99<50ms"]. */
  violations: z.array(z.string()).optional(),
});

export const StressSchema = z.object({
  steps: z.array(StressStepSchema),
  maxSustainableRate: z.number(),
  /** The rate after which latency or throughput bends (largest change in slope); null if not found. */
  knee: z.number().nullable(),
  slo: z.string().optional(),
  /** Highest throughput reached at any step (the source documents' "optimal throughput"). */
  optimalThroughput: z.number().optional(),
  /** Throughput reached at the max sustainable rate ("sustainable throughput"). */
  sustainableThroughput: z.number().optional(),
  /** Coefficient of variation of per-interval throughput at the sustainable step. */
  throughputVariability: z.number().optional(),
});
export type StressInfo = z.infer<typeof StressSchema>;

export const OperationSchema = z.object({
  name: z.string(),
  /** Completed operations (successes and errors) in the measured window. */
  count: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  /** Operations an open-loop generator could not start on time (never hidden, never in count). */
  dropped: z.number().int().nonnegative(),
  /** Completed operations per second over the measured window. */
  throughput: z.number(),
  /** Latency; for open-loop load measured from the intended start (coordinated omission corrected). */
  latencyUs: LatencyStatsSchema,
  /** Service time from the actual start; present for open-loop load. */
  serviceTimeUs: LatencyStatsSchema.optional(),
  /** Encoded HdrHistogram (compressed base64, µs) of latencyUs. */
  histogram: z.string(),
  serviceHistogram: z.string().optional(),
  /** Error counts by reason, e.g. {"SQLITE_BUSY": 12}. */
  errorReasons: z.record(z.string(), z.number()).optional(),
  /** Retries performed inside operations (e.g. claim conflicts, busy retries). */
  retries: z.number().int().nonnegative().optional(),
  /**
   * Operations faster than 1 µs, the histogram's resolution: recorded (and counted in every
   * percentile) as 1 µs. Renderers show a percentile of 1 µs as "≤1µs" when this is non-zero.
   */
  subMicrosecond: z.number().int().nonnegative().optional(),
  /** Coefficient of variation of the latency samples kept. */
  cv: z.number().optional(),
  /** Bootstrap 95 % confidence intervals (from the reservoir of raw samples). */
  ci95: z.object({ p50: IntervalEstimateSchema, p99: IntervalEstimateSchema }).optional(),
  /** MAD-based outliers among the raw samples kept. */
  outliers: z.object({ low: z.number(), high: z.number(), sampled: z.number() }).optional(),
  stress: StressSchema.optional(),
  /** Where the operation's time went (lock wait, queueing, service, commit), where measured. */
  breakdown: BreakdownSchema.optional(),
});
export type OperationResult = z.infer<typeof OperationSchema>;

export const IntervalSchema = z.object({
  operation: z.string(),
  /** Window start, µs since the measured window began. */
  startUs: z.number(),
  durationUs: z.number(),
  count: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  throughput: z.number(),
  p50Us: z.number(),
  p95Us: z.number(),
  p99Us: z.number(),
});
export type IntervalResult = z.infer<typeof IntervalSchema>;

export const CHECK_STATUSES = ['passed', 'failed', 'not-checked'] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

export const CheckSchema = z.object({
  name: z.string(),
  /** False only when the check found a violation; a check that could not run is not failed. */
  passed: z.boolean(),
  /**
   * Three states: passed, failed, or not checked (e.g. an interrupted run; `passed` is then true).
   * Absent in results written before it existed: read it with checkStatus().
   */
  status: z.enum(CHECK_STATUSES).optional(),
  detail: z.string(),
});
export type CheckResult = z.infer<typeof CheckSchema>;

/** A check's state, also for results written before `status` existed. */
export function checkStatus(check: CheckResult): CheckStatus {
  if (check.status !== undefined) return check.status;
  if (!check.passed) return 'failed';
  // Before `status`, a skipped check passed with a detail saying so.
  return check.detail.startsWith('not checked') ? 'not-checked' : 'passed';
}

export const ResourceSampleSchema = z.object({
  /** ms since the run started. */
  t: z.number(),
  pid: z.number().int(),
  /** "main" or a worker label. */
  label: z.string(),
  cpuUserPct: z.number(),
  cpuSystemPct: z.number(),
  rssBytes: z.number(),
  heapUsedBytes: z.number().optional(),
  heapTotalBytes: z.number().optional(),
  eventLoopDelayUs: z.object({ p50: z.number(), p99: z.number(), max: z.number() }).optional(),
  /** GC pause time in ms during this sample period, by kind. */
  gcPauseMs: z.record(z.string(), z.number()).optional(),
  netRxBytes: z.number().optional(),
  netTxBytes: z.number().optional(),
  diskReadBytes: z.number().optional(),
  diskWriteBytes: z.number().optional(),
});
export type ResourceSample = z.infer<typeof ResourceSampleSchema>;

export const ResourceSummarySchema = z.object({
  cpuPctMean: z.number(),
  cpuPctMax: z.number(),
  rssMaxBytes: z.number(),
  /** Least-squares slope of RSS over time, bytes per second. */
  memoryGrowthBytesPerSec: z.number(),
  eventLoopDelayP99Us: z.number().optional(),
  eventLoopDelayMaxUs: z.number().optional(),
  /** Share of wall time spent in GC pauses (0..1). */
  gcTimeShare: z.number().optional(),
  netRxBytesPerSec: z.number().optional(),
  netTxBytesPerSec: z.number().optional(),
  diskReadBytesPerSec: z.number().optional(),
  diskWriteBytesPerSec: z.number().optional(),
});
export type ResourceSummary = z.infer<typeof ResourceSummarySchema>;

export const ResourcesSchema = z.object({
  sampleIntervalMs: z.number(),
  samples: z.array(ResourceSampleSchema),
  summary: ResourceSummarySchema.optional(),
  /** Host-wide samples (whole machine), where the platform exposes them. */
  host: z.array(HostSampleSchema).optional(),
});
export type Resources = z.infer<typeof ResourcesSchema>;

export const SuiteSchema = z.object({
  name: z.string(),
  backend: z.string(),
  operations: z.array(OperationSchema),
  intervals: z.array(IntervalSchema),
  checks: z.array(CheckSchema),
  resources: ResourcesSchema,
  /** Suite-level figures, named without the suite prefix (e.g. messagesPerOp). */
  metrics: z.record(z.string(), z.number()).optional(),
  /** Per-worker/agent figures (agent_metrics), free-form per suite. */
  workers: z.array(z.record(z.string(), z.unknown())).optional(),
  /** Configuration fingerprint of this suite's measurement (suite name included). */
  fingerprint: FingerprintSchema.optional(),
  /**
   * Labels of the processes (resource-sample labels) that recorded this suite's latencies, e.g.
   * ["agent-0", "agent-1"]. Event-loop and GC findings are only made for these; absent: unknown.
   */
  measuredBy: z.array(z.string()).optional(),
  /** True when the suite ran in virtual (simulated) time: no process findings apply to it. */
  virtualTime: z.boolean().optional(),
  /** Why the suite did not run (the backend lacks the port it drives); absent when it ran. */
  skipped: z.string().optional(),
});
export type SuiteResult = z.infer<typeof SuiteSchema>;

/** A number with its unit, as findings carry them: renderers make the words. */
export const FigureSchema = z.object({
  name: z.string(),
  value: z.number(),
  /** 'us', 'ratio' (0..1), 'pct' (0..100), 'count', 'ops/s', 'bytes', 'bytes/s', 'none'. */
  unit: z.string(),
});
export type Figure = z.infer<typeof FigureSchema>;

export const FindingSchema = z.object({
  kind: z.string(),
  severity: z.enum(['info', 'warning', 'critical']),
  /** Suite and operation or component the finding is about. */
  component: z.string().optional(),
  evidence: z.string(),
  recommendation: z.string(),
  /** The share (0..1) of total operation time, or of the p99, that this cause explains. */
  impact: z.object({ share: z.number(), of: z.enum(['operation-time', 'p99', 'wall-time', 'host-cpu']) }).optional(),
  /** Operations the cause touches (one finding per cause, not one per operation). */
  operations: z.array(z.string()).optional(),
  /** The evidence as typed numbers. */
  figures: z.array(FigureSchema).optional(),
  /** The setting to change (e.g. "sqlite?busyWait=spin", "--agents") and the command that tests it. */
  knob: z.string().optional(),
  command: z.string().optional(),
});
export type Finding = z.infer<typeof FindingSchema>;

export const EnvSchema = z.object({
  node: z.string(),
  os: z.string(),
  arch: z.string(),
  cpuModel: z.string(),
  cores: z.number(),
  memoryBytes: z.number(),
  hostname: z.string(),
  gitSha: z.string().optional(),
  gitBranch: z.string().optional(),
  gitDirty: z.boolean().optional(),
  swarmperfVersion: z.string(),
});
export type EnvFingerprint = z.infer<typeof EnvSchema>;

export const RunResultSchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  id: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  partial: z.boolean(),
  env: EnvSchema,
  /** The command and options that produced this run (seed included). */
  config: z.record(z.string(), z.unknown()),
  tags: z.record(z.string(), z.string()).optional(),
  suites: z.array(SuiteSchema),
  findings: z.array(FindingSchema).optional(),
  /** Configuration fingerprint of the whole run (see FingerprintSchema). */
  fingerprint: FingerprintSchema.optional(),
  /**
   * CPU profiles taken during the run (--profile), kept beside it, not in it: `dir` is relative
   * to the data folder (profiles/<run-id>), one <process>.cpuprofile per measuring process.
   */
  profiles: z
    .object({
      dir: z.string(),
      intervalUs: z.number(),
      processes: z.array(z.string()),
      /**
       * What the profiling cost, measured with the run: the samples taken (all processes) and a
       * calibration in the main process after the run — a fixed JavaScript workload, alternately with
       * and without the profiler at `intervalUs`, as work done per CPU second (process CPU, the
       * profiler's threads included): `workRatio` with / without, min / median / max over the pairs
       * (1 = free, 0.9 = 10 % less work per CPU second).
       */
      overhead: z
        .object({
          samples: z.number(),
          calibrationPairs: z.number(),
          workRatio: z.object({ min: z.number(), median: z.number(), max: z.number() }).optional(),
        })
        .optional(),
    })
    .optional(),
});
export type RunResult = z.infer<typeof RunResultSchema>;

/** Parses unknown input as a RunResult, with an error that names the offending path. */
export function parseRunResult(input: unknown, source = 'input'): RunResult {
  const parsed = RunResultSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : '(root)';
    throw new Error(`${source}: not a swarmperf RunResult: ${where}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
