/** Incremental ingest: only new bytes, rotation (rename and copytruncate), replacement, and our own rotation. */
import { appendFileSync, existsSync, readFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingestToolLogs } from '../../src/timings/ingest.js';
import { appendWithRotation } from '../../src/timings/record.cjs';
import { toolTimingReport } from '../../src/timings/report.js';
import { tempDirsRemovedAfterAll } from '../helpers/temp-dirs.js';

const tmp = tempDirsRemovedAfterAll('swarmperf-timings-incr-');

const T0 = Date.UTC(2026, 0, 2, 9);
let seq = 0;
function lines(n: number, tool = 'read', copies = 1): string {
  let out = '';
  for (let i = 0; i < n; i++) {
    const id = `toolu_${++seq}`;
    const end = T0 + seq * 1000;
    for (let c = 0; c < copies; c++) out += JSON.stringify({ timestamp: new Date(end + c).toISOString(), session_id: 's1', tool, call_id: id, start_time: end - 5, end_time: end + c, duration_ms: 5 + c, success: true, category: 'file_ops' }) + '\n';
  }
  return out;
}
const count = (dataDir: string): number => toolTimingReport({ dataDir, sinceUs: null }).reduce((s, r) => s + r.count, 0);

describe('incremental ingest', () => {
  it('reads only the bytes appended since the last ingest, with absolute line numbers', () => {
    const dir = tmp();
    const data = join(dir, 'data');
    const log = join(dir, 'tool-timing.jsonl');
    writeFileSync(log, lines(100));
    const first = ingestToolLogs([log], { dataDir: data });
    const size1 = readFileSync(log).length;
    expect([first.files[0]!.state, first.records, first.files[0]!.toOffset]).toEqual(['new', 100, size1]);
    const added = lines(50) + 'garbage\n';
    appendFileSync(log, added);
    const second = ingestToolLogs([log], { dataDir: data });
    expect(second.files[0]).toMatchObject({ state: 'grown', fromOffset: size1, bytes: Buffer.byteLength(added), lines: 51, records: 50, invalid: 1 });
    expect(second.invalid[0]!.line).toBe(151);
    expect(count(data)).toBe(150);
  });

  it('catches duplicate copies split across two ingests (the window is saved)', () => {
    const dir = tmp();
    const data = join(dir, 'data');
    const log = join(dir, 'log.jsonl');
    const text = lines(10, 'bash', 4).split('\n');
    // Cut between the 1st and 2nd copy of the last call.
    writeFileSync(log, text.slice(0, 37).join('\n') + '\n');
    const a = ingestToolLogs([log], { dataDir: data });
    appendFileSync(log, text.slice(37).join('\n'));
    const b = ingestToolLogs([log], { dataDir: data });
    expect([a.records, a.duplicates, b.records, b.duplicates]).toEqual([10, 27, 0, 3]);
    expect(count(data)).toBe(10);
  });

  it('notices a renamed-away (rotated) file, reads the rest of the old one, then the new one', () => {
    const dir = tmp();
    const data = join(dir, 'data');
    const log = join(dir, 'tool-timing.jsonl');
    writeFileSync(log, lines(100));
    ingestToolLogs([log], { dataDir: data });
    appendFileSync(log, lines(20)); // written after our ingest, before rotation
    renameSync(log, `${log}.1`);
    writeFileSync(log, lines(30));
    const s = ingestToolLogs([log], { dataDir: data });
    expect(s.files.map((f) => [f.path, f.state, f.records])).toEqual([
      [`${log}.1`, 'grown', 20],
      [log, 'rotated', 30],
    ]);
    expect(count(data)).toBe(150);
    // Ingesting everything again, rotated file included, adds nothing.
    const again = ingestToolLogs([log, `${log}.1`], { dataDir: data });
    expect(again.records).toBe(0);
    expect(again.files.map((f) => f.state)).toEqual(['unchanged', 'unchanged']);
  });

  it('notices copytruncate and an in-place rewrite', () => {
    const dir = tmp();
    const data = join(dir, 'data');
    const log = join(dir, 'log.jsonl');
    writeFileSync(log, lines(40));
    ingestToolLogs([log], { dataDir: data });
    truncateSync(log, 0);
    appendFileSync(log, lines(5));
    const t = ingestToolLogs([log], { dataDir: data });
    expect([t.files[0]!.state, t.files[0]!.fromOffset, t.records]).toEqual(['truncated', 0, 5]);
    // Same inode, new content at least as long: the head hash gives it away.
    writeFileSync(log, lines(60));
    const r = ingestToolLogs([log], { dataDir: data });
    expect([r.files[0]!.state, r.records]).toEqual(['replaced', 60]);
    expect(count(data)).toBe(105);
  });

  it('loses nothing across our own size-based rotation', () => {
    const dir = tmp();
    const data = join(dir, 'data');
    const log = join(dir, 'hook.jsonl');
    let written = 0;
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 40; i++) {
        appendWithRotation(log, lines(1), 4000, 5);
        written++;
      }
      // As a user would: `swarmperf tools ingest hook.jsonl*` — between two ingests the log may
      // have rotated more than once, and a file nobody saw as hook.jsonl is only found this way.
      const all = [log, ...[1, 2, 3, 4, 5].map((i) => `${log}.${i}`)].filter((p) => existsSync(p));
      ingestToolLogs(all, { dataDir: data });
    }
    expect(existsSync(`${log}.1`)).toBe(true);
    expect(existsSync(`${log}.6`)).toBe(false);
    expect(readFileSync(log).length).toBeLessThanOrEqual(4000);
    expect(count(data)).toBe(written);
  });
});
