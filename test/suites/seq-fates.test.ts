/** SeqFates: the 2-bit-per-seq record of what became of each agent a registry agent created. */
import { describe, expect, it } from 'vitest';
import { ownedId, parseOwnedId, SeqFate, SeqFates } from '../../src/suites/invariants/seq-fates.js';

const FATES = [SeqFate.other, SeqFate.deregistered, SeqFate.abandoned] as const;

/** A deterministic mix of fates: seq → fate, with runs and changes at every bit offset. */
const fateFor = (seq: number): SeqFate => FATES[(seq * 7 + (seq >> 3)) % 3] as SeqFate;

describe('SeqFates', () => {
  it('sets and gets each seq independently across byte boundaries', () => {
    const f = new SeqFates(4);
    for (let seq = 0; seq < 37; seq++) f.set(seq, fateFor(seq));
    for (let seq = 0; seq < 37; seq++) expect(f.get(seq)).toBe(fateFor(seq));
    // Overwriting one seq leaves its neighbours in the same byte and the next byte alone.
    f.set(3, SeqFate.abandoned);
    f.set(4, SeqFate.deregistered);
    expect([f.get(2), f.get(3), f.get(4), f.get(5)]).toEqual([fateFor(2), SeqFate.abandoned, SeqFate.deregistered, fateFor(5)]);
  });

  it('grows to any seq, reads unrecorded seqs as other, and keeps counts through overwrites', () => {
    const f = new SeqFates(1);
    f.set(10_001, SeqFate.deregistered);
    expect(f.seqs).toBe(10_002);
    expect(f.capacityBytes).toBeGreaterThanOrEqual(2501);
    expect(f.get(5_000)).toBe(SeqFate.other);
    expect(f.get(99_999)).toBe(SeqFate.other);
    f.set(7, SeqFate.abandoned);
    f.set(7, SeqFate.deregistered);
    expect([f.count(SeqFate.deregistered), f.count(SeqFate.abandoned), f.count(SeqFate.other)]).toEqual([2, 0, 10_000]);
  });

  it('holds 2 bits a seq: a million seqs in a quarter of a megabyte', () => {
    const f = new SeqFates();
    for (let seq = 0; seq < 1_000_000; seq++) f.set(seq, fateFor(seq));
    expect(f.capacityBytes).toBeLessThanOrEqual(2 * 250_000);
    expect(JSON.stringify(f.encode()).length).toBeLessThanOrEqual(Math.ceil((250_000 * 4) / 3) + 40);
  });

  it('round-trips through JSON, counts included', () => {
    for (const n of [0, 1, 3, 4, 5, 1000, 1003]) {
      const f = new SeqFates();
      for (let seq = 0; seq < n; seq++) f.set(seq, fateFor(seq));
      const back = SeqFates.decode(JSON.parse(JSON.stringify(f.encode())));
      expect(back.seqs).toBe(n);
      for (let seq = 0; seq < n + 5; seq++) expect(back.get(seq)).toBe(f.get(seq));
      for (const fate of FATES) expect(back.count(fate)).toBe(f.count(fate));
      // Decoded records keep growing like new ones.
      back.set(n + 9, SeqFate.abandoned);
      expect(back.get(n + 9)).toBe(SeqFate.abandoned);
    }
  });

  it.each([
    ['not an object', 'AAAA', /expected an object/],
    ['null', null, /expected an object/],
    ['a negative count', { seqs: -1, fates: '' }, /seqs must be an integer/],
    ['a fractional count', { seqs: 1.5, fates: 'AA==' }, /seqs must be an integer/],
    ['a missing fates string', { seqs: 4 }, /base64/],
    ['bad base64', { seqs: 4, fates: 'A*==' }, /base64/],
    ['too few bytes for the count', { seqs: 5, fates: 'AA==' }, /5 seqs take 2 bytes, got 1/],
    ['too many bytes for the count', { seqs: 1, fates: 'AAA=' }, /1 seqs take 1 bytes, got 2/],
    ['the reserved code 3', { seqs: 1, fates: 'Aw==' }, /reserved code 3/],
    ['bits set past the last seq', { seqs: 1, fates: 'BA==' }, /past the last seq/],
  ])('rejects %s', (_what, value, message) => {
    expect(() => SeqFates.decode(value)).toThrow(message);
  });

  it('rejects seqs and fates out of range', () => {
    const f = new SeqFates();
    expect(() => f.set(-1, SeqFate.deregistered)).toThrow(RangeError);
    expect(() => f.set(1.5, SeqFate.deregistered)).toThrow(RangeError);
    expect(() => f.set(0, 3 as SeqFate)).toThrow(/not a fate code/);
    expect(() => f.get(Number.NaN)).toThrow(RangeError);
  });
});

describe('owned ids', () => {
  it('parses what ownedId makes, owners with slashes included', () => {
    expect(parseOwnedId(ownedId('agent-3', 0))).toEqual({ owner: 'agent-3', seq: 0 });
    expect(parseOwnedId(ownedId('host/agent-1', 1234))).toEqual({ owner: 'host/agent-1', seq: 1234 });
  });

  it.each(['agent-3', 'agent-3/a', 'agent-3/a01', 'agent-3/b1', '/a1', 'agent-3/a1x', 'agent-3/a99999999999'])('is not an owned id: %s', (id) => {
    expect(parseOwnedId(id)).toBeUndefined();
  });
});
