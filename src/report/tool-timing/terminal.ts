/** The tool-timing report as terminal text (every name from a log escaped by table()/escapeTerminal). */
import { formatCount } from '../../core/units.js';
import type { ToolTimingReport } from '../../timings/report.js';
import { escapeTerminal } from '../escape.js';
import { table } from '../terminal.js';
import { duration, emptyWindowText, keyOf, pct, windowText } from './common.js';

export function renderTerminal(r: ToolTimingReport): string {
  const d = (ms: number): string => duration(r, ms);
  const head = `tool timing · ${windowText(r)} · ${formatCount(r.totals.count)} calls · ${formatCount(r.totals.errors)} errors · ${d(r.totals.totalMs)} total`;
  if (r.rows.length === 0) return `${head}\n${emptyWindowText(r)}`;
  const lines = [head, ''];
  lines.push(
    table(
      [r.by, ...(r.by === 'tool' ? ['category'] : []), 'count', 'errors', 'err%', 'p50', 'p95', 'p99', 'max', 'total', 'share'],
      r.rows.map((x) => [keyOf(r, x), ...(r.by === 'tool' ? [x.category] : []), formatCount(x.count), formatCount(x.errors), pct(x.errorRate), d(x.p50Ms), d(x.p95Ms), d(x.p99Ms), d(x.maxMs), d(x.totalMs), pct(x.share)]),
      r.by === 'tool' ? 2 : 1,
    ),
  );
  if (r.slowest.length > 0) {
    lines.push('', 'slowest calls:');
    lines.push(table(['tool', 'duration', 'at', 'ok', 'call id', 'session'], r.slowest.map((s) => [s.tool, d(s.durationMs), s.at, s.success ? 'yes' : 'no', s.callId ?? '—', s.session ?? '—']), 1));
  }
  const cur = r.currentHour.rows.filter((x) => x.count > 0 || x.avgCount24h > 0);
  lines.push('', `current hour (${r.currentHour.hour}) against the previous 24 h:`);
  if (cur.length === 0) lines.push('  no calls in the current hour or the 24 h before it');
  else
    lines.push(
      table(
        [r.by, 'calls', 'avg/h 24h', 'p95', 'p95 24h', 'err%', 'err% 24h'],
        cur.map((x) => [x.key, formatCount(x.count), x.avgCount24h.toFixed(1), x.count ? d(x.p95Ms) : '—', x.avgCount24h ? d(x.p95Ms24h) : '—', pct(x.errorRate), pct(x.errorRate24h)]),
        1,
      ),
    );
  lines.push('', r.regressionSplit ? `regressions (first half of the window against the second, split at ${r.regressionSplit}):` : 'regressions: the window spans a single hour; nothing to compare');
  if (r.regressionSplit && r.regressions.length === 0) lines.push('  none');
  for (const g of r.regressions) {
    const what = g.metric === 'p95' ? `p95 ${d(g.before)} → ${d(g.after)}` : `error rate ${pct(g.before)} → ${pct(g.after)}`;
    lines.push(`  ✗ ${escapeTerminal(g.key)}: ${what}${g.ratio !== null ? ` (×${g.ratio.toFixed(2)})` : ''} · ${g.countBefore} → ${g.countAfter} calls`);
  }
  return lines.join('\n');
}
