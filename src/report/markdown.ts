/**
 * Markdown report: run header, a summary per suite (operations table, service time, checks),
 * findings, trends against the history. With charts, either SVG files written beside the report
 * (returned as files for the caller to write) or Mermaid xychart blocks inline (for stdout, or
 * where SVG files cannot travel). Every outside name goes through escapeMarkdown/markdownCode.
 */
import { formatMetricValue, isWorse } from '../results/metrics.js';
import { checkStatus, type CheckStatus, type Finding, type RunResult, type SuiteResult } from '../core/result.js';
import { reportCharts, type ChartSpec } from './charts/run-charts.js';
import { escapeMarkdown as md, fileSlug, markdownCode as code } from './escape.js';
import type { ReportInput, TrendSeries } from './model.js';
import { OPERATION_COLUMNS, operationRow } from './terminal.js';
import { formatRate, formatUs } from '../core/units.js';
import { profilingSummary } from '../profile/overhead.js';

const MD_CHECK_MARK: Record<CheckStatus, string> = { passed: '✅', failed: '❌', 'not-checked': '⚪ not checked —' };

export type MarkdownCharts = { mode: 'none' } | { mode: 'svg'; dir: string } | { mode: 'mermaid' };

export interface MarkdownOutput {
  text: string;
  /** Files to write beside the report (SVG charts), paths relative to the report's folder. */
  files: Array<{ path: string; content: string }>;
}

function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function tableMd(headers: string[], rows: string[][], rightFrom = 1): string {
  const align = headers.map((_, i) => (i >= rightFrom ? '---:' : ':---'));
  return [row(headers), row(align), ...rows.map(row)].join('\n');
}

function durationOf(run: RunResult): string {
  const ms = Date.parse(run.finishedAt) - Date.parse(run.startedAt);
  return Number.isFinite(ms) ? formatUs(ms * 1000) : '?';
}

export function runHeader(run: RunResult): string[] {
  const lines = [`# swarmperf report — run ${code(run.id)}`, ''];
  const facts: string[] = [
    `**started** ${md(run.startedAt)} · **took** ${durationOf(run)}${run.partial ? ' · **partial** (interrupted)' : ''}`,
    `**command** ${code(String(run.config.command ?? '?'))}${run.config.seed !== undefined ? ` · **seed** ${code(String(run.config.seed))}` : ''}`,
    `**machine** ${md(run.env.cpuModel)} × ${run.env.cores} · ${md(run.env.os)}/${md(run.env.arch)} · node ${md(run.env.node)} · swarmperf ${md(run.env.swarmperfVersion)}`,
  ];
  if (run.env.gitSha) facts.push(`**git** ${code(run.env.gitSha.slice(0, 12))}${run.env.gitBranch ? ` on ${code(run.env.gitBranch)}` : ''}${run.env.gitDirty ? ' (dirty)' : ''}`);
  const tags = Object.entries(run.tags ?? {});
  if (tags.length > 0) facts.push(`**tags** ${tags.map(([k, v]) => code(`${k}=${v}`)).join(' ')}`);
  if (run.profiles) facts.push(`**profile** ${md(profilingSummary(run.profiles))}`);
  lines.push(...facts.map((f) => `- ${f}`), '');
  return lines;
}

