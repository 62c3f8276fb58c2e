/**
 * Merges event streams from several sources (agents) into one stream in key order while the run
 * is under way, so a checker can consume every event without keeping the history. Each source sends
 * its events in non-decreasing key order, in batches, each with a watermark: a promise that none of
 * its later events will have a smaller key. An event is released once every open source has passed
 * its key; what is held is bounded by the sources' batch lag, not by the run's length.
 */
export interface Keyed {
  /** Ordering key (for the task checker: µs on the machine's monotonic clock). */
  key: number;
  /** Among equal keys, lower ranks go first. */
  rank: number;
}

interface Source<E> {
  queue: E[];
  /** Index of the next unreleased event in `queue`. */
  head: number;
  watermark: number;
}

export class OrderedMerge<E extends Keyed> {
  private readonly sources = new Map<string, Source<E>>();
  private held = 0;
  private maxHeld = 0;

  constructor(private readonly release: (event: E) => void) {}

  /** Declares a source before it sends anything, so nothing is released ahead of it. */
  open(source: string): void {
    if (!this.sources.has(source)) this.sources.set(source, { queue: [], head: 0, watermark: -Infinity });
  }

  /** A batch from `source` (keys non-decreasing, all ≥ its previous watermark) and its new watermark. */
  push(source: string, events: readonly E[], watermark: number): void {
    this.open(source);
    const s = this.sources.get(source) as Source<E>;
    for (const e of events) s.queue.push(e);
    this.held += events.length;
    if (this.held > this.maxHeld) this.maxHeld = this.held;
    s.watermark = Math.max(s.watermark, watermark);
    this.drain();
  }

  /** The source sends nothing more. */
  close(source: string): void {
    this.open(source);
    (this.sources.get(source) as Source<E>).watermark = Infinity;
    this.drain();
  }

  /** End of the run: releases everything still held, in key order (sources that never closed included). */
  finish(): void {
    for (const s of this.sources.values()) s.watermark = Infinity;
    this.drain();
  }

  /** Most events held at once (the merge's memory). */
  get peakHeld(): number {
    return this.maxHeld;
  }

  private drain(): void {
    let limit = Infinity;
    for (const s of this.sources.values()) if (s.watermark < limit) limit = s.watermark;
    for (;;) {
      let best: Source<E> | undefined;
      let bestEvent: E | undefined;
      for (const s of this.sources.values()) {
        const e = s.queue[s.head];
        if (e === undefined) continue;
        if (!bestEvent || e.key < bestEvent.key || (e.key === bestEvent.key && e.rank < bestEvent.rank)) {
          best = s;
          bestEvent = e;
        }
      }
      // Strictly below: a source at watermark W may still send an event keyed W that ranks first.
      if (!best || !bestEvent || bestEvent.key >= limit) break;
      best.head++;
      this.held--;
      if (best.head === best.queue.length) {
        best.queue = [];
        best.head = 0;
      } else if (best.head >= 4096 && best.head * 2 >= best.queue.length) {
        best.queue = best.queue.slice(best.head);
        best.head = 0;
      }
      this.release(bestEvent);
    }
  }
}
