/**
 * Call-id de-duplication in a fixed amount of memory.
 *
 * Several hook instances log the same call: the copies carry the same call id and end within
 * milliseconds of each other (in the real hyrm log at most 528 ms and 7 lines apart). So only the
 * recent ids need remembering: an id is kept while its call ended less than `windowUs` before the
 * newest call seen, and at most `maxIds` ids are kept (oldest dropped first). The first copy of a
 * call wins — it is the one whose end time is closest to the real end; later copies only add the
 * later hooks' own delay.
 *
 * The bound: ids are kept as 64-bit hashes in typed arrays allocated once (a ring in insertion
 * order and an open-addressing index into it, ~30 B per id; 100 000 ids ≈ 3 MB), never as strings
 * or Map entries. A Map of id strings grew with the number of ids until its cap and made every id
 * survive V8's young generation: the ingest's peak RSS grew with the log (+16 MB from 50 to
 * 200 MB). The price is a false duplicate when two distinct ids in the window share a 64-bit hash:
 * for n calls against a window of w ids, probability ≤ n·w / 2⁶⁴ (1.4 · 10⁻⁹ for 257 k calls
 * against 100 000 ids). A copy that arrives more than `windowUs` after the original, or after
 * `maxIds` other calls, is counted as a new call. The window is saved with the ingest cursor (as
 * hashes, `#` + 16 hex digits), so copies split across two ingests of a growing file are still caught.
 */

export const DEFAULT_DEDUPE_WINDOW_US = 10 * 60_000_000; // 10 minutes
export const DEFAULT_DEDUPE_MAX_IDS = 100_000;

/** How a saved window entry spells a hashed id: not a call id any log format produces. */
const SAVED_HASH = /^#([0-9a-f]{8})([0-9a-f]{8})$/;

// The last hash computed (two 32-bit halves), so hashing allocates nothing.
let hashHi = 0;
let hashLo = 0;

/** A 64-bit hash of a string (cyrb53's mixing, both 32-bit lanes kept), into hashHi/hashLo. */
function hashId(id: string): void {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < id.length; i++) {
    const ch = id.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  hashHi = h2 >>> 0;
  hashLo = h1 >>> 0;
}

export class RecentCallIds {
  // The ring, in insertion order (≈ time order): slot → hash, end µs, still live.
  private readonly hi: Uint32Array;
  private readonly lo: Uint32Array;
  private readonly end: Float64Array;
  private readonly live: Uint8Array;
  private head = 0;
  private used = 0;
  private liveCount = 0;
  /** Open addressing (linear probing) from hash to ring slot; -1 is empty. */
  private readonly index: Int32Array;
  private readonly mask: number;
  private newestUs = -Infinity;

  constructor(
    readonly windowUs = DEFAULT_DEDUPE_WINDOW_US,
    readonly maxIds = DEFAULT_DEDUPE_MAX_IDS,
  ) {
    if (!Number.isInteger(maxIds) || maxIds < 1) throw new RangeError(`dedupe window: maxIds must be a positive integer, got ${maxIds}`);
    this.hi = new Uint32Array(maxIds);
    this.lo = new Uint32Array(maxIds);
    this.end = new Float64Array(maxIds);
    this.live = new Uint8Array(maxIds);
    // At most half full: short probe runs.
    let cap = 2;
    while (cap < maxIds * 2) cap *= 2;
    this.index = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
  }

  /** True when `id` was already seen within the window (a duplicate); otherwise remembers it. */
  seen(id: string, endUs: number): boolean {
    hashId(id);
    return this.seenHash(hashHi, hashLo, endUs);
  }

  /** True when `id` is remembered (without recording anything). */
  has(id: string): boolean {
    hashId(id);
    return this.find(hashHi, hashLo) >= 0;
  }

  /** Ids remembered. */
  get size(): number {
    return this.liveCount;
  }

  /** The ids still inside the window, oldest first, for saving with the ingest cursor (as hashes). */
  *entries(): Generator<[string, number]> {
    const horizon = this.newestUs - this.windowUs;
    for (let k = 0; k < this.used; k++) {
      const s = (this.head + k) % this.maxIds;
      if (this.live[s] === 1 && (this.end[s] as number) >= horizon) yield [`#${hex8(this.hi[s] as number)}${hex8(this.lo[s] as number)}`, this.end[s] as number];
    }
  }

  /** Takes back an entry saved by entries() (or a plain call id, as older stores saved them). */
  restore(key: string, endUs: number): void {
    const m = SAVED_HASH.exec(key);
    if (m) this.seenHash(parseInt(m[1] as string, 16), parseInt(m[2] as string, 16), endUs);
    else this.seen(key, endUs);
  }

  private seenHash(hi: number, lo: number, endUs: number): boolean {
    const at = this.find(hi, lo);
    if (at >= 0) {
      const slot = this.index[at] as number;
      if (Math.abs(endUs - (this.end[slot] as number)) <= this.windowUs) return true;
      // The same id long after: a new call; its old entry is forgotten.
      this.live[slot] = 0;
      this.liveCount--;
      this.removeAt(at);
    }
    if (endUs > this.newestUs) this.newestUs = endUs;
    this.evictOld();
    if (this.used === this.maxIds) this.evictHead();
    this.insert(hi, lo, endUs);
    return false;
  }

  /** Drops ids from the oldest end while they are forgotten or fell out of the window. */
  private evictOld(): void {
    const horizon = this.newestUs - this.windowUs;
    while (this.used > 0 && (this.live[this.head] === 0 || (this.end[this.head] as number) < horizon)) this.evictHead();
  }

  private evictHead(): void {
    const s = this.head;
    if (this.live[s] === 1) {
      this.removeAt(this.find(this.hi[s] as number, this.lo[s] as number));
      this.live[s] = 0;
      this.liveCount--;
    }
    this.head = (s + 1) % this.maxIds;
    this.used--;
  }

  private insert(hi: number, lo: number, endUs: number): void {
    const s = (this.head + this.used) % this.maxIds;
    this.hi[s] = hi;
    this.lo[s] = lo;
    this.end[s] = endUs;
    this.live[s] = 1;
    this.used++;
    this.liveCount++;
    let i = hi & this.mask;
    while (this.index[i] !== -1) i = (i + 1) & this.mask;
    this.index[i] = s;
  }

  /** The index position holding this hash, or -1. */
  private find(hi: number, lo: number): number {
    let i = hi & this.mask;
    for (;;) {
      const s = this.index[i] as number;
      if (s === -1) return -1;
      if (this.hi[s] === hi && this.lo[s] === lo) return i;
      i = (i + 1) & this.mask;
    }
  }

  /** Empties index position `at`, shifting later entries of its probe run back (no tombstones). */
  private removeAt(at: number): void {
    const index = this.index;
    const mask = this.mask;
    let gap = at;
    index[gap] = -1;
    for (let j = (gap + 1) & mask; ; j = (j + 1) & mask) {
      const s = index[j] as number;
      if (s === -1) return;
      const home = (this.hi[s] as number) & mask;
      // Entry j may fill the gap unless its home lies cyclically in (gap, j].
      const stays = gap <= j ? gap < home && home <= j : gap < home || home <= j;
      if (stays) continue;
      index[gap] = s;
      index[j] = -1;
      gap = j;
    }
  }
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}
