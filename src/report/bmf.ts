/**
 * Bencher Metric Format (BMF) JSON: `{ "<benchmark>": { "<measure>": { value, lower_value?,
 * upper_value? } } }`, for `bencher run --adapter json`. One benchmark per operation, named
 * `suite.operation` like every other metric. Bencher's built-in measures are `latency` (in
 * nanoseconds) and `throughput` (operations per second); the latency tail and error figures go
 * into measures of their own, created by Bencher on first use.
 */
import type { RunResult } from '../core/result.js';

export interface BmfMetric {
  value: number;
  lower_value?: number;
  upper_value?: number;
}

export type Bmf = Record<string, Record<string, BmfMetric>>;

const NS_PER_US = 1000;

function latency(value: number, ci?: { low: number; high: number }): BmfMetric {
  const m: BmfMetric = { value: value * NS_PER_US };
  // The bootstrap 95 % interval of the estimate, when the run kept raw samples to compute it.
  if (ci) {
    m.lower_value = ci.low * NS_PER_US;
    m.upper_value = ci.high * NS_PER_US;
  }
  return m;
}

export function bmfReport(run: RunResult): Bmf {
  const out: Bmf = {};
  for (const suite of run.suites) {
    for (const op of suite.operations) {
      const measures: Record<string, BmfMetric> = {};
      if (op.count > 0) {
        measures.latency = latency(op.latencyUs.p50, op.ci95?.p50);
        measures['latency-p99'] = latency(op.latencyUs.p99, op.ci95?.p99);
        measures['latency-max'] = latency(op.latencyUs.max);
      }
      measures.throughput = { value: op.throughput };
      measures['error-rate'] = { value: op.count > 0 ? op.errors / op.count : 0 };
      if (op.dropped > 0) measures.dropped = { value: op.dropped };
      out[`${suite.name}.${op.name}`] = measures;
    }
  }
  return out;
}

export function renderBmf(run: RunResult): string {
  return JSON.stringify(bmfReport(run), null, 2) + '\n';
}
