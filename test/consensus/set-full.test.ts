/** The set-full checker on hand-made histories: each outcome planted once, and a clean history. */
import { describe, expect, it } from 'vitest';
import { checkSetFull, ElementSet, type SetAdd, type SetRead } from '../../src/consensus/checkers/set-full.js';

const read = (node: string, callUs: number, elements: number[], final = false): SetRead => ({ node, callUs, retUs: callUs + 5, elements: new ElementSet(elements, 10), final });

describe('checkSetFull', () => {
  it('a clean history: every element stable, latency from the add to the first read after the last miss', () => {
    const adds: SetAdd[] = [{ element: 0, callUs: 0, okUs: 10, outcome: 'ok' }];
    const r = checkSetFull(adds, [read('n1', 20, [0]), read('n2', 30, [0]), read('n1', 100, [0], true), read('n2', 100, [0], true)]);
    expect(r.lost).toEqual([]);
    expect(r.stale).toEqual([]);
    expect(r.unexpected).toEqual([]);
    expect(r.stable).toBe(1);
    expect(r.stableLatenciesUs).toEqual([20]);
  });

  it('lost (missing from a final read), stale (missed after known, then present), never read, unexpected', () => {
    const adds: SetAdd[] = [
      { element: 0, callUs: 0, okUs: 10, outcome: 'ok' }, // lost at n2
      { element: 1, callUs: 0, okUs: 10, outcome: 'ok' }, // stale: n2 missed it at 30, had it at the end
      { element: 2, callUs: 0, outcome: 'unknown' }, // never seen: may not have happened, nothing said
      { element: 3, callUs: 0, outcome: 'fail' }, // definitely failed, yet read: unexpected
      { element: 4, callUs: 200, okUs: 210, outcome: 'ok' }, // acknowledged after every read began
    ];
    const reads = [read('n1', 20, [0, 1, 3]), read('n2', 30, [0]), read('n1', 100, [0, 1], true), read('n2', 100, [1], true)];
    const r = checkSetFull(adds, reads);
    expect(r.lost).toEqual([0]);
    expect(r.lostAt.get(0)).toEqual(['n2']);
    expect(r.stale).toEqual([1]);
    expect(r.stableLatenciesUs).toEqual([100]);
    expect(r.unexpected).toEqual([3]);
    expect(r.neverRead).toBe(1);
    expect(r.acknowledged).toBe(3);
  });
});
