/**
 * Call-id de-duplication with bounded memory.
 *
 * Several hook instances log the same call: the copies carry the same call id and end within
 * milliseconds of each other (in the real hyrm log at most 528 ms and 7 lines apart). So only the
 * recent ids need remembering: an id is kept while its call ended less than `windowUs` before the
 * newest call seen, and at most `maxIds` ids are kept (oldest dropped first). The first copy of a
 * call wins — it is the one whose end time is closest to the real end; later copies only add the
 * later hooks' own delay.
 *
 * The bound: memory is O(maxIds) (~100 B per id; 100 000 ids ≈ 10 MB). A copy that arrives more
 * than `windowUs` after the original, or after `maxIds` other calls, is counted as a new call.
 * The window is saved with the ingest cursor, so copies split across two ingests of a growing
 * file are still caught.
 */

export const DEFAULT_DEDUPE_WINDOW_US = 10 * 60_000_000; // 10 minutes
export const DEFAULT_DEDUPE_MAX_IDS = 100_000;

export class RecentCallIds {
  /** call id → end µs; Map iteration order is insertion order, i.e. (nearly) time order. */
  private readonly ids = new Map<string, number>();
  private newestUs = -Infinity;
  private insertsSinceEvict = 0;

  constructor(
    readonly windowUs = DEFAULT_DEDUPE_WINDOW_US,
    readonly maxIds = DEFAULT_DEDUPE_MAX_IDS,
  ) {}

  /** True when `id` was already seen within the window (a duplicate); otherwise remembers it. */
  seen(id: string, endUs: number): boolean {
    const prev = this.ids.get(id);
    if (prev !== undefined && Math.abs(endUs - prev) <= this.windowUs) return true;
    if (prev !== undefined) this.ids.delete(id);
    this.ids.set(id, endUs);
    if (endUs > this.newestUs) this.newestUs = endUs;
    // Evicting in batches keeps the per-call cost to a get and a set (an iterator per call shows
    // in profiles, and deleted Map entries are skipped on each iteration until a rehash); the
    // window may hold up to 1024 ids past its bound meanwhile.
    if (++this.insertsSinceEvict >= 1024) this.evict();
    return false;
  }

  /** True when `id` is remembered (without recording anything). */
  has(id: string): boolean {
    return this.ids.has(id);
  }

  get size(): number {
    return this.ids.size;
  }

  /** The ids still inside the window, for saving with the ingest cursor. */
  entries(): Array<[string, number]> {
    const horizon = this.newestUs - this.windowUs;
    const out: Array<[string, number]> = [];
    for (const [id, end] of this.ids) if (end >= horizon) out.push([id, end]);
    return out;
  }

  private evict(): void {
    this.insertsSinceEvict = 0;
    const horizon = this.newestUs - this.windowUs;
    for (const [id, end] of this.ids) {
      // Stop at the first id still inside the window: later ones are (nearly always) newer.
      if (this.ids.size <= this.maxIds && end >= horizon) break;
      this.ids.delete(id);
    }
  }
}
