/**
 * A parameter sweep (`bench --protocol raft --nodes 3,5,7`, `--election-timeout` lists) measures one
 * suite per member, named `base[key=value,…]` (core/sweep.ts). After the members, a reader wants
 * them side by side: one row per member with its throughput, latency and cost per operation.
 */
import type { SuiteResult } from '../core/result.js';
import { formatRate, formatUs } from '../core/units.js';

export interface SweepRow {
  /** The member's parameters as named in its suite, e.g. "nodes=5". */
  member: string;
  suite: string;
  /** Committed operations per second where the suite reports them, else its busiest operation's throughput. */
  opsPerSec: number;
  /** The busiest operation (most completed), whose latency the row shows. */
  operation: string;
  p50Us: number;
  p99Us: number;
  messagesPerOp?: number;
  bytesPerOp?: number;
  errors: number;
  checksPassed: boolean;
}

export interface Sweep {
  /** The swept suite, e.g. "consensus.raft". */
  base: string;
  rows: SweepRow[];
}

const MEMBER = /^(.+)\[([^\]]+)\]$/;

/** Every sweep in a run: suites sharing a base name with two or more members, in run order. */
export function sweepsOf(suites: readonly SuiteResult[]): Sweep[] {
  const groups = new Map<string, SweepRow[]>();
  for (const s of suites) {
    const m = MEMBER.exec(s.name);
    if (!m || s.skipped !== undefined) continue;
    const base = m[1] as string;
    const rows = groups.get(base) ?? [];
    rows.push(sweepRow(s, m[2] as string));
    groups.set(base, rows);
  }
  return [...groups.entries()].filter(([, rows]) => rows.length >= 2).map(([base, rows]) => ({ base, rows }));
}

function sweepRow(s: SuiteResult, member: string): SweepRow {
  const busiest = s.operations.reduce<SuiteResult['operations'][number] | undefined>((a, o) => (a === undefined || o.count > a.count ? o : a), undefined);
  const m = s.metrics ?? {};
  const row: SweepRow = {
    member,
    suite: s.name,
    opsPerSec: m.committedOpsPerSec ?? busiest?.throughput ?? 0,
    operation: busiest?.name ?? '',
    p50Us: busiest?.latencyUs.p50 ?? 0,
    p99Us: busiest?.latencyUs.p99 ?? 0,
    errors: s.operations.reduce((a, o) => a + o.errors, 0),
    checksPassed: s.checks.every((c) => c.passed),
  };
  if (m.messagesPerOp !== undefined) row.messagesPerOp = m.messagesPerOp;
  if (m.bytesPerOp !== undefined) row.bytesPerOp = m.bytesPerOp;
  return row;
}

const perOp = (v: number | undefined): string => (v === undefined ? '–' : v >= 100 ? String(Math.round(v)) : v.toFixed(1));

/** The sweep as table headers and cells (the terminal and the markdown renderers lay them out). */
export function sweepCells(sweep: Sweep): { headers: string[]; rows: string[][] } {
  const headers = ['member', 'operation', 'ops/s', 'p50', 'p99', 'msgs/op', 'bytes/op', 'errors', 'checks'];
  const rows = sweep.rows.map((r) => [r.member, r.operation, formatRate(r.opsPerSec), formatUs(r.p50Us), formatUs(r.p99Us), perOp(r.messagesPerOp), perOp(r.bytesPerOp), String(r.errors), r.checksPassed ? 'pass' : 'FAIL']);
  return { headers, rows };
}