export function suiteSection(suite: SuiteResult): string[] {
  const lines = [`### ${md(suite.name)} (${md(suite.backend)})`, ''];
  if (suite.operations.length === 0) lines.push('_no operations recorded_', '');
  else {
    lines.push(
      tableMd(
        [...OPERATION_COLUMNS],
        suite.operations.map((op) => operationRow(op, md)),
      ),
      '',
    );
  }
  const service = suite.operations.filter((op) => op.serviceTimeUs);
  if (service.length > 0) {
    lines.push('Service time (from the actual start; the table above measures from the intended start):', '');
    for (const op of service) {
      const s = op.serviceTimeUs!;
      lines.push(`- ${md(op.name)}: p50 ${formatUs(s.p50)} · p99 ${formatUs(s.p99)} · max ${formatUs(s.max)}`);
    }
    lines.push('');
  }
  const notes: string[] = [];
  for (const op of suite.operations) {
    if (op.errorReasons && Object.keys(op.errorReasons).length > 0) {
      notes.push(`- ${md(op.name)} errors: ${Object.entries(op.errorReasons).map(([r, n]) => `${code(r)} ×${n}`).join(', ')}`);
    }
    if (op.retries) notes.push(`- ${md(op.name)} retries: ${op.retries}`);
    if (op.stress) {
      const s = op.stress;
      notes.push(`- ${md(op.name)} stress: max sustainable rate ${formatRate(s.maxSustainableRate)}${s.knee !== null ? `, knee at ${formatRate(s.knee)}` : ''}${s.slo ? ` (SLO ${code(s.slo)})` : ''}`);
    }
  }
  const metrics = Object.entries(suite.metrics ?? {});
  if (metrics.length > 0) notes.push(`- metrics: ${metrics.map(([k, v]) => `${md(k)} ${Number.isInteger(v) ? v : Number(v.toPrecision(4))}`).join(' · ')}`);
  if (notes.length > 0) lines.push(...notes, '');
  if (suite.checks.length > 0) {
    lines.push(...suite.checks.map((c) => `- ${MD_CHECK_MARK[checkStatus(c)]} **${md(c.name)}**: ${md(c.detail)}`), '');
  }
  return lines;
}

const SEVERITY_MARK: Record<Finding['severity'], string> = { critical: '🔴 critical', warning: '🟠 warning', info: '🔵 info' };

export function findingsSection(findings: readonly Finding[] | undefined): string[] {
  const lines = ['## Findings', ''];
  if (!findings || findings.length === 0) {
    lines.push('No bottleneck findings: every figure is within the thresholds (see `docs/reports.md`).', '');
    return lines;
  }
  lines.push(
    tableMd(
      ['severity', 'kind', 'component', 'evidence', 'recommendation'],
      findings.map((f) => [SEVERITY_MARK[f.severity], md(f.kind), f.component ? md(f.component) : '—', md(f.evidence), md(f.recommendation)]),
      5,
    ),
    '',
  );
  return lines;
}

function pctChange(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '—';
  return `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)}%`;
}

export function trendsSection(trends: readonly TrendSeries[]): string[] {
  const lines = ['## Trends', ''];
  if (trends.length === 0) {
    lines.push('No history to compare with yet: trends appear once the history holds earlier runs of these suites.', '');
    return lines;
  }
  lines.push(
    tableMd(
      ['metric', 'runs', 'first', 'baseline', 'latest', 'latest vs baseline', 'change points'],
      trends.map((t) => {
        const fmt = (v: number): string => formatMetricValue(v, t.unit);
        const worse = t.lastChange !== undefined && isWorse(t.direction, 0, t.lastChange);
        const change = pctChange(t.lastChange);
        return [
          md(t.metric),
          String(t.points.length),
          fmt((t.points[0] as { value: number }).value),
          t.baseline !== undefined ? fmt(t.baseline) : '—',
          fmt((t.points[t.points.length - 1] as { value: number }).value),
          t.lastChange !== undefined && Math.abs(t.lastChange) >= 0.05 ? `${change} ${worse ? '(worse)' : '(better)'}` : change,
          t.changePoints.length === 0 ? '—' : t.changePoints.map((i) => code(t.points[i]?.runId ?? String(i), true)).join(', '),
        ];
      }),
    ),
    '',
  );
  return lines;
}

// ─── charts ──────────────────────────────────────────────────────────────────────────────────

