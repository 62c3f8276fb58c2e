/**
 * HTML report: ONE self-contained file that opens without network — inline CSS, inline SVG charts
 * drawn here (so they are in the DOM with scripts off), and a small inline script for hover
 * tooltips and legend toggles. A Content-Security-Policy forbids every fetch, so the page cannot
 * reach the network even by mistake. Every outside name is escaped with escapeHtml; the RunResult
 * is embedded as JSON (escaped for <script>) so the page carries its own data.
 */
import { checkStatus, type CheckStatus, type Finding, type RunResult, type SuiteResult } from '../core/result.js';
import { formatMetricValue, isWorse } from '../results/metrics.js';
import { reportCharts, type ChartSpec } from './charts/run-charts.js';
import { escapeHtml as h, jsonForScript } from './escape.js';
import type { ReportInput, TrendSeries } from './model.js';
import { CHECK_MARK, OPERATION_COLUMNS, operationRow } from './terminal.js';
import { formatBytes, formatRate, formatUs } from '../core/units.js';
import { table, td } from './html-table.js';
import { breakdownHtml } from './breakdown.js';
import { findingsByCauseHtml } from './findings-html.js';
import { profilingSummary } from '../profile/overhead.js';

const CHECK_CLASS: Record<CheckStatus, string> = { passed: 'check-ok', failed: 'check-fail', 'not-checked': 'muted' };

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, Segoe UI, Roboto, sans-serif; margin: 0; color: #1d1d1f; background: #f6f7f9; }
header { background: #1f2937; color: #f9fafb; padding: 16px 28px; }
header h1 { margin: 0 0 6px; font-size: 20px; }
header .facts { display: flex; flex-wrap: wrap; gap: 4px 18px; font-size: 13px; color: #d1d5db; }
header code { color: #fff; }
nav { position: sticky; top: 0; background: #fff; border-bottom: 1px solid #e5e7eb; padding: 8px 28px; z-index: 2; }
nav a { margin-right: 16px; color: #2563eb; text-decoration: none; }
main { padding: 8px 28px 40px; max-width: 1400px; }
section { background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 14px 18px; margin: 16px 0; }
h2 { font-size: 17px; margin: 4px 0 12px; }
h3 { font-size: 15px; margin: 18px 0 8px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid #eef0f3; padding: 5px 8px; text-align: right; vertical-align: top; }
th { background: #f9fafb; font-weight: 600; }
th:first-child, td:first-child, td.text, th.text { text-align: left; }
td.name { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; word-break: break-all; text-align: left; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; }
.charts svg { border: 1px solid #eef0f3; border-radius: 6px; max-width: 100%; height: auto; }
.sev { display: inline-block; border-radius: 10px; padding: 0 8px; font-size: 12px; font-weight: 600; color: #fff; }
.sev-critical { background: #b91c1c; } .sev-warning { background: #c2410c; } .sev-info { background: #2563eb; }
.check-ok { color: #15803d; } .check-fail { color: #b91c1c; font-weight: 600; }
.muted { color: #6b7280; }
.worse { color: #b91c1c; } .better { color: #15803d; }
#tooltip { position: fixed; pointer-events: none; background: rgba(17,24,39,.92); color: #fff; padding: 4px 8px; border-radius: 4px; font-size: 12px; display: none; z-index: 10; max-width: 420px; }
.legend-item { cursor: pointer; }
.legend-item[aria-pressed="false"] { opacity: .35; }
g.series.hidden { display: none; }
circle[data-tip] { cursor: crosshair; }
circle[data-tip]:hover { r: 5; }
`;

/** Tooltips and legend toggles; no network, no eval, no outside data interpolated into code. */
const SCRIPT = `
(function () {
  var tip = document.getElementById('tooltip');
  document.addEventListener('mouseover', function (e) {
    var t = e.target;
    if (t && t.getAttribute && t.getAttribute('data-tip') !== null) { tip.textContent = t.getAttribute('data-tip'); tip.style.display = 'block'; }
  });
  document.addEventListener('mousemove', function (e) {
    if (tip.style.display === 'block') { tip.style.left = (e.clientX + 12) + 'px'; tip.style.top = (e.clientY + 12) + 'px'; }
  });
  document.addEventListener('mouseout', function (e) {
    var t = e.target;
    if (t && t.getAttribute && t.getAttribute('data-tip') !== null) tip.style.display = 'none';
  });
  function toggle(item) {
    var svg = item.closest('svg');
    var idx = item.getAttribute('data-series');
    var on = item.getAttribute('aria-pressed') !== 'false';
    item.setAttribute('aria-pressed', on ? 'false' : 'true');
    svg.querySelectorAll('g.series[data-series="' + idx + '"]').forEach(function (g) { g.classList.toggle('hidden', on); });
  }
  document.querySelectorAll('.legend-item').forEach(function (item) {
    item.addEventListener('click', function () { toggle(item); });
    item.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); toggle(item); } });
  });
})();
`;


function durationOf(run: RunResult): string {
  const ms = Date.parse(run.finishedAt) - Date.parse(run.startedAt);
  return Number.isFinite(ms) ? formatUs(ms * 1000) : '?';
}

function headerHtml(run: RunResult): string {
  const facts = [
    `started <code>${h(run.startedAt)}</code>`,
    `took ${h(durationOf(run))}`,
    `command <code>${h(String(run.config.command ?? '?'))}</code>`,
    run.config.seed !== undefined ? `seed <code>${h(String(run.config.seed))}</code>` : '',
    `${h(run.env.cpuModel)} × ${run.env.cores}`,
    `${h(run.env.os)}/${h(run.env.arch)} · node ${h(run.env.node)}`,
    run.env.gitSha ? `git <code>${h(run.env.gitSha.slice(0, 12))}</code>${run.env.gitBranch ? ` on <code>${h(run.env.gitBranch)}</code>` : ''}` : '',
    ...Object.entries(run.tags ?? {}).map(([k, v]) => `tag <code>${h(k)}=${h(v)}</code>`),
    run.partial ? '<strong>partial (interrupted)</strong>' : '',
    run.profiles ? h(profilingSummary(run.profiles)) : '',
  ].filter((x) => x !== '');
  return `<header><h1>swarmperf report — run <code>${h(run.id)}</code></h1><div class="facts">${facts.map((f) => `<span>${f}</span>`).join('')}</div></header>`;
}

function suiteHtml(suite: SuiteResult, charts: ChartSpec[]): string {
  const parts = [`<h3>${h(suite.name)} <span class="muted">(${h(suite.backend)})</span></h3>`];
  parts.push(
    table(
      [...OPERATION_COLUMNS],
      suite.operations.map((op) => {
        const [name, ...figures] = operationRow(op, h);
        return [td(name as string, 'name'), ...figures.map((f) => td(f))];
      }),
    ),
  );
  parts.push(breakdownHtml(suite));
  const service = suite.operations.filter((op) => op.serviceTimeUs);
  if (service.length > 0) {
    parts.push('<p class="muted">Service time, from the actual start (the table measures from the intended start):</p>');
    parts.push(
      table(
        ['operation', 'p50', 'p99', 'max'],
        service.map((op) => [td(h(op.name), 'name'), td(formatUs(op.serviceTimeUs!.p50)), td(formatUs(op.serviceTimeUs!.p99)), td(formatUs(op.serviceTimeUs!.max))]),
      ),
    );
  }
  const notes: string[] = [];
  for (const op of suite.operations) {
    if (op.errorReasons && Object.keys(op.errorReasons).length > 0) {
      notes.push(`<li><code>${h(op.name)}</code> errors: ${Object.entries(op.errorReasons).map(([r, n]) => `<code>${h(r)}</code> ×${n}`).join(', ')}</li>`);
    }
    if (op.retries) notes.push(`<li><code>${h(op.name)}</code> retries: ${op.retries}</li>`);
    if (op.stress) notes.push(`<li><code>${h(op.name)}</code> stress: max sustainable rate ${formatRate(op.stress.maxSustainableRate)}${op.stress.knee !== null ? `, knee at ${formatRate(op.stress.knee)}` : ''}</li>`);
  }
  const metrics = Object.entries(suite.metrics ?? {});
  if (metrics.length > 0) notes.push(`<li>metrics: ${metrics.map(([k, v]) => `${h(k)} ${Number.isInteger(v) ? v : Number(v.toPrecision(4))}`).join(' · ')}</li>`);
  for (const c of suite.checks) {
    const status = checkStatus(c);
    notes.push(`<li class="${CHECK_CLASS[status]}">${CHECK_MARK[status]} ${h(c.name)}: ${h(c.detail)}</li>`);
  }
  const r = suite.resources.summary;
  if (r) {
    notes.push(
      `<li>resources: CPU mean ${Number(r.cpuPctMean.toFixed(1))}% (max ${Number(r.cpuPctMax.toFixed(1))}%) · RSS max ${formatBytes(r.rssMaxBytes)} · growth ${formatBytes(r.memoryGrowthBytesPerSec)}/s${r.eventLoopDelayP99Us !== undefined ? ` · event-loop p99 ${formatUs(r.eventLoopDelayP99Us)}` : ''}${r.gcTimeShare !== undefined ? ` · GC ${(r.gcTimeShare * 100).toFixed(1)}%` : ''}</li>`,
    );
  }
  if (notes.length > 0) parts.push(`<ul>${notes.join('\n')}</ul>`);
  if (charts.length > 0) parts.push(`<div class="charts">${charts.map((c) => c.svg).join('\n')}</div>`);
  return parts.join('\n');
}

function findingsHtml(findings: readonly Finding[] | undefined): string {
  if (!findings || findings.length === 0) return '<p>No bottleneck findings: every figure is within the thresholds.</p>';
  return findingsByCauseHtml(findings);
}

function trendsHtml(trends: readonly TrendSeries[], charts: ChartSpec[]): string {
  if (trends.length === 0) return '<p>No history to compare with yet: trends appear once the history holds earlier runs of these suites.</p>';
  const rows = trends.map((t) => {
    const fmt = (v: number): string => formatMetricValue(v, t.unit);
    const last = t.points[t.points.length - 1]!.value;
    const change = t.lastChange;
    const worse = change !== undefined && isWorse(t.direction, 0, change);
    const cls = change === undefined || Math.abs(change) < 0.05 ? '' : worse ? 'worse' : 'better';
    return [
      td(h(t.metric), 'name'),
      td(String(t.points.length)),
      td(h(fmt(t.points[0]!.value))),
      td(t.baseline !== undefined ? h(fmt(t.baseline)) : '—'),
      td(h(fmt(last))),
      td(change === undefined ? '—' : `${change >= 0 ? '+' : ''}${(change * 100).toFixed(1)}%`, cls),
      td(t.changePoints.length === 0 ? '—' : t.changePoints.map((i) => `<code>${h(t.points[i]?.runId ?? String(i))}</code>`).join(' '), 'text'),
    ];
  });
  return `${table(['metric', 'runs', 'first', 'baseline', 'latest', 'latest vs baseline', 'change points (run)'], rows)}<div class="charts">${charts.map((c) => c.svg).join('\n')}</div>`;
}

export function renderHtml(input: ReportInput): string {
  const { run } = input;
  const charts = reportCharts(run, input.trends);
  const suites = run.suites.map((s, i) => suiteHtml(s, charts.filter((c) => c.id.startsWith(`s${i}-`)))).join('\n');
  const runsCovered =
    input.runs.length > 1
      ? `<section id="runs"><h2>Runs covered (${input.runs.length})</h2>${table(
          ['run', 'started', 'suites', 'partial', 'findings'],
          input.runs.map((r) => [td(h(r.id), 'name'), td(h(r.startedAt)), td(r.suites.map((s) => h(s.name)).join(', ')), td(r.partial ? 'yes' : 'no'), td(String(r.findings?.length ?? 0))]),
          3,
        )}</section>`
      : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>swarmperf report — ${h(run.id)}</title>
<style>${CSS}</style>
</head>
<body>
${headerHtml(run)}
<nav><a href="#summary">Summary</a><a href="#findings">Findings (${run.findings?.length ?? 0})</a><a href="#trends">Trends</a>${input.runs.length > 1 ? '<a href="#runs">Runs</a>' : ''}</nav>
<main>
<section id="summary"><h2>Summary</h2>
${suites || '<p>This run has no suites.</p>'}
</section>
<section id="findings"><h2>Findings</h2>
${findingsHtml(run.findings)}
</section>
<section id="trends"><h2>Trends</h2>
${trendsHtml(input.trends, charts.filter((c) => c.kind === 'trend'))}
</section>
${runsCovered}
</main>
<div id="tooltip" role="tooltip"></div>
<script type="application/json" id="swarmperf-run">${jsonForScript(run)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
