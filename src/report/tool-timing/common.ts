/**
 * What the tool-timing renderers share: the key column, percentages, the window line, durations
 * through the one unit formatter at the data's resolution, and what an empty window says.
 */
import { formatCount, formatDurationUs } from '../../core/units.js';
import type { ToolTimingReport, ToolTimingRow } from '../../timings/report.js';

export function keyOf(r: ToolTimingReport, row: ToolTimingRow): string {
  return r.by === 'tool' ? row.tool : r.by === 'category' ? row.category : row.session ?? '';
}

export function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

export function windowText(r: ToolTimingReport): string {
  return r.from === null ? `all data until ${r.until}` : `${r.from} → ${r.until}`;
}

/**
 * A figure in ms from the report, shown by core/units' formatDurationUs at the resolution of the
 * data (a log in whole ms shows whole ms) — the same text in every format.
 */
export function duration(r: ToolTimingReport, ms: number): string {
  return formatDurationUs(ms * 1000, r.resolutionUs);
}

/** Why the window is empty, and where the data is when there is some. */
export function emptyWindowText(r: ToolTimingReport): string {
  if (r.stored === null) return 'no tool calls in this window: nothing stored yet (ingest logs with `swarmperf tools ingest FILE`)';
  return `no tool calls in this window; ${formatCount(r.stored.calls)} calls stored, from ${r.stored.first} to ${r.stored.last} (--since all shows them all)`;
}
