/**
 * One report stack: tool-timing reports render in src/report/tool-timing with report/escape's
 * escapes and core/units' formatter; src/timings (a lower layer) imports nothing from src/report.
 * And no output lets a log's or a tag's acting characters through (ESC, BEL, U+202E …).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { csvField, escapeHtml, escapeMarkdown, escapeTerminal, markdownCode } from '../../src/report/escape.js';
import { renderMarkdown as renderRunMarkdown } from '../../src/report/markdown.js';
import { renderToolTimingReport, TOOL_REPORT_FORMATS } from '../../src/report/tool-timing/index.js';
import { ingestToolLogs } from '../../src/timings/ingest.js';
import { buildToolTimingReport } from '../../src/timings/report.js';
import { troubledRun } from '../report/fixtures.js';

const SRC = join(import.meta.dirname, '../../src');
const root = mkdtempSync(join(tmpdir(), 'swarmperf-timings-stack-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

// ESC (terminal sequences), BEL, DEL, a C1 CSI, and the right-to-left override.
const ACTING = ['\u001b', '\u0007', '\u007f', '\u009b', '\u202e'];
const EVIL_TOOL = 'evil\u001b[31m\u0007\u202egpj.exe';

describe('one report stack', () => {
  it('src/timings has no renderers of its own and imports nothing from src/report', () => {
    expect(existsSync(join(SRC, 'timings/render'))).toBe(false);
    for (const f of filesUnder(join(SRC, 'timings'))) {
      const text = readFileSync(f, 'utf8');
      expect(text, f).not.toMatch(/from '\.\.\/(\.\.\/)?report\//);
    }
  });

  it('every tool-timing format renders through the one escape: no acting character gets through', () => {
    const dir = join(root, 'evil');
    writeFileSync(`${dir}.jsonl`, JSON.stringify({ tool: EVIL_TOOL, call_id: `=1+1\u001b`, session_id: '\u202esess', end_time: Date.UTC(2026, 0, 2, 9), duration_ms: 3, category: '\u0007cat' }) + '\n');
    ingestToolLogs([`${dir}.jsonl`], { dataDir: dir });
    for (const by of ['tool', 'category', 'session'] as const) {
      const r = buildToolTimingReport({ dataDir: dir, sinceUs: null, by });
      for (const format of TOOL_REPORT_FORMATS) {
        if (format === 'json') continue; // JSON escapes control characters itself (\u001b); U+202E is data there
        const out = renderToolTimingReport(r, format);
        for (const c of ACTING) expect(out.includes(c), `${format} by ${by}: U+${c.charCodeAt(0).toString(16)}`).toBe(false);
      }
    }
    const csv = renderToolTimingReport(buildToolTimingReport({ dataDir: dir, sinceUs: null }), 'csv');
    expect(csv).toContain('evil\\x1b[31m\\x07\\u202egpj.exe');
  });

  it('the escapes show acting characters and keep formulas out of spreadsheets', () => {
    for (const f of [escapeHtml, escapeMarkdown, escapeTerminal, csvField, (s: string) => markdownCode(s)]) {
      const out = f(EVIL_TOOL);
      for (const c of ACTING) expect(out.includes(c)).toBe(false);
      expect(out).toContain('\\u202e');
    }
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('-2+3')).toBe("'-2+3");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField(-2)).toBe('-2'); // numbers are numbers
    expect(csvField('a,b\nc')).toBe('"a,b\nc"'); // line breaks stay (quoted), as RFC 4180 allows
  });

  it('the markdown run report shows --tag values with ESC, BEL and U+202E as text', () => {
    const run = troubledRun();
    run.tags = { ...run.tags, note: 'x\u001b[2J\u0007\u202eevil' };
    const { text } = renderRunMarkdown({ run, runs: [run], trends: [] });
    for (const c of ACTING) expect(text.includes(c)).toBe(false);
    expect(text).toContain('note=x\\x1b[2J\\x07\\u202eevil');
  });
});
