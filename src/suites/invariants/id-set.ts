/**
 * Sets of task ids whose memory follows the live state of a run, not its length. Stores number
 * their tasks `task-<seq>` with increasing seqs, and a long run claims (or completes) almost every
 * seq eventually: kept as runs of consecutive seqs, a set of millions of ids is as many runs as
 * there are holes (tasks not yet claimed), which the queue bounds. Ids of any other shape (an
 * adapter with its own id scheme) fall back to a plain Set.
 */

/** Consecutive integers kept as sorted, disjoint, non-adjacent runs [start, end]. */
export class RunSet {
  private starts: number[] = [];
  private ends: number[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Runs held (the memory this set uses). */
  get runs(): number {
    return this.starts.length;
  }

  /** Members smaller than n. */
  countBelow(n: number): number {
    let total = 0;
    for (let i = 0; i < this.starts.length && (this.starts[i] as number) < n; i++) total += Math.min(this.ends[i] as number, n - 1) - (this.starts[i] as number) + 1;
    return total;
  }

  /** The runs, in order, as [start, end] pairs (a JSON-safe copy). */
  toRuns(): Array<[number, number]> {
    return this.starts.map((start, i) => [start, this.ends[i] as number]);
  }

  has(n: number): boolean {
    const i = this.runAtOrBefore(n);
    return i >= 0 && n <= (this.ends[i] as number);
  }

  /** Adds n; false if it was already present. */
  add(n: number): boolean {
    const last = this.starts.length - 1;
    // Fast path: seqs mostly arrive in increasing order, extending the last run.
    if (last >= 0 && n === (this.ends[last] as number) + 1) {
      this.ends[last] = n;
      this.count++;
      return true;
    }
    const i = this.runAtOrBefore(n);
    if (i >= 0 && n <= (this.ends[i] as number)) return false;
    const joinsPrev = i >= 0 && n === (this.ends[i] as number) + 1;
    const next = i + 1;
    const joinsNext = next < this.starts.length && n === (this.starts[next] as number) - 1;
    if (joinsPrev && joinsNext) {
      this.ends[i] = this.ends[next] as number;
      this.starts.splice(next, 1);
      this.ends.splice(next, 1);
    } else if (joinsPrev) this.ends[i] = n;
    else if (joinsNext) this.starts[next] = n;
    else {
      this.starts.splice(next, 0, n);
      this.ends.splice(next, 0, n);
    }
    this.count++;
    return true;
  }

  /** Index of the last run starting at or before n, or -1. */
  private runAtOrBefore(n: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.starts[mid] as number) <= n) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }
}

const SEQ_ID = /^task-([1-9]\d{0,14})$/;

/** Task ids: `task-<seq>` in a RunSet, anything else in a Set. */
export class TaskIdSet {
  private readonly seqs = new RunSet();
  private readonly other = new Set<string>();

  get size(): number {
    return this.seqs.size + this.other.size;
  }

  /** Entries held in memory (runs plus ids of other shapes). */
  get footprint(): number {
    return this.seqs.runs + this.other.size;
  }

  has(id: string): boolean {
    const m = SEQ_ID.exec(id);
    return m ? this.seqs.has(Number(m[1])) : this.other.has(id);
  }

  add(id: string): boolean {
    const m = SEQ_ID.exec(id);
    if (m) return this.seqs.add(Number(m[1]));
    if (this.other.has(id)) return false;
    this.other.add(id);
    return true;
  }
}
