/**
 * github-action-benchmark input for its `customSmallerIsBetter` tool: a JSON array of
 * `{name, unit, value}` (plus `range` and `extra` it shows in its charts). Only metrics where
 * smaller is better belong in it (latency, errors, dropped); throughput would be judged backwards,
 * so it is left out (render it with the `bmf` or `csv` format instead).
 */
import { extractMetrics, type MetricUnit } from '../results/metrics.js';
import type { RunResult } from '../core/result.js';

export interface GabEntry {
  name: string;
  unit: string;
  value: number;
  range?: string;
  extra?: string;
}

const UNIT_LABEL: Record<MetricUnit, string> = { us: 'us', 'ops/s': 'ops/s', count: 'count', ratio: 'ratio', pct: '%', bytes: 'bytes', 'bytes/s': 'bytes/s', none: '' };

export function gabEntries(run: RunResult): GabEntry[] {
  const ci = new Map<string, { low: number; high: number }>();
  for (const s of run.suites) {
    for (const op of s.operations) {
      if (op.ci95) {
        ci.set(`${s.name}.${op.name}.p50`, op.ci95.p50);
        ci.set(`${s.name}.${op.name}.p99`, op.ci95.p99);
      }
    }
  }
  return extractMetrics(run)
    .filter((m) => m.direction === 'smaller')
    .map((m) => {
      const e: GabEntry = { name: m.name, unit: UNIT_LABEL[m.unit], value: m.value };
      const c = ci.get(m.name);
      // github-action-benchmark shows `range` verbatim beside the value: the bootstrap 95 % CI half-width.
      if (c) e.range = `± ${Number(((c.high - c.low) / 2).toPrecision(4))}`;
      e.extra = `run ${run.id}${run.env.gitSha ? ` @ ${run.env.gitSha.slice(0, 12)}` : ''}`;
      return e;
    });
}

export function renderGab(run: RunResult): string {
  return JSON.stringify(gabEntries(run), null, 2) + '\n';
}
