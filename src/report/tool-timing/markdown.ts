/** The tool-timing report as GitHub-flavoured markdown (names from logs through escapeMarkdown). */
import type { ToolTimingReport } from '../../timings/report.js';
import { escapeMarkdown as md } from '../escape.js';
import { duration, emptyWindowText, keyOf, pct, windowText } from './common.js';

export function renderMarkdown(r: ToolTimingReport): string {
  const d = (ms: number): string => duration(r, ms);
  const out: string[] = [];
  out.push(`## Tool timing`, '', `${windowText(r)} · ${r.totals.count} calls · ${r.totals.errors} errors · ${d(r.totals.totalMs)} total`, '');
  if (r.rows.length === 0) return [...out, `_${md(emptyWindowText(r))}_`, ''].join('\n');
  const withCategory = r.by === 'tool';
  out.push(
    `| ${r.by} |${withCategory ? ' category |' : ''} count | errors | error rate | p50 | p95 | p99 | max | total | share |`,
    `|---|${withCategory ? '---|' : ''}--:|--:|--:|--:|--:|--:|--:|--:|--:|`,
  );
  for (const x of r.rows) {
    out.push(`| ${md(keyOf(r, x))} |${withCategory ? ` ${md(x.category)} |` : ''} ${x.count} | ${x.errors} | ${pct(x.errorRate)} | ${d(x.p50Ms)} | ${d(x.p95Ms)} | ${d(x.p99Ms)} | ${d(x.maxMs)} | ${d(x.totalMs)} | ${pct(x.share)} |`);
  }
  if (r.slowest.length > 0) {
    out.push('', '### Slowest calls', '', '| tool | duration | at | ok | call id |', '|---|--:|---|---|---|');
    for (const s of r.slowest) out.push(`| ${md(s.tool)} | ${d(s.durationMs)} | ${s.at} | ${s.success ? 'yes' : 'no'} | ${md(s.callId ?? '—')} |`);
  }
  const cur = r.currentHour.rows.filter((x) => x.count > 0 || x.avgCount24h > 0);
  out.push('', `### Current hour (${r.currentHour.hour}) against the previous 24 h`, '');
  if (cur.length === 0) out.push('_No calls in the current hour or the 24 h before it._');
  else {
    out.push(`| ${r.by} | calls | avg/h (24 h) | p95 | p95 (24 h) | error rate | error rate (24 h) |`, '|---|--:|--:|--:|--:|--:|--:|');
    for (const x of cur) out.push(`| ${md(x.key)} | ${x.count} | ${x.avgCount24h.toFixed(1)} | ${d(x.p95Ms)} | ${d(x.p95Ms24h)} | ${pct(x.errorRate)} | ${pct(x.errorRate24h)} |`);
  }
  out.push('', '### Regressions', '');
  if (!r.regressionSplit) out.push('_The window spans a single hour: nothing to compare._');
  else if (r.regressions.length === 0) out.push(`None (first half of the window against the second, split at ${r.regressionSplit}).`);
  else
    for (const g of r.regressions)
      out.push(`- **${md(g.key)}**: ${g.metric === 'p95' ? `p95 ${d(g.before)} → ${d(g.after)}` : `error rate ${pct(g.before)} → ${pct(g.after)}`}${g.ratio !== null ? ` (×${g.ratio.toFixed(2)})` : ''}, ${g.countBefore} → ${g.countAfter} calls`);
  out.push('');
  return out.join('\n');
}
