/**
 * Honest precision: figures at the data's resolution (a log in whole ms shows whole ms), a
 * percentile is its HdrHistogram bucket's middle rounded to what the bucket can tell (never the
 * bucket's upper bound with more digits than the histogram holds), 0 ms is "0ms" (not a clamped
 * "1µs"), and the terminal and the html page show the same text for the same figure.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatDurationUs, formatUs } from '../../src/core/units.js';
import { LatencyHistogram } from '../../src/measure/histogram.js';
import { Rng } from '../../src/measure/rng.js';
import { renderToolTimingReport } from '../../src/report/tool-timing/index.js';
import { ingestToolLogs } from '../../src/timings/ingest.js';
import { buildToolTimingReport, hdrBucketWidthUs, reportedPercentileUs } from '../../src/timings/report.js';
import { EXPECTED, realToolLog } from './fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'swarmperf-timings-precision-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const T0 = Date.UTC(2026, 0, 2, 9);

/** The exact percentile as HdrHistogram defines it: the value at rank ceil(p/100 · n). */
function exactPercentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

describe('the real log (whole milliseconds)', () => {
  const log = realToolLog(root);
  const dataDir = join(root, 'real');
  ingestToolLogs([log], { dataDir });
  const report = buildToolTimingReport({ dataDir, sinceUs: null });
  // First copy of each call, as the ingest keeps: the oracle for the percentiles.
  const seen = new Set<string>();
  const byTool = new Map<string, number[]>();
  for (const line of readFileSync(log, 'utf8').trim().split('\n')) {
    const o = JSON.parse(line) as { call_id: string; tool: string; duration_ms: number };
    if (seen.has(o.call_id)) continue;
    seen.add(o.call_id);
    byTool.set(o.tool, [...(byTool.get(o.tool) ?? []), o.duration_ms]);
  }

  it('reports whole milliseconds, within one histogram bucket of the exact percentile', () => {
    expect(report.resolutionUs).toBe(1000);
    expect(report.rows.length).toBe(Object.keys(EXPECTED.toolLog.perTool).length);
    for (const row of report.rows) {
      const sorted = byTool.get(row.tool)!.sort((a, b) => a - b);
      for (const [p, got] of [[50, row.p50Ms], [95, row.p95Ms], [99, row.p99Ms]] as const) {
        expect(Number.isInteger(got), `${row.tool} p${p} = ${got}`).toBe(true);
        const exact = exactPercentile(sorted, p);
        expect(Math.abs(got - exact), `${row.tool} p${p}: ${got} vs exact ${exact}`).toBeLessThanOrEqual(hdrBucketWidthUs(exact * 1000) / 1000 + 1);
      }
      expect(Number.isInteger(row.maxMs) && Number.isInteger(row.totalMs)).toBe(true);
    }
  });

  it('the terminal and the html page show the same text for the same figure', () => {
    const task = report.rows.find((r) => r.tool === 'task')!;
    const shown = formatDurationUs(task.p50Ms * 1000, 1000);
    expect(renderToolTimingReport(report, 'terminal')).toMatch(new RegExp(`^task\\s.*\\s${shown}\\s`, 'm'));
    expect(renderToolTimingReport(report, 'html')).toContain(`<td>${shown}</td>`);
    expect(renderToolTimingReport(report, 'markdown')).toContain(`| ${shown} |`);
  });
});

describe('zero and sub-millisecond durations', () => {
  it('0 ms calls in a whole-ms log are 0ms, not 1µs; a µs log keeps its µs', () => {
    const dir = join(root, 'zero');
    const file = join(dir + '.jsonl');
    const lines: string[] = [];
    for (let i = 0; i < 40; i++) lines.push(JSON.stringify({ tool: 'noop', call_id: `n${i}`, end_time: T0 + i, duration_ms: 0 }));
    writeFileSync(file, lines.join('\n') + '\n');
    ingestToolLogs([file], { dataDir: dir });
    const r = buildToolTimingReport({ dataDir: dir, sinceUs: null });
    expect(r.rows[0]).toMatchObject({ tool: 'noop', p50Ms: 0, p99Ms: 0, maxMs: 0, totalMs: 0 });
    const term = renderToolTimingReport(r, 'terminal');
    expect(term).not.toContain('1µs');
    expect(term).toMatch(/^noop\s.*\s0ms\s+0ms\s+0ms\s+0ms\s+0ms\s/m);

    const fine = join(root, 'fine');
    writeFileSync(fine + '.jsonl', [1.234, 1.236, 1.238].map((d, i) => JSON.stringify({ tool: 'q', call_id: `q${i}`, end_time: T0 + i, duration_ms: d })).join('\n') + '\n');
    ingestToolLogs([fine + '.jsonl'], { dataDir: fine });
    const f = buildToolTimingReport({ dataDir: fine, sinceUs: null });
    expect(f.resolutionUs).toBe(1);
    expect(f.rows[0]!.p50Ms).toBe(1.236);
    expect(renderToolTimingReport(f, 'terminal')).toMatch(/^q\s.*\s1\.24ms\s/m);
  });
});

describe('reportedPercentileUs against HdrHistogram', () => {
  it('is the bucket middle, within half a bucket (plus rounding) of the value, never above the max, never finer than the bucket', () => {
    const rng = new Rng(42);
    for (let i = 0; i < 2000; i++) {
      // Log-uniform over 1 µs … 1 h.
      const v = Math.round(Math.exp(rng.next() * Math.log(3.6e9)));
      const h = LatencyHistogram.create();
      h.record(v);
      const highest = h.percentile(100);
      h.destroy();
      const width = hdrBucketWidthUs(v);
      const quantum = Math.max(1, 10 ** Math.floor(Math.log10(width)));
      const got = reportedPercentileUs(highest, 1, Number.MAX_SAFE_INTEGER);
      expect(highest - v).toBeLessThan(width); // HdrHistogram gives the bucket's upper bound
      expect(Math.abs(got - v), `v=${v} highest=${highest} got=${got}`).toBeLessThanOrEqual(width / 2 + quantum / 2);
      expect(got % quantum).toBe(0);
      expect(reportedPercentileUs(highest, 1, v)).toBeLessThanOrEqual(v);
    }
    // 175 505 407 µs (a real p50 shown before as "175505.407" ms): the bucket is 131 072 µs wide.
    expect(hdrBucketWidthUs(175_505_407)).toBe(131_072);
    expect(reportedPercentileUs(175_505_407, 1000, Number.MAX_SAFE_INTEGER) % 100_000).toBe(0);
    expect(formatDurationUs(0, 1000)).toBe('0ms');
    expect(formatUs(1)).toBe('1µs'); // the existing formatter is unchanged for its callers
  });
});
