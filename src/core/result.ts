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
  /** Coefficient of variation of the latency samples kept. */
  cv: z.number().optional(),
  /** Bootstrap 95 % confidence intervals (from the reservoir of raw samples). */
  ci95: z.object({ p50: IntervalEstimateSchema, p99: IntervalEstimateSchema }).optional(),
  /** MAD-based outliers among the raw samples kept. */
  outliers: z.object({ low: z.number(), high: z.number(), sampled: z.number() }).optional(),
  stress: StressSchema.optional(),
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

export const CheckSchema = z.object({
  name: z.string(),
  passed: z.boolean(),
  detail: z.string(),
});
export type CheckResult = z.infer<typeof CheckSchema>;

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
  /** Why the suite did not run (the backend lacks the port it drives); absent when it ran. */
  skipped: z.string().optional(),
});
export type SuiteResult = z.infer<typeof SuiteSchema>;

export const FindingSchema = z.object({
  kind: z.string(),
  severity: z.enum(['info', 'warning', 'critical']),
  /** Suite and operation or component the finding is about. */
  component: z.string().optional(),
  evidence: z.string(),
  recommendation: z.string(),
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
