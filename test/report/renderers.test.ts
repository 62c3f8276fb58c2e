import { describe, expect, it } from 'vitest';
import { findBottlenecks } from '../../src/analysis/bottlenecks.js';
import { detectChangePoints } from '../../src/results/changepoint.js';
import { extractMetrics } from '../../src/results/metrics.js';
import type { RunResult } from '../../src/core/result.js';
import { bmfReport, renderBmf } from '../../src/report/bmf.js';
import { renderCsv } from '../../src/report/csv.js';
import { gabEntries, renderGab } from '../../src/report/gab.js';
import { renderHtml } from '../../src/report/html.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { buildTrends, type ReportInput } from '../../src/report/model.js';
import { renderProm } from '../../src/report/prom.js';
import { HOSTILE, historyRuns, troubledRun } from './fixtures.js';

const detect = (values: readonly number[]): number[] => detectChangePoints(values).map((c) => c.index);

function troubled(): RunResult {
  const run = troubledRun();
  run.findings = findBottlenecks(run);
  return run;
}

function input(): ReportInput {
  const run = troubled();
  return { run, runs: [run], trends: buildTrends(run, historyRuns(), detect) };
}

/** A small RFC 4180 parser: quoted fields with doubled quotes and embedded CR/LF. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else field += c;
      i++;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
    i++;
  }
  expect(field, 'no text after the last CRLF').toBe('');
  return rows;
}

describe('trends', () => {
  it('follows p50, p99 and throughput of the run’s operations and finds the step change', () => {
    const { trends } = input();
    const p50 = trends.find((t) => t.metric === 'tasks.claim.p50');
    expect(p50?.points).toHaveLength(17);
    expect(p50?.direction).toBe('smaller');
    // The history steps from 400 to 700 µs after run 8 (index 8 is the first of the new level).
    expect(p50?.changePoints).toContain(8);
    expect(trends.find((t) => t.metric === 'tasks.update.p50')).toBeUndefined(); // no history for it
  });
});

describe('renderers (snapshots of a fixed run)', () => {
  it('markdown', async () => {
    const out = renderMarkdown(input(), { mode: 'none' });
    expect(out.files).toEqual([]);
    await expect(out.text).toMatchFileSnapshot('__snapshots__/report.md');
  });

  it('markdown with SVG charts beside the file', async () => {
    const out = renderMarkdown(input(), { mode: 'svg', dir: 'report-charts' });
    const kinds = out.files.map((f) => f.path.replace(/^report-charts\/\d+-/, '').replace(/-.*$/, ''));
    expect(kinds.filter((k) => k === 'spectrum')).toHaveLength(3);
    expect(kinds.filter((k) => k === 'trend').length).toBeGreaterThan(0);
    for (const f of out.files) {
      expect(f.path).toMatch(/^report-charts\/[A-Za-z0-9._-]+\.svg$/);
      expect(f.content).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      expect(out.text).toContain(`](${f.path})`);
      expect(f.content).not.toContain('<script');
    }
    await expect(out.files.find((f) => f.path.includes('spectrum'))!.content).toMatchFileSnapshot('__snapshots__/spectrum.svg');
  });

  it('markdown with Mermaid charts', async () => {
    const out = renderMarkdown(input(), { mode: 'mermaid' });
    const blocks = out.text.match(/```mermaid\nxychart-beta\n[\s\S]*?```/g) ?? [];
    expect(blocks.length).toBeGreaterThan(5);
    for (const b of blocks) {
      expect(b).toMatch(/x-axis \[/);
      expect(b).toMatch(/line \[[\d., ]+\]/);
      // Titles carry outside names: no quote may end the title string early.
      for (const title of b.match(/title "(.*)"/g) ?? []) expect(title.slice(7, -1)).not.toContain('"');
    }
    await expect(out.text).toMatchFileSnapshot('__snapshots__/report-mermaid.md');
  });

  it('html', async () => {
    await expect(renderHtml(input())).toMatchFileSnapshot('__snapshots__/report.html');
  });

  it('csv', async () => {
    const run = troubled();
    const text = renderCsv([run]);
    await expect(text).toMatchFileSnapshot('__snapshots__/report.csv');
    const rows = parseCsv(text);
    expect(rows[0]).toEqual(['run_id', 'started_at', 'suite', 'backend', 'operation', 'stat', 'metric', 'value', 'unit', 'direction']);
    expect(rows.length - 1).toBe(extractMetrics(run).length);
    for (const r of rows) expect(r).toHaveLength(10);
    // The hostile operation name survives the round trip exactly (comma, quotes, newline).
    expect(rows.some((r) => r[4] === HOSTILE.operation && r[2] === HOSTILE.suite)).toBe(true);
    const claimP99 = rows.find((r) => r[6] === 'tasks.claim.p99');
    expect(Number(claimP99?.[7])).toBe(run.suites[0]!.operations[0]!.latencyUs.p99);
  });

  it('bmf', async () => {
    const run = troubled();
    await expect(renderBmf(run)).toMatchFileSnapshot('__snapshots__/report.bmf.json');
    const bmf = bmfReport(run);
    const claim = bmf['tasks.claim']!;
    const op = run.suites[0]!.operations[0]!;
    expect(claim.latency!.value).toBe(op.latencyUs.p50 * 1000); // Bencher's latency measure is in ns
    expect(claim.latency!.lower_value).toBe(op.ci95!.p50.low * 1000);
    expect(claim.throughput!.value).toBe(op.throughput);
    // Every measure matches the BMF JSON Schema: value required, numbers only, lower ≤ value ≤ upper.
    for (const measures of Object.values(bmf)) {
      for (const m of Object.values(measures)) {
        expect(Object.keys(m).every((k) => ['value', 'lower_value', 'upper_value'].includes(k))).toBe(true);
        expect(Number.isFinite(m.value)).toBe(true);
        if (m.lower_value !== undefined) expect(m.lower_value).toBeLessThanOrEqual(m.upper_value!);
      }
    }
  });

  it('gab (github-action-benchmark customSmallerIsBetter)', async () => {
    const run = troubled();
    await expect(renderGab(run)).toMatchFileSnapshot('__snapshots__/report.gab.json');
    const entries = gabEntries(run);
    expect(entries.length).toBeGreaterThan(0);
    const smaller = new Set(extractMetrics(run).filter((m) => m.direction === 'smaller').map((m) => m.name));
    for (const e of entries) {
      expect(typeof e.name).toBe('string');
      expect(typeof e.unit).toBe('string');
      expect(Number.isFinite(e.value)).toBe(true);
      expect(smaller.has(e.name)).toBe(true);
    }
    expect(entries.some((e) => e.name.endsWith('.throughput'))).toBe(false);
  });

  it('prom: valid text exposition', async () => {
    const run = troubled();
    const text = renderProm(run);
    await expect(text).toMatchFileSnapshot('__snapshots__/report.prom');
    const seen = new Map<string, string>();
    let family = '';
    const labelValue = '"(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
    const sample = new RegExp(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[a-zA-Z_][a-zA-Z0-9_]*=${labelValue}(?:,[a-zA-Z_][a-zA-Z0-9_]*=${labelValue})*\\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$`);
    expect(text.endsWith('\n')).toBe(true);
    for (const line of text.slice(0, -1).split('\n')) {
      const help = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+$/.exec(line);
      const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (gauge|counter|summary|histogram|untyped)$/.exec(line);
      if (help) {
        expect(seen.has(help[1]!), `family ${help[1]} declared twice`).toBe(false);
        family = help[1]!;
        continue;
      }
      if (type) {
        expect(type[1]).toBe(family);
        seen.set(family, type[2]!);
        continue;
      }
      const m = sample.exec(line);
      expect(m, `not a valid sample line: ${line}`).not.toBeNull();
      const name = m![1]!;
      expect(name === family || (seen.get(family) === 'summary' && (name === `${family}_sum` || name === `${family}_count`))).toBe(true);
    }
    // The hostile operation's label is escaped: quotes and the newline never break the line.
    expect(text).toContain('operation="<img src=x onerror=\\"window.__pwned=2\\">|a,\\"b\\"\\n# x"');
    expect(text).toMatch(/^swarmperf_operation_latency_seconds\{suite="tasks",backend="sqlite",operation="claim",quantile="0.99"\} 0\.04\d*$/m);
  });

  it('renders names from outside as text in html and markdown', () => {
    const i = input();
    const html = renderHtml(i);
    expect(html).not.toContain('<script>window.__pwned');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<svg onload');
    expect(html).toContain('&lt;script&gt;window.__pwned=1&lt;/script&gt;');
    // Only our two scripts: the JSON data block and the behaviour script.
    expect(html.match(/<script/g)).toHaveLength(2);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    const md = renderMarkdown(i, { mode: 'none' }).text;
    expect(md).not.toContain('<script>');
    expect(md).not.toContain('<img');
    expect(md).toContain('&lt;script&gt;window.\\_\\_pwned=1&lt;/script&gt;');
    // Every table row keeps its table's cell count: a `|` in a name cannot add a column.
    const tables: string[][] = [];
    let current: string[] | undefined;
    for (const line of md.split('\n')) {
      if (line.startsWith('| ')) (current ??= (tables.push([]), tables[tables.length - 1]!)).push(line);
      else current = undefined;
    }
    expect(tables.length).toBeGreaterThanOrEqual(5);
    for (const t of tables) {
      const cells = t.map((l) => l.replace(/\\\|/g, '').split('|').length);
      expect(new Set(cells).size, t.join('\n')).toBe(1);
    }
  });
});
