/** The tool-timing report as terminal text. */
import { table } from '../../report/terminal.js';
import { formatCount, formatUs } from '../../core/units.js';
import type { ToolTimingReport } from '../report.js';
import { plain } from './escape.js';
import { keyHeader, pct, windowText } from './common.js';

export function renderTerminal(r: ToolTimingReport): string {
  const head = `tool timing · ${windowText(r)} · ${formatCount(r.totals.count)} calls · ${formatCount(r.totals.errors)} errors · ${formatUs(r.totals.totalMs * 1000)} total`;
  if (r.rows.length === 0) return `${head}\nno tool calls in this window (ingest logs with \`swarmperf tools ingest FILE\`)`;
  const lines = [head, ''];
  lines.push(
    table(
      [keyHeader(r.by), ...(r.by === 'tool' ? ['category'] : []), 'count', 'errors', 'err%', 'p50', 'p95', 'p99', 'max', 'total', 'share'],
      r.rows.map((x) => [
        plain(r.by === 'tool' ? x.tool : r.by === 'category' ? x.category : x.session ?? ''),
        ...(r.by === 'tool' ? [plain(x.category)] : []),
        formatCount(x.count),
        formatCount(x.errors),
        pct(x.errorRate),
        formatUs(x.p50Ms * 1000),
        formatUs(x.p95Ms * 1000),
        formatUs(x.p99Ms * 1000),
        formatUs(x.maxMs * 1000),
        formatUs(x.totalMs * 1000),
        pct(x.share),
      ]),
      r.by === 'tool' ? 2 : 1,
    ),
  );
  if (r.slowest.length > 0) {
    lines.push('', 'slowest calls:');
    lines.push(
      table(
        ['tool', 'duration', 'at', 'ok', 'call id', 'session'],
        r.slowest.map((s) => [plain(s.tool), formatUs(s.durationMs * 1000), s.at, s.success ? 'yes' : 'no', plain(s.callId ?? '—'), plain(s.session ?? '—')]),
        1,
      ),
    );
  }
  const cur = r.currentHour.rows.filter((x) => x.count > 0 || x.avgCount24h > 0);
  lines.push('', `current hour (${r.currentHour.hour}) against the previous 24 h:`);
  if (cur.length === 0) lines.push('  no calls in the current hour or the 24 h before it');
  else
    lines.push(
      table(
        [keyHeader(r.by), 'calls', 'avg/h 24h', 'p95', 'p95 24h', 'err%', 'err% 24h'],
        cur.map((x) => [plain(x.key), formatCount(x.count), x.avgCount24h.toFixed(1), x.count ? formatUs(x.p95Ms * 1000) : '—', x.avgCount24h ? formatUs(x.p95Ms24h * 1000) : '—', pct(x.errorRate), pct(x.errorRate24h)]),
        1,
      ),
    );
  lines.push('', r.regressionSplit ? `regressions (first half of the window against the second, split at ${r.regressionSplit}):` : 'regressions: the window spans a single hour; nothing to compare');
  if (r.regressionSplit && r.regressions.length === 0) lines.push('  none');
  for (const g of r.regressions) {
    const what = g.metric === 'p95' ? `p95 ${formatUs(g.before * 1000)} → ${formatUs(g.after * 1000)}` : `error rate ${pct(g.before)} → ${pct(g.after)}`;
    lines.push(`  ✗ ${plain(g.key)}: ${what}${g.ratio !== null ? ` (×${g.ratio.toFixed(2)})` : ''} · ${g.countBefore} → ${g.countAfter} calls`);
  }
  return lines.join('\n');
}
