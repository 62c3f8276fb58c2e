/**
 * What became of each of the numbered things one agent created, in 2 bits a number. An agent
 * names what it creates `<its id>/a<seq>` with seq dense from 0, so the fate of every one of them
 * fits in a bit array indexed by seq: a quarter of a byte per registration, where a set or list of
 * the id strings costs some 30–80 bytes each, so a long run's log stays small (one hour at a
 * thousand registrations a second is under 1 MB). The encoded form is plain JSON (a base64 string)
 * because reports travel over IPC and the control channel of remote agents.
 */

/** Fates, as the 2-bit codes stored. 0 is also what every seq not yet recorded reads as. */
export const SeqFate = {
  /** Live at the end, lost to a reaper, or never recorded: nothing expected of it by the checks. */
  other: 0,
  deregistered: 1,
  /** Registered and never heartbeated: it must be reaped. */
  abandoned: 2,
} as const;
export type SeqFate = (typeof SeqFate)[keyof typeof SeqFate];

/** The largest code in use; 3 is reserved, and rejected when decoding. */
const MAX_CODE = SeqFate.abandoned;
const SEQS_PER_BYTE = 4;
/** One past the largest seq accepted: keeps the byte array within what a JS array buffer allows. */
const MAX_SEQS = 2 ** 32;

/** The JSON form of a SeqFates: how many seqs it covers and their 2-bit codes, base64. */
export interface EncodedSeqFates {
  seqs: number;
  fates: string;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export class SeqFates {
  private bytes: Uint8Array;
  /** One past the highest seq ever set (what encode() covers). */
  private length = 0;
  private readonly counts = [0, 0, 0];

  constructor(initialSeqs = 64) {
    this.bytes = new Uint8Array(Math.max(1, Math.ceil(initialSeqs / SEQS_PER_BYTE)));
  }

  /** Seqs covered: one past the highest seq set. */
  get seqs(): number {
    return this.length;
  }

  /** Bytes held (the memory this record uses, apart from a fixed overhead). */
  get capacityBytes(): number {
    return this.bytes.length;
  }

  /** How many seqs have this fate (for `other`: of the seqs covered). */
  count(fate: SeqFate): number {
    return this.counts[fate] as number;
  }

  get(seq: number): SeqFate {
    checkSeq(seq);
    if (seq >= this.length) return SeqFate.other;
    return (((this.bytes[seq >>> 2] as number) >>> ((seq & 3) * 2)) & 3) as SeqFate;
  }

  set(seq: number, fate: SeqFate): void {
    checkSeq(seq);
    if (!Number.isInteger(fate) || fate < 0 || fate > MAX_CODE) throw new RangeError(`not a fate code: ${String(fate)}`);
    if (seq >= this.length) {
      this.ensureCapacity(seq + 1);
      // The seqs between the old end and this one were never recorded: they read as `other`.
      this.counts[SeqFate.other] = (this.counts[SeqFate.other] as number) + (seq + 1 - this.length);
      this.length = seq + 1;
    }
    const old = this.get(seq);
    const byte = seq >>> 2;
    const shift = (seq & 3) * 2;
    this.bytes[byte] = ((this.bytes[byte] as number) & ~(3 << shift)) | (fate << shift);
    this.counts[old] = (this.counts[old] as number) - 1;
    this.counts[fate] = (this.counts[fate] as number) + 1;
  }

  encode(): EncodedSeqFates {
    const used = this.bytes.subarray(0, Math.ceil(this.length / SEQS_PER_BYTE));
    return { seqs: this.length, fates: Buffer.from(used.buffer, used.byteOffset, used.byteLength).toString('base64') };
  }

  /** The record encode() wrote; anything else (wrong shape, bad base64, wrong size, a reserved code) throws. */
  static decode(value: unknown): SeqFates {
    if (typeof value !== 'object' || value === null) throw new TypeError('seq fates: expected an object { seqs, fates }');
    const { seqs, fates } = value as Partial<Record<keyof EncodedSeqFates, unknown>>;
    if (typeof seqs !== 'number' || !Number.isInteger(seqs) || seqs < 0 || seqs > MAX_SEQS) throw new TypeError(`seq fates: seqs must be an integer from 0 to ${MAX_SEQS}, got ${String(seqs)}`);
    if (typeof fates !== 'string' || !BASE64.test(fates)) throw new TypeError('seq fates: fates must be a base64 string');
    const bytes = new Uint8Array(Buffer.from(fates, 'base64'));
    const expected = Math.ceil(seqs / SEQS_PER_BYTE);
    if (bytes.length !== expected) throw new TypeError(`seq fates: ${seqs} seqs take ${expected} bytes, got ${bytes.length}`);
    const record = new SeqFates(0);
    record.bytes = bytes.length > 0 ? bytes : new Uint8Array(1);
    record.length = seqs;
    for (let seq = 0; seq < seqs; seq++) {
      const code = ((bytes[seq >>> 2] as number) >>> ((seq & 3) * 2)) & 3;
      if (code > MAX_CODE) throw new TypeError(`seq fates: seq ${seq} has the reserved code ${code}`);
      record.counts[code] = (record.counts[code] as number) + 1;
    }
    // Bits past the last seq are never written by encode(): set ones mean the record was not ours.
    if (seqs % SEQS_PER_BYTE !== 0 && (bytes[expected - 1] as number) >>> ((seqs % SEQS_PER_BYTE) * 2) !== 0) throw new TypeError('seq fates: bits set past the last seq');
    return record;
  }

  private ensureCapacity(seqs: number): void {
    const needed = Math.ceil(seqs / SEQS_PER_BYTE);
    if (needed <= this.bytes.length) return;
    // Doubling keeps growth amortised O(1) a seq; seqs are dense, so little of it goes unused.
    const grown = new Uint8Array(Math.max(needed, this.bytes.length * 2));
    grown.set(this.bytes);
    this.bytes = grown;
  }
}

function checkSeq(seq: number): void {
  if (!Number.isInteger(seq) || seq < 0 || seq >= MAX_SEQS) throw new RangeError(`not a seq: ${String(seq)}`);
}

const OWNED_ID = /^(.+)\/a(0|[1-9]\d{0,9})$/;

/** The owner agent and seq of an id `<owner>/a<seq>`, or undefined for an id of any other shape. */
export function parseOwnedId(id: string): { owner: string; seq: number } | undefined {
  const m = OWNED_ID.exec(id);
  if (!m) return undefined;
  const seq = Number(m[2]);
  return seq < MAX_SEQS ? { owner: m[1] as string, seq } : undefined;
}

/** The id an agent gives the seq-th thing it creates (the inverse of parseOwnedId). */
export function ownedId(owner: string, seq: number): string {
  return `${owner}/a${seq}`;
}
