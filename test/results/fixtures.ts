/**
 * Synthetic RunResults with real encoded HdrHistograms built from seeded samples, so history,
 * compare and trends are tested on the same structures a measured run produces.
 */
import { LatencyHistogram } from '../../src/measure/histogram.js';
import { Rng } from '../../src/measure/rng.js';
import { SCHEMA_VERSION, type IntervalResult, type OperationResult, type RunResult, type SuiteResult } from '../../src/core/result.js';

export interface SyntheticOp {
  name: string;
  /** Median latency in µs of a log-normal distribution. */
  medianUs: number;
  /** Log-space sigma (0.3 ≈ moderately noisy). */
  sigma?: number;
  samples?: number;
  /** Throughput per interval, mean and relative noise. */
  throughput?: number;
  throughputNoise?: number;
  intervals?: number;
  errors?: number;
}

export interface SyntheticRun {
  id?: string;
  startedAt?: string;
  seed: number;
  suite?: string;
  ops: SyntheticOp[];
  metrics?: Record<string, number>;
  tags?: Record<string, string>;
}

let counter = 0;

export function syntheticOperation(op: SyntheticOp, rng: Rng): { op: OperationResult; intervals: IntervalResult[] } {
  const h = LatencyHistogram.create();
  const n = op.samples ?? 5000;
  const sigma = op.sigma ?? 0.3;
  for (let i = 0; i < n; i++) h.record(op.medianUs * Math.exp(rng.normal(0, sigma)));
  const s = h.summary();
  const encoded = h.encode();
  h.destroy();
  const k = op.intervals ?? 6;
  const tp = op.throughput ?? 1000;
  const noise = op.throughputNoise ?? 0.03;
  const intervals: IntervalResult[] = [];
  for (let i = 0; i < k; i++) {
    const t = tp * (1 + rng.normal(0, noise));
    intervals.push({ operation: op.name, startUs: i * 1_000_000, durationUs: 1_000_000, count: Math.round(t), errors: 0, throughput: t, p50Us: s.p50, p95Us: s.p95, p99Us: s.p99 });
  }
  const throughput = intervals.reduce((a, b) => a + b.throughput, 0) / k;
  return {
    op: {
      name: op.name,
      count: n,
      errors: op.errors ?? 0,
      dropped: 0,
      throughput,
      latencyUs: { min: s.min, mean: s.mean, stddev: s.stddev, p50: s.p50, p75: s.p75, p90: s.p90, p95: s.p95, p99: s.p99, p999: s.p999, p9999: s.p9999, max: s.max },
      histogram: encoded,
    },
    intervals,
  };
}

export function syntheticRun(spec: SyntheticRun): RunResult {
  const rng = new Rng(spec.seed);
  const suiteName = spec.suite ?? 'tasks';
  const ops: OperationResult[] = [];
  const intervals: IntervalResult[] = [];
  for (const o of spec.ops) {
    const r = syntheticOperation(o, rng);
    ops.push(r.op);
    intervals.push(...r.intervals);
  }
  const suite: SuiteResult = {
    name: suiteName,
    backend: 'memory',
    operations: ops,
    intervals,
    checks: [{ name: 'ok', passed: true, detail: 'synthetic' }],
    resources: { sampleIntervalMs: 1000, samples: [] },
  };
  if (spec.metrics) suite.metrics = spec.metrics;
  const startedAt = spec.startedAt ?? new Date(Date.UTC(2026, 0, 1) + counter++ * 60_000).toISOString();
  const run: RunResult = {
    schemaVersion: SCHEMA_VERSION,
    id: spec.id ?? `${startedAt.replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}-${(spec.seed >>> 0).toString(16).padStart(6, '0').slice(-6)}`,
    startedAt,
    finishedAt: startedAt,
    partial: false,
    env: { node: 'v20', os: 'Linux', arch: 'x64', cpuModel: 'test', cores: 2, memoryBytes: 1, hostname: 'h', swarmperfVersion: '0.1.0', gitSha: 'abc123', gitBranch: 'main' },
    config: { command: 'run', seed: spec.seed },
    suites: [suite],
  };
  if (spec.tags) run.tags = spec.tags;
  return run;
}
