/** Generated hostile logs: every bad line is counted with its line number and reason, nothing is fatal. */
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RecentCallIds } from '../../src/timings/dedupe.js';
import { parseFieldMap } from '../../src/timings/formats.js';
import { ingestToolLogs } from '../../src/timings/ingest.js';
import { toolTimingReport } from '../../src/timings/report.js';
import { tempDirsRemovedAfterAll } from '../helpers/temp-dirs.js';

const tmp = tempDirsRemovedAfterAll('swarmperf-timings-hostile-');

const T0 = Date.UTC(2026, 0, 2, 9);
function call(id: string | null, tool: string, dur: number, end = T0, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ timestamp: new Date(end).toISOString(), session_id: null, tool, call_id: id, start_time: end - dur, end_time: end, duration_ms: dur, input_size: 2, output_size: 9, success: true, category: 'x', ...extra });
}

describe('hostile logs', () => {
  it('counts each kind of bad line with its line number and keeps every good one', () => {
    const dir = tmp();
    const file = join(dir, 'hostile.jsonl');
    const lines: Array<string | Buffer> = [
      call('a', 'read', 5), // 1 ok
      'not json at all', // 2
      '[1,2,3]', // 3 not an object
      '"a string"', // 4 not an object
      JSON.stringify({ session_id: 'x', duration_ms: 4 }), // 5 unknown format
      call('b', 'read', -3), // 6 negative
      call('c', 'read', 90 * 24 * 3600 * 1000), // 7 absurd (90 days)
      JSON.stringify({ tool: 'read', call_id: 'd', end_time: T0 }), // 8 missing duration
      JSON.stringify({ tool: 'read', call_id: 'e', duration_ms: 3 }), // 9 missing time
      JSON.stringify({ tool: '', call_id: 'f', duration_ms: 3, end_time: T0 }), // 10 empty tool
      JSON.stringify({ tool: 42, duration_ms: 3, end_time: T0 }), // 11 tool not a string
      JSON.stringify({ tool: 'read', duration_ms: '12', end_time: T0 }), // 12 duration a string
      JSON.stringify({ tool: 'read', duration_ms: 3, end_time: 1767345511 }), // 13 seconds, not ms
      Buffer.from([0x00, 0xff, 0xfe, 0x7b, 0x22, 0x01, 0x80, 0x81]), // 14 binary
      '', // 15 blank: neither data nor error
      call('g', 'ツール😀', 7), // 16 unicode tool name: fine
      call('a', 'read', 6, T0 + 1), // 17 duplicate of line 1
      call('h', 'bash', 10) + '\r', // 18 CRLF line: fine
      JSON.stringify({ tool: 'read', duration_ms: 3, end_time: T0, success: 'yes' }), // 19 success not boolean
      '{"tool":"read","duration_ms":3,"end_time":' + T0 + ',"tool":"write"}', // 20 duplicate key: JSON.parse keeps the last → fine
      '{"tool": "x", "duration_ms": 1e400, "end_time": ' + T0 + '}', // 21 Infinity
    ];
    writeFileSync(file, Buffer.concat(lines.map((l) => Buffer.concat([typeof l === 'string' ? Buffer.from(l) : l, Buffer.from('\n')]))));
    // A truncated tail: half a line, no newline.
    appendFileSync(file, call('z', 'read', 3).slice(0, 40));
    const s = ingestToolLogs([file], { dataDir: join(dir, 'data') });
    const byLine = Object.fromEntries(s.invalid.map((i) => [i.line, i.reason]));
    expect(Object.keys(byLine).map(Number)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 19, 21]);
    expect(byLine[2]).toMatch(/^invalid JSON/);
    expect(byLine[3]).toBe('not a JSON object (a array)');
    expect(byLine[4]).toBe('not a JSON object (a string)');
    expect(byLine[5]).toMatch(/^unknown format/);
    expect(byLine[6]).toMatch(/^negative duration_ms -3/);
    expect(byLine[7]).toMatch(/^absurd duration_ms/);
    expect(byLine[8]).toBe('missing duration_ms');
    expect(byLine[9]).toBe('missing end_time and timestamp');
    expect(byLine[10]).toBe('empty tool');
    expect(byLine[11]).toBe('tool is a number, expected a string');
    expect(byLine[12]).toBe('duration_ms is a string, expected a number');
    expect(byLine[13]).toMatch(/end_time 1767345511 is not epoch milliseconds/);
    expect(byLine[14]).toMatch(/^invalid JSON/);
    expect(byLine[19]).toMatch(/success is a string/);
    expect(byLine[21]).toMatch(/duration_ms is not finite/);
    // The truncated tail is neither a line nor invalid yet: it is left, counted, for the next ingest.
    expect(s.unterminatedBytes).toBe(40);
    expect(s.files[0]!.unterminatedBytes).toBe(40);
    expect(s.files[0]!.invalid).toBe(15);
    expect(s.invalidCount).toBe(15);
    expect(s.lines).toBe(21); // the truncated tail is not consumed
    expect(s.blank).toBe(1);
    // Every complete line is exactly one of: kept, duplicate, invalid, ignored, blank.
    expect(s.records + s.duplicates + s.invalidCount + s.ignored + s.blank).toBe(s.lines);
    expect(s.records).toBe(4); // a, g, h, and line 20
    expect(s.duplicates).toBe(1);
    // The cursor stops before the truncated tail, so completing it later is picked up.
    appendFileSync(file, call('z', 'read', 3).slice(40) + '\n');
    const again = ingestToolLogs([file], { dataDir: join(dir, 'data') });
    expect(again.files[0]!.state).toBe('grown');
    expect([again.lines, again.records, again.invalidCount]).toEqual([1, 1, 0]);
    const rows = toolTimingReport({ dataDir: join(dir, 'data'), sinceUs: null });
    expect(rows.map((r) => r.tool).sort()).toEqual(['bash', 'read', 'write', 'ツール😀']);
  });

  it('rejects a huge line without holding it, and goes on', () => {
    const dir = tmp();
    const file = join(dir, 'huge.jsonl');
    const huge = '{"tool":"read","pad":"' + 'x'.repeat(3 * 1024 * 1024) + '","duration_ms":1,"end_time":' + T0 + '}';
    writeFileSync(file, [call('1', 'read', 1), huge, call('2', 'read', 2), 'y'.repeat(200_000), call('3', 'edit', 3)].join('\n') + '\n');
    const s = ingestToolLogs([file], { dataDir: join(dir, 'data'), maxLineBytes: 100_000 });
    expect(s.invalid.map((i) => [i.line, i.reason])).toEqual([
      [2, 'line longer than 100000 bytes'],
      [4, 'line longer than 100000 bytes'],
    ]);
    expect(s.lines).toBe(5);
    expect(s.records).toBe(3);
  });

  it('survives pure random bytes', () => {
    const dir = tmp();
    const file = join(dir, 'random.bin');
    let x = 12345;
    const b = Buffer.alloc(2 * 1024 * 1024);
    for (let i = 0; i < b.length; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      b[i] = x >>> 24;
    }
    writeFileSync(file, b);
    const newlines = b.filter((c) => c === 10).length;
    const s = ingestToolLogs([file], { dataDir: join(dir, 'data'), maxInvalidListed: 50 });
    expect(s.records).toBe(0);
    expect(s.invalid.length).toBe(50); // listing is bounded …
    expect(s.invalidCount).toBeGreaterThan(newlines * 0.9); // … counting is not (blank lines excepted)
    expect(s.lines).toBe(newlines); // the unterminated tail is left for later
  });

  it('reads other formats through --map, with units and nested fields', () => {
    const dir = tmp();
    const file = join(dir, 'custom.jsonl');
    writeFileSync(
      file,
      [
        { name: 'search', t: { elapsed: 1500 }, at: '2026-01-02T09:00:00Z', ok: true, id: 'q1' },
        { name: 'search', t: { elapsed: 2500 }, at: '2026-01-02T09:00:01Z', ok: false, id: 'q2' },
        { name: 'search', t: { elapsed: 2500 }, at: '2026-01-02T09:00:01Z', ok: false, id: 'q2' },
        { name: 'fetch', t: {}, at: '2026-01-02T09:00:02Z' },
      ]
        .map((o) => JSON.stringify(o))
        .join('\n') + '\n',
    );
    const map = parseFieldMap('tool=name,duration=t.elapsed,unit=us,time=at,success=ok,call_id=id');
    const s = ingestToolLogs([file], { dataDir: join(dir, 'data'), map });
    expect([s.records, s.duplicates, s.invalidCount]).toEqual([2, 1, 1]);
    expect(s.invalid[0]).toMatchObject({ line: 4, reason: 'missing t.elapsed' });
    const [row] = toolTimingReport({ dataDir: join(dir, 'data'), sinceUs: null });
    expect(row).toMatchObject({ tool: 'search', count: 2, errors: 1, totalMs: 4, maxMs: 2.5 });
    expect(() => parseFieldMap('duration=x')).toThrow(/needs tool=FIELD/);
    expect(() => parseFieldMap('tool=a,duration=b,unit=parsecs')).toThrow(/unit must be/);
    expect(() => parseFieldMap('tool=a,wat=b,duration=c')).toThrow(/unknown key "wat"/);
  });
});

describe('call-id de-duplication window', () => {
  it('catches copies within the window and stays bounded', () => {
    const r = new RecentCallIds(1_000_000, 5000);
    expect(r.seen('a', 0)).toBe(false);
    expect(r.seen('a', 4000)).toBe(true); // 4 ms later: a copy
    expect(r.seen('a', 2_000_000)).toBe(false); // 2 s later: outside the window, a new call
    for (let i = 0; i < 100_000; i++) r.seen(`id${i}`, 3_000_000 + i);
    // Bounded by maxIds: the ring holds exactly that many.
    expect(r.size).toBeLessThanOrEqual(5000);
    expect(r.seen('id99999', 3_000_000 + 99_999)).toBe(true);
  });

  it('drops ids older than the window as time moves on', () => {
    const r = new RecentCallIds(1000, 1_000_000);
    for (let i = 0; i < 3000; i++) r.seen(`x${i}`, i * 10);
    expect([...r.entries()].every(([, end]) => end >= 29_990 - 1000)).toBe(true);
    expect(r.size).toBeLessThanOrEqual(101);
  });
});
