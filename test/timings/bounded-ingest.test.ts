/**
 * The ingest's bounded structures keep every figure exact: durations past the buffer budget are
 * merged early (the largest rows first) without losing or double-counting a call, and the call-id
 * window, kept as hashes, still catches copies across two ingests.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RecentCallIds } from '../../src/timings/dedupe.js';
import { ingestToolLogs } from '../../src/timings/ingest.js';
import { toolTimingReport } from '../../src/timings/report.js';
import { tempDirsRemovedAfterAll } from '../helpers/temp-dirs.js';

const tmp = tempDirsRemovedAfterAll('swarmperf-timings-bounded-');

const T0 = Date.UTC(2026, 0, 2, 9);
const line = (id: string, tool: string, dur: number, end: number): string =>
  JSON.stringify({ timestamp: new Date(end).toISOString(), session_id: 's', tool, call_id: id, end_time: end, duration_ms: dur, success: true }) + '\n';

describe('ingest past the duration buffer budget', () => {
  it('keeps every call once, with exact counts, totals and maxima per tool', () => {
    const dir = tmp();
    const file = join(dir, 'log.jsonl');
    // 150 000 calls (the buffer holds 131 072) over 3 tools and 4 hours, each logged twice (a copy 1 ms later).
    const parts: string[] = [];
    const expected = new Map<string, { count: number; totalMs: number; maxMs: number }>();
    for (let i = 0; i < 150_000; i++) {
      const tool = i % 10 < 6 ? 'read' : i % 10 < 9 ? 'bash' : 'grep';
      const dur = 1 + ((i * 7919) % 500);
      const end = T0 + i * 80; // 150 000 × 80 ms = 3.3 hours
      parts.push(line(`c${i}`, tool, dur, end), line(`c${i}`, tool, dur + 1, end + 1));
      const e = expected.get(tool) ?? { count: 0, totalMs: 0, maxMs: 0 };
      e.count++;
      e.totalMs += dur;
      e.maxMs = Math.max(e.maxMs, dur);
      expected.set(tool, e);
    }
    writeFileSync(file, parts.join(''));
    const s = ingestToolLogs([file], { dataDir: join(dir, 'data') });
    expect([s.lines, s.records, s.duplicates, s.invalidCount]).toEqual([300_000, 150_000, 150_000, 0]);
    const rows = toolTimingReport({ dataDir: join(dir, 'data'), sinceUs: null });
    expect(Object.fromEntries(rows.map((r) => [r.tool, { count: r.count, totalMs: r.totalMs, maxMs: r.maxMs }]))).toEqual(Object.fromEntries(expected));
    for (const r of rows) expect(r.p50Ms).toBeGreaterThan(200); // uniform 1–500 ms: p50 ≈ 250
  });
});

describe('call-id window kept as hashes', () => {
  it('a saved window still catches copies after it is restored, and forgets what fell out of it', () => {
    const r = new RecentCallIds(1_000_000, 1000);
    for (let i = 0; i < 500; i++) r.seen(`id${i}`, i * 1000);
    const saved = [...r.entries()];
    expect(saved.every(([k]) => /^#[0-9a-f]{16}$/.test(k))).toBe(true);
    const back = new RecentCallIds(1_000_000, 1000);
    for (const [k, end] of saved) back.restore(k, end);
    expect(back.seen('id499', 499_500)).toBe(true); // a copy of a remembered call
    expect(back.seen('id500', 500_000)).toBe(false); // a new call
    // Old stores saved plain ids: still taken back.
    const legacy = new RecentCallIds(1_000_000, 1000);
    legacy.restore('toolu_x', 10);
    expect(legacy.seen('toolu_x', 20)).toBe(true);
  });

  it('keeps at most maxIds ids, and every lookup stays right through evictions', () => {
    const r = new RecentCallIds(1e15, 3000);
    for (let i = 0; i < 50_000; i++) {
      expect(r.seen(`k${i}`, i)).toBe(false);
      if (i % 7 === 0) expect(r.seen(`k${i}`, i)).toBe(true);
      expect(r.size).toBeLessThanOrEqual(3000);
    }
    // The newest 3000 are remembered, older ones were evicted (a copy of those counts as new).
    expect(r.has('k49999') && r.has('k47000')).toBe(true);
    expect(r.has('k46999')).toBe(false);
  });

  it('an ingest in two parts catches the copy split across them', () => {
    const dir = tmp();
    const file = join(dir, 'log.jsonl');
    writeFileSync(file, line('a', 'read', 5, T0));
    expect(ingestToolLogs([file], { dataDir: join(dir, 'data') }).records).toBe(1);
    appendFileSync(file, line('a', 'read', 6, T0 + 2));
    const second = ingestToolLogs([file], { dataDir: join(dir, 'data') });
    expect([second.records, second.duplicates]).toEqual([0, 1]);
  });
});
