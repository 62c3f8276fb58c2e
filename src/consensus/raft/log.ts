/**
 * The replicated log: entries 1..lastIndex (index 0 is the empty prefix with term 0). No
 * compaction: runs are bounded, and keeping every entry is what lets the checkers compare logs.
 */
import type { Entry } from './types.js';

/** One change to the log, as the node hands it to storage: an append or a truncation. */
export type LogOp = { append: Entry } | { truncateFrom: number };

export class RaftLog {
  private readonly entries: Entry[];
  /** Changes not yet handed to storage (see RaftNode.ready); undefined = not recorded. */
  unstable: LogOp[] | undefined;

  constructor(entries: readonly Entry[] = []) {
    this.entries = [...entries];
  }

  get lastIndex(): number {
    return this.entries.length;
  }

  get lastTerm(): number {
    return this.entries.length === 0 ? 0 : (this.entries[this.entries.length - 1] as Entry).term;
  }

  /** Term of the entry at `index`; 0 for index 0; undefined past the end. */
  term(index: number): number | undefined {
    if (index === 0) return 0;
    return this.entries[index - 1]?.term;
  }

  entry(index: number): Entry | undefined {
    return this.entries[index - 1];
  }

  /** Entries lo..hi inclusive (clamped to the log). */
  slice(lo: number, hi: number): Entry[] {
    return this.entries.slice(Math.max(0, lo - 1), Math.min(this.entries.length, hi));
  }

  append(entry: Entry): void {
    if (entry.index !== this.entries.length + 1) throw new Error(`RaftLog: appending index ${entry.index} after ${this.entries.length}`);
    this.entries.push(entry);
    this.unstable?.push({ append: entry });
  }

  /** Drops entries from `index` on (a conflicting suffix). */
  truncateFrom(index: number): void {
    if (index > this.entries.length) return;
    this.entries.length = Math.max(0, index - 1);
    this.unstable?.push({ truncateFrom: index });
  }

  /** First index holding `term`, searching back from `from` (for fast backtracking hints). */
  firstIndexOfTerm(term: number, from: number): number {
    let i = from;
    while (i > 1 && this.entries[i - 2]?.term === term) i--;
    return i;
  }

  /** A read-only view for checkers. */
  all(): readonly Entry[] {
    return this.entries;
  }
}