/** Mermaid strings cannot escape quotes: outside text is reduced to safe characters. */
function mermaidText(text: string): string {
  return text.replace(/["\r\n`]/g, "'").replace(/[<>]/g, ' ');
}

function mermaidChart(c: ChartSpec): string[] {
  const series = c.series.filter((s) => s.points.length > 0);
  if (series.length === 0) return [];
  // xychart needs one category axis shared by all lines: the x positions of the longest series.
  const longest = series.reduce((a, s) => (s.points.length > a.points.length ? s : a));
  const xs = longest.points.map((p) => p.x);
  const isLatency = c.kind === 'spectrum' || c.kind === 'p99' || (c.kind === 'trend' && /\.(p\d+|max|mean)$/.test(c.group));
  const scale = isLatency ? 1 / 1000 : 1;
  const unit = isLatency ? 'ms' : c.kind === 'throughput' ? 'ops/s' : c.kind === 'cpu' ? '%' : c.kind === 'memory' ? 'MB' : '';
  const memScale = c.kind === 'memory' ? 1 / 1_000_000 : 1;
  const label = (x: number): string => {
    if (c.kind === 'spectrum') {
      if (x > 6.1) return 'max';
      // Enough digits to tell 99.99 % from 99.999 %: two more than the nines the point has.
      return `${Number((100 - 100 / Math.pow(10, x)).toPrecision(Math.min(12, Math.ceil(x) + 2)))}%`;
    }
    if (c.kind === 'trend') return `#${Math.round(x)}`;
    return `${Number(x.toFixed(1))}s`;
  };
  const values = series.map((s) => xs.map((x) => {
    const p = s.points.find((q) => Math.abs(q.x - x) < 1e-9);
    return p ? Number((p.y * scale * memScale).toPrecision(4)) : 0;
  }));
  const max = Math.max(...values.flat(), 0);
  return [
    '```mermaid',
    'xychart-beta',
    `    title "${mermaidText(c.title)}"`,
    `    x-axis [${xs.map((x) => `"${label(x)}"`).join(', ')}]`,
    `    y-axis "${mermaidText(`${c.yLabel}${unit ? ` (${unit})` : ''}`)}" 0 --> ${Number((max * 1.1 || 1).toPrecision(3))}`,
    ...values.map((v) => `    line [${v.join(', ')}]`),
    '```',
    series.length > 1 ? `_lines in order: ${series.map((s) => md(s.name)).join(', ')}_` : '',
    '',
  ];
}

function chartBlock(c: ChartSpec, charts: MarkdownCharts, files: MarkdownOutput['files']): string[] {
  if (charts.mode === 'svg') {
    const path = `${charts.dir}/${String(files.length + 1).padStart(2, '0')}-${c.kind}-${fileSlug(c.group)}.svg`;
    files.push({ path, content: `<?xml version="1.0" encoding="UTF-8"?>\n${c.svg}\n` });
    // The link target is our own slugged path; the alt text is outside text and escaped.
    return [`![${md(c.title)}](${encodeURI(path)})`, ''];
  }
  if (charts.mode === 'mermaid') return mermaidChart(c);
  return [];
}

export function renderMarkdown(input: ReportInput, charts: MarkdownCharts = { mode: 'none' }): MarkdownOutput {
  const { run } = input;
  const files: MarkdownOutput['files'] = [];
  const all = charts.mode === 'none' ? [] : reportCharts(run, input.trends);
  const lines = runHeader(run);
  lines.push('## Summary', '');
  run.suites.forEach((suite, i) => {
    lines.push(...suiteSection(suite));
    for (const c of all.filter((x) => x.id.startsWith(`s${i}-`) && (charts.mode === 'svg' || x.kind !== 'memory'))) lines.push(...chartBlock(c, charts, files));
  });
  if (run.suites.length === 0) lines.push('_this run has no suites_', '');
  lines.push(...findingsSection(run.findings));
  lines.push(...trendsSection(input.trends));
  for (const c of all.filter((x) => x.kind === 'trend')) lines.push(...chartBlock(c, charts, files));
  if (input.runs.length > 1) {
    lines.push(`## Runs covered (${input.runs.length})`, '');
    lines.push(
      tableMd(
        ['run', 'started', 'suites', 'partial', 'findings'],
        input.runs.map((r) => [code(r.id, true), md(r.startedAt), r.suites.map((s) => md(s.name)).join(', '), r.partial ? 'yes' : 'no', String(r.findings?.length ?? 0)]),
        4,
      ),
      '',
    );
  }
  return { text: lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n', files };
}
