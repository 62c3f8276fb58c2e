/**
 * Ingest of the real 3.6 MB hyrm tool-timing log (gzipped in test/fixtures/tools, its counts in
 * expected.json beside it). The expected numbers were computed independently of swarmperf, with Debian jq 1.6 and awk over the same file:
 *   lines:           wc -l hyrm-tool-timing.jsonl                                  → 14165
 *   distinct calls:  jq -r .call_id … | sort -u | wc -l                             → 4859
 *   per tool:        jq -r '[.call_id,.tool,(.success|tostring)]|@tsv' … | sort -u
 *                    | awk '{n[$2]++; if ($3=="false") e[$2]++}'                    → [calls, errors]
 *   totals:          jq -r '[.call_id,.tool,.duration_ms]|@tsv' … | awk '!seen[$1]++ {s[$2]+=$3; …}'
 *                    (first copy of each call, as the ingest keeps)                 → ms below
 *   perf-metrics:    jq -s length → 50 lines (the last without a newline), 2 with success=false.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ingestToolLogs } from '../../src/timings/ingest.js';
import { buildToolTimingReport, toolTimingReport } from '../../src/timings/report.js';
import { EXPECTED, realPerfLog, realToolLog } from './fixtures.js';
import { tempDirsRemovedAfterAll } from '../helpers/temp-dirs.js';

const PER_TOOL = EXPECTED.toolLog.perTool;
const TOTAL_MS = EXPECTED.toolLog.totalMs;
const ALL_MS = EXPECTED.toolLog.allMs;

const tmp = tempDirsRemovedAfterAll('swarmperf-timings-real-');

// The logs are decompressed/copied from test/fixtures/tools once: the repository carries its data.
const fixtureDir = mkdtempSync(join(tmpdir(), 'swarmperf-timings-real-log-'));
const TOOL_LOG = realToolLog(fixtureDir);
const PERF_LOG = realPerfLog(fixtureDir);
afterAll(() => rmSync(fixtureDir, { recursive: true, force: true }));

describe('ingest of the real hyrm tool-timing log', () => {
  it('keeps exactly the distinct calls, per tool, with their errors and times', () => {
    const dataDir = tmp();
    const s = ingestToolLogs([TOOL_LOG], { dataDir });
    expect(s.lines).toBe(EXPECTED.toolLog.lines);
    expect(s.records).toBe(EXPECTED.toolLog.distinctCalls);
    expect(s.duplicates).toBe(EXPECTED.toolLog.lines - EXPECTED.toolLog.distinctCalls);
    expect(s.invalidCount).toBe(0);
    expect(s.files[0]!.state).toBe('new');

    const rows = toolTimingReport({ dataDir, sinceUs: null });
    const got = Object.fromEntries(rows.map((r) => [r.tool, [r.count, r.errors]]));
    expect(got).toEqual(PER_TOOL);
    for (const [tool, [total, max]] of Object.entries(TOTAL_MS)) {
      const r = rows.find((x) => x.tool === tool)!;
      expect(r.totalMs).toBe(total);
      expect(r.maxMs).toBe(max);
      // HdrHistogram keeps 3 significant digits; no percentile is reported above the exact max.
      expect(r.p99Ms).toBeLessThanOrEqual(max);
      expect(r.p99Ms).toBeGreaterThanOrEqual(r.p95Ms);
      expect(r.p50Ms).toBeLessThanOrEqual(r.p95Ms);
    }
    const shares = rows.reduce((s, r) => s + r.share, 0);
    expect(shares).toBeCloseTo(1, 9);
    expect(rows.find((r) => r.tool === 'task')!.share).toBeCloseTo(4346731 / ALL_MS, 9);
    // Biggest total time first: where the time goes.
    expect(rows[0]!.tool).toBe('task');
    expect(rows[1]!.tool).toBe('bash');
  });

  it('reads the perf-metrics format, the same calls once, and nothing on a re-ingest', () => {
    const dataDir = tmp();
    const s = ingestToolLogs([TOOL_LOG, PERF_LOG], { dataDir });
    expect(s.files.map((f) => [f.lines, f.records, f.invalid])).toEqual([
      [14165, 4859, 0],
      [50, 50, 0],
    ]);
    const again = ingestToolLogs([TOOL_LOG, PERF_LOG], { dataDir });
    expect(again.files.map((f) => f.state)).toEqual(['unchanged', 'unchanged']);
    expect(again.records).toBe(0);
    expect(again.bytes).toBe(0);
    const report = buildToolTimingReport({ dataDir, sinceUs: null, by: 'category' });
    expect(report.totals.count).toBe(4859 + 50);
    expect(report.totals.errors).toBe(Object.values(PER_TOOL).reduce((s, [, e]) => s + e, 0) + 2);
    // leader_election appears only in perf-metrics: its category comes from its name.
    expect(report.rows.find((r) => r.category === 'leader')?.count).toBe(4);
  });

  it('reports a window: --until inside the log, --since 6h', () => {
    const dataDir = tmp();
    ingestToolLogs([TOOL_LOG], { dataDir });
    const until = Date.parse('2026-01-02T12:00:00Z') * 1000;
    const r = buildToolTimingReport({ dataDir, sinceUs: 6 * 3_600_000_000, untilUs: until });
    expect(r.from).toBe('2026-01-02T06:00:00.000Z');
    expect(r.totals.count).toBeGreaterThan(0);
    expect(r.totals.count).toBeLessThan(4859);
    expect(r.hourly.every((h) => h.hour >= '2026-01-02T06:00:00.000Z' && h.hour <= '2026-01-02T12:00:00.000Z')).toBe(true);
    expect(r.hourly.reduce((s, h) => s + h.count, 0)).toBe(r.totals.count);
    expect(r.slowest.length).toBe(10);
    expect(r.slowest[0]!.durationMs).toBeGreaterThanOrEqual(r.slowest[9]!.durationMs);
    expect(r.currentHour.hour).toBe('2026-01-02T12:00:00.000Z');
  });
});
