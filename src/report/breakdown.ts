/**
 * Where each operation's time went, for the terminal and the HTML report: the parts the backend or
 * the load generator measured (lock wait, queueing before the start, service, commit, event-loop
 * delay and GC of the measuring process), each as time summed over the operations and as a share of
 * the operation's total. Parts nobody measured are not shown (absent is not zero); queueing and
 * service come from the open-loop service times where the breakdown does not carry them.
 */
import type { OperationResult, SuiteResult } from '../core/result.js';
import { formatUs } from '../core/units.js';
import { escapeHtml as h } from './escape.js';
import { table, td } from './html-table.js';

export type BreakdownPartName = 'lockWait' | 'queue' | 'service' | 'commit' | 'eventLoop' | 'gc';

export interface BreakdownPart {
  part: BreakdownPartName;
  us: number;
  /** Share of the operation's total time (0..1). */
  share: number;
}

export interface OperationBreakdown {
  operation: string;
  totalUs: number;
  parts: BreakdownPart[];
  /** Operations that waited for a lock at all, where the backend counts them. */
  lockWaits?: number;
}

const LABEL: Record<BreakdownPartName, string> = {
  lockWait: 'lock wait',
  queue: 'queueing',
  service: 'service',
  commit: 'commit',
  eventLoop: 'event loop',
  gc: 'GC',
};
const ORDER: BreakdownPartName[] = ['lockWait', 'queue', 'service', 'commit', 'eventLoop', 'gc'];

/** The measured parts of one operation's time (an empty list when nothing was measured). */
export function operationBreakdown(op: OperationResult): OperationBreakdown {
  const b = op.breakdown ?? {};
  const totalUs = b.totalUs ?? op.count * op.latencyUs.mean;
  const s = op.serviceTimeUs;
  // Open loop: latency counts from the intended start, service from the actual start.
  const serviceUs = b.serviceUs ?? (s ? op.count * s.mean : undefined);
  const queueUs = b.queueUs ?? (s ? op.count * Math.max(0, op.latencyUs.mean - s.mean) : undefined);
  const raw: Record<BreakdownPartName, number | undefined> = { lockWait: b.lockWaitUs, queue: queueUs, service: serviceUs, commit: b.commitUs, eventLoop: b.eventLoopDelayUs, gc: b.gcPauseUs };
  const parts = ORDER.filter((p) => raw[p] !== undefined).map((p) => ({ part: p, us: raw[p] as number, share: totalUs > 0 ? Math.min(1, (raw[p] as number) / totalUs) : 0 }));
  const out: OperationBreakdown = { operation: op.name, totalUs, parts };
  if (b.lockWaits !== undefined) out.lockWaits = b.lockWaits;
  return out;
}

/** The operations of a suite with a measured part above zero (the rest have nothing to show). */
export function suiteBreakdowns(suite: SuiteResult): OperationBreakdown[] {
  return suite.operations.map(operationBreakdown).filter((b) => b.parts.some((p) => p.us > 0));
}

const share = (v: number): string => `${(v * 100).toFixed(v < 0.1 ? 1 : 0)} %`;

function partText(b: OperationBreakdown, p: BreakdownPart): string {
  const waits = p.part === 'lockWait' && b.lockWaits !== undefined ? `, ${b.lockWaits} waits` : '';
  return `${LABEL[p.part]} ${formatUs(p.us)} (${share(p.share)}${waits})`;
}

/** Terminal lines, one per operation with something measured: "claim: lock wait 386ms (40 %, 18 waits) of 954ms". */
export function breakdownLines(suite: SuiteResult, escapeName: (name: string) => string): string[] {
  const rows = suiteBreakdowns(suite);
  if (rows.length === 0) return [];
  return ['  where the time went (summed over operations):', ...rows.map((b) => `    ${escapeName(b.operation)}: ${b.parts.map((p) => partText(b, p)).join(' · ')} of ${formatUs(b.totalUs)}`)];
}

/** A compact HTML table: one row per operation, one column per part measured anywhere in the suite. */
export function breakdownHtml(suite: SuiteResult): string {
  const rows = suiteBreakdowns(suite);
  if (rows.length === 0) return '';
  const cols = ORDER.filter((p) => rows.some((b) => b.parts.some((x) => x.part === p)));
  const withWaits = rows.some((b) => b.lockWaits !== undefined);
  const headers = ['operation', 'total time', ...cols.map((c) => LABEL[c]), ...(withWaits ? ['lock waits'] : [])];
  const cells = rows.map((b) => {
    const byPart = new Map(b.parts.map((p) => [p.part, p]));
    return [
      td(h(b.operation), 'name'),
      td(h(formatUs(b.totalUs))),
      ...cols.map((c) => {
        const p = byPart.get(c);
        return td(p ? `${h(formatUs(p.us))} <span class="muted">${h(share(p.share))}</span>` : '—');
      }),
      ...(withWaits ? [td(b.lockWaits !== undefined ? String(b.lockWaits) : '—')] : []),
    ];
  });
  return `<p class="muted">Where the time went, summed over the operations (share of each operation's total; only what was measured):</p>\n${table(headers, cells)}`;
}
