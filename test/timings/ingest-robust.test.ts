/**
 * Ingest robustness: a byte order mark, an over-long line still being written, the wrong file,
 * huge ids, and counts that always add up (every complete line is exactly one of kept, duplicate,
 * invalid, ignored or blank; an unterminated tail is none of them until it is complete).
 */
import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ingestToolLogs, type FileIngest, type IngestSummary } from '../../src/timings/ingest.js';
import { buildToolTimingReport } from '../../src/timings/report.js';
import { WRONG_FORMAT_FILE } from './fixtures.js';
import { runToolsCli } from './run-cli.js';
import { tempDirsRemovedAfterAll } from '../helpers/temp-dirs.js';

const tmp = tempDirsRemovedAfterAll('swarmperf-timings-robust-');

const T0 = Date.UTC(2026, 0, 2, 9);
const call = (id: string, tool = 'read', dur = 5, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ tool, call_id: id, end_time: T0, duration_ms: dur, success: true, session_id: 's', ...extra });

function expectCountsAgree(x: FileIngest | IngestSummary): void {
  const invalid = 'invalidCount' in x ? x.invalidCount : x.invalid;
  expect(x.lines).toBe(x.records + x.duplicates + invalid + x.ignored + x.blank);
}

describe('ingest robustness', () => {
  it('a UTF-8 byte order mark does not cost line 1', () => {
    const dir = tmp();
    const file = join(dir, 'bom.jsonl');
    writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${call('a')}\n${call('b')}\n`)]));
    const s = ingestToolLogs([file], { dataDir: join(dir, 'data') });
    expect([s.lines, s.records, s.invalidCount]).toEqual([2, 2, 0]);
    expectCountsAgree(s);
  });

  it('an over-long line without its newline keeps the read position before it; once ended it is one invalid line with its own number', () => {
    const dir = tmp();
    const file = join(dir, 'growing.jsonl');
    const head = `${call('a')}\n`;
    // 6 MB: longer than the 1 MiB line limit and than one 4 MiB read.
    const longStart = '{"tool":"read","pad":"' + 'x'.repeat(6 * 1024 * 1024);
    writeFileSync(file, head + longStart);
    const first = ingestToolLogs([file], { dataDir: join(dir, 'data') });
    expect([first.lines, first.records, first.invalidCount]).toEqual([1, 1, 0]);
    expect(first.unterminatedBytes).toBe(longStart.length);
    expect(first.files[0]!.toOffset).toBe(head.length);
    expectCountsAgree(first);
    // The writer finishes the line, then writes another.
    appendFileSync(file, `","duration_ms":1,"end_time":${T0}}\n${call('c')}\n`);
    const second = ingestToolLogs([file], { dataDir: join(dir, 'data') });
    expect(second.invalid.map((i) => [i.line, i.reason])).toEqual([[2, 'line longer than 1048576 bytes']]);
    expect([second.lines, second.records, second.invalidCount, second.unterminatedBytes]).toEqual([2, 1, 1, 0]);
    expect(second.files[0]!.toOffset).toBe(statSync(file).size);
    expectCountsAgree(second);
    const third = ingestToolLogs([file], { dataDir: join(dir, 'data') });
    expect([third.files[0]!.state, third.lines, third.invalidCount]).toEqual(['unchanged', 0, 0]);
  });

  it('long call and session ids are bounded in the store but stay distinct', () => {
    const dir = tmp();
    const file = join(dir, 'ids.jsonl');
    const longA = 'A'.repeat(900 * 1024);
    const longB = `${'A'.repeat(900 * 1024 - 1)}B`;
    writeFileSync(file, [call(longA, 'read', 9, { session_id: longA }), call(longB, 'read', 8, { session_id: longB }), call(longA, 'read', 9)].join('\n') + '\n');
    const dataDir = join(dir, 'data');
    const s = ingestToolLogs([file], { dataDir, maxLineBytes: 4 * 1024 * 1024 });
    expect([s.records, s.duplicates]).toEqual([2, 1]);
    const r = buildToolTimingReport({ dataDir, sinceUs: null, untilUs: (T0 + 1000) * 1000, by: 'session' });
    expect(r.rows).toHaveLength(2);
    for (const row of r.rows) expect(row.session!.length).toBeLessThanOrEqual(128);
    for (const c of r.slowest) expect(c.callId!.length).toBeLessThanOrEqual(128);
    expect(new Set(r.slowest.map((c) => c.callId)).size).toBe(2);
    expect(statSync(join(dataDir, 'tools.db')).size).toBeLessThan(1024 * 1024);
  });
});

describe('tools ingest of a file in no supported format', () => {
  let out = '';
  let err = '';
  beforeEach(() => {
    out = '';
    err = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((x: string | Uint8Array) => ((out += String(x)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((x: string | Uint8Array) => ((err += String(x)), true));
  });
  afterEach(() => vi.restoreAllMocks());

  it('exits 1 naming the expected formats, and its counts add up', async () => {
    const dir = tmp();
    const file = join(dir, 'registry.json');
    writeFileSync(file, readRegistry());
    expect(await runToolsCli(['tools', 'ingest', file, '--data-dir', dir])).toBe(1);
    expect(err).toMatch(/registry\.json: no tool calls in 24 lines \(24 invalid/);
    expect(err).toMatch(/tool-timing .*perf-metrics .*hook events .*--map/);
    // The summary's numbers agree: 24 complete lines, all invalid; the last "}" has no newline.
    expect(out).toMatch(/24 lines → 0 distinct calls kept, 0 duplicates dropped, 24 invalid lines/);
    expect(out).toMatch(/1B without a newline at the end, left for the next ingest/);
    out = '';
    expect(await runToolsCli(['tools', 'ingest', file, '--json', '--data-dir', join(dir, 'd2')])).toBe(1);
    const j = JSON.parse(out) as IngestSummary;
    expect([j.lines, j.records, j.invalidCount, j.blank, j.unterminatedBytes]).toEqual([24, 0, 24, 0, 1]);
    expectCountsAgree(j);
  });

  it('a log of only hook Pre events or blank lines is not an error', async () => {
    const dir = tmp();
    const file = join(dir, 'pre.jsonl');
    writeFileSync(file, `${JSON.stringify({ hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_use_id: 't1', timestamp: new Date(T0).toISOString() })}\n\n`);
    expect(await runToolsCli(['tools', 'ingest', file, '--data-dir', dir])).toBe(0);
    expect(out).toMatch(/2 lines → 0 distinct calls kept/);
  });
});

function readRegistry(): string {
  // The real agent registry of the same system (the file the README's example could be confused with).
  return readFileSync(WRONG_FORMAT_FILE, 'utf8');
}
