/** The terminal summary of a run: per suite a table of operations, then checks and findings. */
import { checkStatus, type CheckStatus, type OperationResult, type RunResult, type SuiteResult } from '../core/result.js';
import { escapeTerminal } from './escape.js';
import { profilingSummary } from '../profile/overhead.js';
import { formatCount, formatRate, formatUs } from '../core/units.js';
import { breakdownLines } from './breakdown.js';
import { sweepCells, sweepsOf } from './sweep.js';

/** The per-operation summary columns, the same in the terminal and the markdown report. */
export const OPERATION_COLUMNS = ['operation', 'count', 'errors', 'dropped', 'ops/s', 'p50', 'p90', 'p99', 'p99.9', 'max'] as const;

/**
 * A percentile of an operation: 1 µs is the histogram's floor, so where operations were faster than
 * that it is shown as an upper bound ("≤1µs"), never as a measured 1 µs.
 */
export function formatPercentile(op: OperationResult, us: number): string {
  return (op.subMicrosecond ?? 0) > 0 && us <= 1 ? '≤1µs' : formatUs(us);
}

export function operationRow(op: OperationResult, escapeName: (name: string) => string): string[] {
  return [
    escapeName(op.name),
    formatCount(op.count),
    formatCount(op.errors),
    formatCount(op.dropped),
    formatRate(op.throughput),
    formatPercentile(op, op.latencyUs.p50),
    formatPercentile(op, op.latencyUs.p90),
    formatPercentile(op, op.latencyUs.p99),
    formatPercentile(op, op.latencyUs.p999),
    formatPercentile(op, op.latencyUs.max),
  ];
}

/**
 * A plain-text table for the terminal. Every cell is escaped here, once for every command that
 * prints one: names from imported runs, logs and tags may hold control characters.
 */
export function table(headers: string[], rawRows: string[][], alignLeft = 1): string {
  const rows = rawRows.map((r) => r.map(escapeTerminal));
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: string[]): string =>
    cells.map((c, i) => (i < alignLeft ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ').trimEnd();
  return [fmt(headers), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(fmt)].join('\n');
}

export function formatSuite(suite: SuiteResult): string {
  const rows = suite.operations.map((op) => operationRow(op, (name) => name));
  const lines = [`■ ${escapeTerminal(suite.name)} (${escapeTerminal(suite.backend)})`, table([...OPERATION_COLUMNS], rows)];
  lines.push(...breakdownLines(suite, escapeTerminal));
  const withService = suite.operations.filter((op) => op.serviceTimeUs);
  if (withService.length > 0) {
    lines.push('  service time (from actual start):');
    for (const op of withService) {
      const s = op.serviceTimeUs!;
      lines.push(`    ${escapeTerminal(op.name)}: p50 ${formatUs(s.p50)} · p99 ${formatUs(s.p99)} · max ${formatUs(s.max)}`);
    }
  }
  for (const op of suite.operations) {
    if (op.errorReasons) {
      const reasons = Object.entries(op.errorReasons).map(([r, n]) => `${escapeTerminal(r)} ×${n}`).join(', ');
      lines.push(`  ${escapeTerminal(op.name)} errors: ${reasons}`);
    }
    if (op.retries) lines.push(`  ${escapeTerminal(op.name)} retries: ${op.retries}`);
    if (op.stress) {
      const s = op.stress;
      lines.push(`  ${escapeTerminal(op.name)} stress: max sustainable rate ${formatRate(s.maxSustainableRate)}${s.knee !== null ? `, knee at ${formatRate(s.knee)}` : ''}`);
    }
  }
  if (suite.metrics && Object.keys(suite.metrics).length > 0) {
    lines.push('  ' + Object.entries(suite.metrics).map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(3)}`).join(' · '));
  }
  for (const c of suite.checks) lines.push(`  ${CHECK_MARK[checkStatus(c)]} ${escapeTerminal(c.name)}: ${escapeTerminal(c.detail)}`);
  return lines.join('\n');
}

/** One mark per check state: a check that could not run is neither ✓ nor ✗. */
export const CHECK_MARK: Record<CheckStatus, string> = { passed: '✓', failed: '✗', 'not-checked': '–' };

export function formatRunSummary(result: RunResult): string {
  const parts = result.suites.map(formatSuite);
  // A sweep's members side by side, after the members themselves.
  for (const sweep of sweepsOf(result.suites)) {
    const { headers, rows } = sweepCells(sweep);
    parts.push(`■ sweep ${escapeTerminal(sweep.base)}: ${sweep.rows.length} members (latency of each member's busiest operation)\n${table(headers, rows, 2)}`);
  }
  if (result.findings && result.findings.length > 0) {
    // One line each here; `swarmperf bottlenecks` prints the recommendations.
    const lines = result.findings.map((f) => `  ${f.severity === 'critical' ? '✗' : f.severity === 'warning' ? '!' : '·'} ${f.kind}${f.component ? ` · ${escapeTerminal(f.component)}` : ''}: ${escapeTerminal(f.evidence)}`);
    parts.push(`Findings (${result.findings.length}; \`swarmperf bottlenecks ${result.id}\` for what to do):\n${lines.join('\n')}`);
  }
  const head = `run ${result.id}${result.partial ? ' (partial: interrupted)' : ''}${result.profiles ? `\n${profilingSummary(result.profiles)}` : ''}`;
  return [head, ...parts].join('\n\n');
}
