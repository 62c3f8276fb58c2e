/** Report renderers (names from logs escaped in every format), regressions, and the CLI surface. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ingestToolLogs } from '../../src/timings/ingest.js';
import { csvField, escapeMarkdown as markdown } from '../../src/report/escape.js';
import { renderToolTimingReport } from '../../src/report/tool-timing/index.js';
import { buildToolTimingReport, toolTimingReportFromArgs } from '../../src/timings/report.js';
import { runToolsCli } from './run-cli.js';
import { tempDirsRemovedAfterAll } from '../helpers/temp-dirs.js';

const tmp = tempDirsRemovedAfterAll('swarmperf-timings-report-');

const H = 3_600_000;
const T0 = Date.UTC(2026, 0, 2, 0);
const EVIL = '<script>alert(1)</script>|**x**\u001b[31m';

function writeLog(file: string): void {
  const out: string[] = [];
  let n = 0;
  for (let hour = 0; hour < 10; hour++) {
    for (let i = 0; i < 30; i++) {
      const end = T0 + hour * H + i * 1000;
      // "grep" gets 10× slower in the second half of the window; "edit" starts failing.
      const grepMs = hour < 5 ? 10 : 100;
      out.push(JSON.stringify({ tool: 'grep', call_id: `g${++n}`, end_time: end, duration_ms: grepMs, success: true, category: 'file_ops', session_id: 's1' }));
      out.push(JSON.stringify({ tool: 'edit', call_id: `e${++n}`, end_time: end, duration_ms: 20, success: hour < 5 || i % 2 === 0, category: 'file_ops', session_id: null }));
    }
  }
  out.push(JSON.stringify({ tool: EVIL, call_id: '=cmd|x', end_time: T0 + 9 * H, duration_ms: 7, success: true, category: '"quoted",cat' }));
  writeFileSync(file, out.join('\n') + '\n');
}

describe('tool timing report', () => {
  const dataDir = tmp();
  writeLog(join(dataDir, 'log.jsonl'));
  ingestToolLogs([join(dataDir, 'log.jsonl')], { dataDir });
  const until = (T0 + 9 * H + 1800_000) * 1000;

  it('finds where the time goes, the current hour against 24 h, and regressions', () => {
    const r = buildToolTimingReport({ dataDir, sinceUs: 24 * 3600e6, untilUs: until });
    expect(r.rows.map((x) => [x.tool, x.count])).toEqual([
      ['grep', 300],
      ['edit', 300],
      [EVIL, 1],
    ]);
    expect(r.rows[0]!.totalMs).toBe(150 * 10 + 150 * 100);
    expect(r.rows[1]!.errors).toBe(75);
    // Errors from none (ratio null) rank first, then by ratio.
    expect(r.regressions.map((g) => [g.key, g.metric])).toEqual([
      ['edit', 'errorRate'],
      ['grep', 'p95'],
    ]);
    expect(r.regressions[0]).toMatchObject({ before: 0, after: 0.5, ratio: null });
    expect(r.regressions[1]).toMatchObject({ countBefore: 150, countAfter: 150 });
    // HdrHistogram reports a bucket's highest equivalent value: 3 significant digits.
    expect(r.regressions[1]!.before).toBeCloseTo(10, 1);
    expect(r.regressions[1]!.after).toBeCloseTo(100, 0);
    const grepNow = r.currentHour.rows.find((x) => x.key === 'grep')!;
    expect(grepNow).toMatchObject({ count: 30, avgCount24h: 270 / 24 });
    expect(grepNow.p95Ms).toBeCloseTo(100, 0);
    expect(grepNow.p95Ms24h).toBeCloseTo(100, 0); // hours 0–8: 60 % of calls at 10 ms, 40 % at 100 ms
    const bySession = buildToolTimingReport({ dataDir, sinceUs: null, untilUs: until, by: 'session' });
    expect(bySession.rows.map((x) => [x.session, x.count]).sort()).toEqual([
      ['(none)', 301],
      ['s1', 300],
    ]);
  });

  it('escapes names from logs in every format', () => {
    const r = buildToolTimingReport({ dataDir, sinceUs: null, untilUs: until });
    const html = renderToolTimingReport(r, 'html');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toMatch(/<(link|script|img)\b/); // self-contained: nothing fetched, no scripts
    const md = renderToolTimingReport(r, 'markdown');
    expect(md).toContain(markdown(EVIL));
    expect(md).not.toContain('<script>');
    // Every table row of the main table keeps 11 cells despite the | in the name.
    const evilRow = md.split('\n').find((l) => l.includes('alert'))!;
    expect(evilRow.split(/(?<!\\)\|/).length - 2).toBe(11);
    const term = renderToolTimingReport(r, 'terminal');
    expect(term).not.toContain('\u001b');
    expect(term).toContain('\\x1b[31m');
    const csv = renderToolTimingReport(r, 'csv');
    expect(csv.split('\r\n')[0]).toBe('tool,category,count,errors,errorRate,p50Ms,p95Ms,p99Ms,maxMs,totalMs,share');
    expect(csv).toContain('"""quoted"",cat"');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('-2+3')).toBe("'-2+3");
    // Grouped by category, the category is the key column, not a second one.
    const byCat = renderToolTimingReport(buildToolTimingReport({ dataDir, sinceUs: null, untilUs: until, by: 'category' }), 'markdown');
    expect(byCat).toContain('| category | count | errors |');
    expect(renderToolTimingReport(buildToolTimingReport({ dataDir, sinceUs: null, untilUs: until, by: 'category' }), 'terminal')).not.toMatch(/category\s+category/);
  });

  it('serves loosely typed arguments (the MCP tool) and names a bad one', () => {
    const rows = toolTimingReportFromArgs({ dataDir, since: 'all', by: 'category', until: new Date(until / 1000).toISOString() });
    expect(rows.map((r) => [r.category, r.count])).toEqual([
      ['file_ops', 600],
      ['"quoted",cat', 1],
    ]);
    expect(() => toolTimingReportFromArgs({ dataDir, by: 'colour' })).toThrow(/by: expected tool, category or session/);
    expect(() => toolTimingReportFromArgs({ dataDir, since: 'recently' })).toThrow(/since: expected a duration/);
    expect(() => toolTimingReportFromArgs({ dataDir, until: 'later' })).toThrow(/until: expected an ISO date/);
  });

  it('an empty store gives an empty report, not an error', () => {
    const r = buildToolTimingReport({ dataDir: tmp(), sinceUs: null });
    expect(r.rows).toEqual([]);
    expect(renderToolTimingReport(r, 'terminal')).toMatch(/no tool calls in this window/);
  });
});

describe('swarmperf tools (CLI)', () => {
  let out = '';
  let err = '';
  beforeEach(() => {
    out = '';
    err = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  });
  afterEach(() => vi.restoreAllMocks());

  it('ingest --json prints {lines, records, duplicates, invalid: [{line, reason}]}', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'a.jsonl'), '{"tool":"read","call_id":"1","end_time":1767345511315,"duration_ms":3}\n{"tool":"read","call_id":"1","end_time":1767345511316,"duration_ms":4}\nnope\n');
    expect(await runToolsCli(['tools', 'ingest', join(dir, 'a.jsonl'), '--json', '--data-dir', dir])).toBe(0);
    const j = JSON.parse(out) as { lines: number; records: number; duplicates: number; invalid: Array<{ line: number; reason: string }> };
    expect([j.lines, j.records, j.duplicates]).toEqual([3, 1, 1]);
    expect(j.invalid).toEqual([{ file: join(dir, 'a.jsonl'), line: 3, reason: expect.stringMatching(/^invalid JSON/) as unknown as string }]);
  });

  it('report --format json prints the rows array; --out writes a file', async () => {
    const dir = tmp();
    writeLog(join(dir, 'log.jsonl'));
    await runToolsCli(['tools', 'ingest', join(dir, 'log.jsonl'), '--data-dir', dir]);
    out = '';
    expect(await runToolsCli(['tools', 'report', '--since', 'all', '--format', 'json', '--data-dir', dir])).toBe(0);
    const rows = JSON.parse(out) as Array<Record<string, unknown>>;
    expect(Object.keys(rows[0]!)).toEqual(['tool', 'category', 'count', 'errors', 'errorRate', 'p50Ms', 'p95Ms', 'p99Ms', 'maxMs', 'totalMs', 'share']);
    expect(await runToolsCli(['tools', 'report', '--since', 'all', '--format', 'html', '--out', join(dir, 'r.html'), '--data-dir', dir])).toBe(0);
    expect(readFileSync(join(dir, 'r.html'), 'utf8')).toMatch(/^<!doctype html>/);
  });

  it('bad usage is one clear line and exit code 2', async () => {
    const dir = tmp();
    const cases: Array<[string[], RegExp]> = [
      [['tools', 'ingest', join(dir, 'missing.jsonl'), '--data-dir', dir], /missing\.jsonl: no such file/],
      [['tools', 'ingest', dir, '--data-dir', dir], /not a regular file/],
      [['tools', 'ingest', 'x', '--map', 'duration=d'], /--map: needs tool=FIELD/],
      [['tools', 'report', '--by', 'color', '--data-dir', dir], /--by: expected tool, category or session/],
      [['tools', 'report', '--format', 'pdf', '--data-dir', dir], /--format: expected one of/],
      [['tools', 'report', '--since', 'yesterday', '--data-dir', dir], /--since: expected a duration/],
      [['tools', 'report', '--until', 'soon', '--data-dir', dir], /--until: expected an ISO date/],
    ];
    for (const [argv, message] of cases) {
      err = '';
      expect(await runToolsCli(argv)).toBe(2);
      expect(err).toMatch(message);
      expect(err.trim().split('\n')).toHaveLength(1);
    }
  });
});
