/**
 * `run --backend a,b,c`: one table per suite with a row per backend, so a user can choose a
 * backend from figures measured on their machine in one run (same seed, same load). Ops/s is every
 * operation of the suite; the latency columns are the suite's busiest operation; fairness is the
 * least busy agent's operations ÷ the busiest's (1.00 = equal shares).
 */
import type { SuiteResult } from '../core/result.js';
import { formatRate, formatUs } from '../core/units.js';
import { table } from './terminal.js';

export function formatBackendComparison(suites: readonly SuiteResult[]): string {
  const names = [...new Set(suites.map((s) => s.name))];
  return names
    .map((name) => {
      const rows = suites.filter((s) => s.name === name);
      const base = opsPerSecond(rows[0] as SuiteResult);
      const body = rows.map((s) => comparisonRow(s, base));
      return `■ ${name}: backends side by side\n${table(['backend', 'ops/s', '× first', 'busiest op', 'p50', 'p99', 'errors', 'fairness', 'checks'], body)}`;
    })
    .join('\n\n');
}

function comparisonRow(s: SuiteResult, base: number): string[] {
  const ops = opsPerSecond(s);
  const busiest = [...s.operations].sort((a, b) => b.count - a.count)[0];
  const agentOps = (s.workers ?? []).filter((w) => typeof w.pid === 'number').map((w) => Number(w.operations ?? 0));
  const fairness = agentOps.length > 0 && Math.max(...agentOps) > 0 ? (Math.min(...agentOps) / Math.max(...agentOps)).toFixed(2) : '–';
  const passed = s.checks.filter((c) => c.passed).length;
  return [
    s.backend,
    formatRate(ops),
    base > 0 ? `${(ops / base).toPrecision(2)}×` : '–',
    busiest?.name ?? '–',
    busiest ? formatUs(busiest.latencyUs.p50) : '–',
    busiest ? formatUs(busiest.latencyUs.p99) : '–',
    String(s.operations.reduce((n, op) => n + op.errors, 0)),
    fairness,
    `${passed}/${s.checks.length}${passed === s.checks.length ? '' : ' FAILED'}`,
  ];
}

function opsPerSecond(s: SuiteResult): number {
  return s.operations.reduce((sum, op) => sum + op.throughput, 0);
}
