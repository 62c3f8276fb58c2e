/** The tool-timing report as GitHub-flavoured markdown (names from logs escaped). */
import type { ToolTimingReport } from '../report.js';
import { msText, pct, windowText } from './common.js';
import { markdown as md } from './escape.js';

export function renderMarkdown(r: ToolTimingReport): string {
  const out: string[] = [];
  out.push(`## Tool timing`, '', `${windowText(r)} · ${r.totals.count} calls · ${r.totals.errors} errors · ${msText(r.totals.totalMs)} total`, '');
  if (r.rows.length === 0) return [...out, '_No tool calls in this window._', ''].join('\n');
  const withCategory = r.by === 'tool';
  out.push(
    `| ${r.by} |${withCategory ? ' category |' : ''} count | errors | error rate | p50 | p95 | p99 | max | total | share |`,
    `|---|${withCategory ? '---|' : ''}--:|--:|--:|--:|--:|--:|--:|--:|--:|`,
  );
  for (const x of r.rows) {
    const key = r.by === 'tool' ? x.tool : r.by === 'category' ? x.category : x.session ?? '';
    out.push(`| ${md(key)} |${withCategory ? ` ${md(x.category)} |` : ''} ${x.count} | ${x.errors} | ${pct(x.errorRate)} | ${msText(x.p50Ms)} | ${msText(x.p95Ms)} | ${msText(x.p99Ms)} | ${msText(x.maxMs)} | ${msText(x.totalMs)} | ${pct(x.share)} |`);
  }
  if (r.slowest.length > 0) {
    out.push('', '### Slowest calls', '', '| tool | duration | at | ok | call id |', '|---|--:|---|---|---|');
    for (const s of r.slowest) out.push(`| ${md(s.tool)} | ${msText(s.durationMs)} | ${s.at} | ${s.success ? 'yes' : 'no'} | ${md(s.callId ?? '—')} |`);
  }
  const cur = r.currentHour.rows.filter((x) => x.count > 0 || x.avgCount24h > 0);
  out.push('', `### Current hour (${r.currentHour.hour}) against the previous 24 h`, '');
  if (cur.length === 0) out.push('_No calls in the current hour or the 24 h before it._');
  else {
    out.push(`| ${r.by} | calls | avg/h (24 h) | p95 | p95 (24 h) | error rate | error rate (24 h) |`, '|---|--:|--:|--:|--:|--:|--:|');
    for (const x of cur) out.push(`| ${md(x.key)} | ${x.count} | ${x.avgCount24h.toFixed(1)} | ${msText(x.p95Ms)} | ${msText(x.p95Ms24h)} | ${pct(x.errorRate)} | ${pct(x.errorRate24h)} |`);
  }
  out.push('', '### Regressions', '');
  if (!r.regressionSplit) out.push('_The window spans a single hour: nothing to compare._');
  else if (r.regressions.length === 0) out.push(`None (first half of the window against the second, split at ${r.regressionSplit}).`);
  else
    for (const g of r.regressions)
      out.push(`- **${md(g.key)}**: ${g.metric === 'p95' ? `p95 ${msText(g.before)} → ${msText(g.after)}` : `error rate ${pct(g.before)} → ${pct(g.after)}`}${g.ratio !== null ? ` (×${g.ratio.toFixed(2)})` : ''}, ${g.countBefore} → ${g.countAfter} calls`);
  out.push('');
  return out.join('\n');
}
