/**
 * The tool-timing report as one self-contained HTML page: inline CSS and an inline SVG chart of
 * tool time per hour, no scripts, nothing fetched. Every name from a log goes through escapeHtml;
 * durations through the same formatter as the terminal (core/units' formatDurationUs).
 */
import type { ToolTimingReport } from '../../timings/report.js';
import { escapeHtml as h } from '../escape.js';
import { duration, emptyWindowText, keyOf, pct, windowText } from './common.js';

const CSS = `body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}
th,td{padding:3px 8px;border-bottom:1px solid #ddd;text-align:right}th:first-child,td:first-child,td.l{text-align:left}
.bar{display:inline-block;height:10px;background:#4a7fd6;vertical-align:middle;margin-right:4px}.bad{color:#b00020}
svg{background:#fafafa;border:1px solid #eee}`;

function hourChart(r: ToolTimingReport): string {
  const msText = (ms: number): string => duration(r, ms);
  const pts = r.hourly;
  if (pts.length === 0) return '';
  const W = 800;
  const H = 160;
  const max = Math.max(...pts.map((p) => p.totalMs), 1);
  const t0 = Date.parse(pts[0]!.hour);
  const t1 = Date.parse(pts[pts.length - 1]!.hour);
  const span = Math.max(t1 - t0, 3_600_000);
  const bw = Math.max(1, Math.min(20, (W / (span / 3_600_000 + 1)) * 0.8));
  const bars = pts
    .map((p) => {
      const x = ((Date.parse(p.hour) - t0) / span) * (W - bw);
      const bh = (p.totalMs / max) * (H - 20);
      return `<rect x="${x.toFixed(1)}" y="${(H - bh).toFixed(1)}" width="${bw.toFixed(1)}" height="${bh.toFixed(1)}" fill="#4a7fd6"><title>${h(p.hour)}: ${p.count} calls, ${h(msText(p.totalMs))}</title></rect>`;
    })
    .join('');
  return `<h2>Tool time per hour</h2><svg width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="tool time per hour">${bars}<text x="4" y="14" font-size="11">max ${h(msText(max))}/h</text></svg>`;
}

export function renderHtml(r: ToolTimingReport): string {
  const msText = (ms: number): string => duration(r, ms);
  const key = (x: ToolTimingReport['rows'][number]): string => keyOf(r, x);
  const rows = r.rows
    .map(
      (x) =>
        `<tr><td>${h(key(x))}</td>${r.by === 'tool' ? `<td class="l">${h(x.category)}</td>` : ''}<td>${x.count}</td><td>${x.errors}</td><td${x.errorRate > 0.1 ? ' class="bad"' : ''}>${pct(x.errorRate)}</td><td>${msText(x.p50Ms)}</td><td>${msText(x.p95Ms)}</td><td>${msText(x.p99Ms)}</td><td>${msText(x.maxMs)}</td><td>${msText(x.totalMs)}</td><td class="l"><span class="bar" style="width:${(x.share * 120).toFixed(1)}px"></span>${pct(x.share)}</td></tr>`,
    )
    .join('\n');
  const slowest = r.slowest
    .map((s) => `<tr><td>${h(s.tool)}</td><td>${msText(s.durationMs)}</td><td class="l">${h(s.at)}</td><td class="l">${s.success ? 'yes' : '<span class="bad">no</span>'}</td><td class="l">${h(s.callId ?? '—')}</td></tr>`)
    .join('\n');
  const cur = r.currentHour.rows
    .filter((x) => x.count > 0 || x.avgCount24h > 0)
    .map((x) => `<tr><td>${h(x.key)}</td><td>${x.count}</td><td>${x.avgCount24h.toFixed(1)}</td><td>${msText(x.p95Ms)}</td><td>${msText(x.p95Ms24h)}</td><td>${pct(x.errorRate)}</td><td>${pct(x.errorRate24h)}</td></tr>`)
    .join('\n');
  const regs = r.regressions
    .map((g) => `<li class="bad"><b>${h(g.key)}</b>: ${g.metric === 'p95' ? `p95 ${h(msText(g.before))} → ${h(msText(g.after))}` : `error rate ${pct(g.before)} → ${pct(g.after)}`}${g.ratio !== null ? ` (×${g.ratio.toFixed(2)})` : ''}, ${g.countBefore} → ${g.countAfter} calls</li>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>swarmperf tool timing</title><style>${CSS}</style></head><body>
<h1>Tool timing</h1>
<p>${h(windowText(r))} · ${r.totals.count} calls · ${r.totals.errors} errors · ${h(msText(r.totals.totalMs))} total</p>
${r.rows.length === 0 ? `<p>${h(emptyWindowText(r))}</p>` : `<table><thead><tr><th>${h(r.by)}</th>${r.by === 'tool' ? '<th>category</th>' : ''}<th>count</th><th>errors</th><th>error rate</th><th>p50</th><th>p95</th><th>p99</th><th>max</th><th>total</th><th>share</th></tr></thead><tbody>
${rows}
</tbody></table>`}
${hourChart(r)}
${slowest ? `<h2>Slowest calls</h2><table><thead><tr><th>tool</th><th>duration</th><th>at</th><th>ok</th><th>call id</th></tr></thead><tbody>\n${slowest}\n</tbody></table>` : ''}
<h2>Current hour (${h(r.currentHour.hour)}) against the previous 24 h</h2>
${cur ? `<table><thead><tr><th>${h(r.by)}</th><th>calls</th><th>avg/h 24 h</th><th>p95</th><th>p95 24 h</th><th>error rate</th><th>error rate 24 h</th></tr></thead><tbody>\n${cur}\n</tbody></table>` : '<p>No calls in the current hour or the 24 h before it.</p>'}
<h2>Regressions</h2>
${!r.regressionSplit ? '<p>The window spans a single hour: nothing to compare.</p>' : regs ? `<p>First half of the window against the second (split at ${h(r.regressionSplit)}).</p><ul>${regs}</ul>` : `<p>None (split at ${h(r.regressionSplit)}).</p>`}
</body></html>
`;
}
