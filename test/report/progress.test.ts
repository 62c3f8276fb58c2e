import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ProgressUpdate } from '../../src/core/events.js';
import { createProgress, formatProgress } from '../../src/report/progress.js';

const update = (over: Partial<ProgressUpdate>): ProgressUpdate => ({
  label: 'tasks',
  elapsedUs: 1_000_000,
  totalCount: 1234,
  operations: [{ name: 'claim', count: 1234, errors: 0, dropped: 0, p99Us: 900 }],
  ...over,
});

function captured(): { stream: NodeJS.WriteStream; lines: () => string[] } {
  let text = '';
  const w = new Writable({
    write(chunk, _enc, cb) {
      text += String(chunk);
      cb();
    },
  });
  return { stream: Object.assign(w, { isTTY: false }) as unknown as NodeJS.WriteStream, lines: () => text.split('\n').filter((l) => l !== '') };
}

describe('progress line', () => {
  it('shows the ETA while measuring, and "finishing" (never "eta 0" or a negative ETA) past the planned end', () => {
    expect(formatProgress(update({ elapsedUs: 2_000_000, plannedUs: 10_000_000 }))).toMatch(/eta 8(\.0+)?\s?s/);
    const draining = formatProgress(update({ elapsedUs: 10_300_000, plannedUs: 10_000_000 }));
    expect(draining).toMatch(/finishing/);
    expect(draining).not.toMatch(/eta/);
    expect(draining).not.toMatch(/-\d/);
  });

  it('before the measured phase starts (warmup), says when measuring starts instead of a negative time', () => {
    const line = formatProgress(update({ elapsedUs: -700_000, plannedUs: 10_700_000, totalCount: 0, operations: [] }));
    expect(line).toMatch(/measuring starts in 700(\.0+)?\s?ms/);
    expect(line).not.toMatch(/-\d/);
    expect(line).not.toMatch(/eta/);
  });

  it('without a TTY, a run shorter than the print period still shows its real counts once it ends', () => {
    let now = 0;
    const { stream, lines } = captured();
    const p = createProgress({ quiet: false, stream, plainEveryMs: 5000, now: () => now });
    // First instant: nothing measured yet — no "0 ops" line.
    p.update(update({ elapsedUs: 0, totalCount: 0, operations: [] }));
    now = 1000;
    p.update(update({ elapsedUs: 1_000_000, totalCount: 5_000, operations: [{ name: 'claim', count: 5_000, errors: 0, dropped: 0, p99Us: 100 }] }));
    now = 1900;
    p.update(update({ elapsedUs: 1_900_000, totalCount: 9_731, operations: [{ name: 'claim', count: 9_731, errors: 0, dropped: 0, p99Us: 100 }] }));
    p.done();
    expect(lines()).toHaveLength(1);
    expect(lines()[0]).toMatch(/9731 ops/);
    expect(lines().join('\n')).not.toMatch(/ 0 ops/);
  });

  it('without a TTY, a long run prints once per period, and skips warmup lines', () => {
    let now = 0;
    const { stream, lines } = captured();
    const p = createProgress({ quiet: false, stream, plainEveryMs: 5000, now: () => now });
    p.update(update({ label: 'x (warmup)', elapsedUs: 500_000, totalCount: 10 }));
    for (let s = 1; s <= 12; s++) {
      now = s * 1000;
      p.update(update({ elapsedUs: s * 1_000_000, totalCount: s * 100 }));
    }
    p.done();
    expect(lines().map((l) => /(\d+) ops/.exec(l)?.[1])).toEqual(['500', '1000', '1200']);
  });
});
