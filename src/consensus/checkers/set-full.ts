/**
 * Set-full semantics (the idea of Jepsen's `set-full` checker, which Maelstrom's broadcast and
 * g-set workloads use), for a set that only grows: clients add elements and read the whole set,
 * each client at its own node; after the load, every node is read once more (the final reads).
 *
 * Per added element:
 *   known      when swarmperf knows it is in the set: the add was acknowledged, or a read
 *              returned it (an add with an unknown outcome can still become known)
 *   lost       known, yet missing from a final read of some node: the set forgot it
 *   stale      known, and some read that began after that missed it — but every final read has it
 *   stable     in every final read; its stable latency runs from the add's invocation to the
 *              start of the first read after which no read missed it
 *   never read no read began after it was known (nothing to say)
 *   unexpected a read returned it although its add failed definitely, or it was never added
 *
 * The verdict fails on lost and unexpected elements; stale ones are reported, not failed
 * (eventual consistency allows them), with the stable-latency percentiles.
 */

export interface SetAdd {
  element: number;
  callUs: number;
  /** Completion time for an acknowledged add. */
  okUs?: number;
  /** 'ok', 'fail' (definite: did not happen) or 'unknown' (indefinite). */
  outcome: 'ok' | 'fail' | 'unknown';
}

/** What one read returned: a bitset over the elements 0..n-1 that swarmperf added. */
export class ElementSet {
  private readonly bits: Uint8Array;
  constructor(elements: readonly number[], size: number) {
    this.bits = new Uint8Array(Math.ceil(size / 8));
    for (const e of elements) if (e >= 0 && e < size) (this.bits[e >> 3] as number) |= 1 << (e & 7);
  }
  has(e: number): boolean {
    return (((this.bits[e >> 3] ?? 0) >> (e & 7)) & 1) === 1;
  }
}

export interface SetRead {
  /** Which node was read (final reads: one per node). */
  node: string;
  callUs: number;
  retUs: number;
  elements: ElementSet;
  final: boolean;
}

export interface SetFullResult {
  added: number;
  acknowledged: number;
  lost: number[];
  /** Per lost element, the nodes whose final read missed it (first few). */
  lostAt: Map<number, string[]>;
  stale: number[];
  neverRead: number;
  /** Values reads returned that were never added, or whose add failed definitely (first ones). */
  unexpected: unknown[];
  stable: number;
  /** Stable latency of each stable element, µs, ascending. */
  stableLatenciesUs: number[];
  /** Nodes with a final read (a node still down at the end has none). */
  finalNodes: string[];
}

/**
 * `unexpected` comes from the caller, who sees each read's raw values: anything that is not an
 * element it added (or whose add failed definitely) is unexpected there and then. Time and memory
 * grow with adds × reads (bit tests), fine for the tens of thousands a run makes.
 */
export function checkSetFull(adds: readonly SetAdd[], reads: readonly SetRead[], unexpected: readonly unknown[] = []): SetFullResult {
  const sorted = [...reads].sort((a, b) => a.callUs - b.callUs);
  const finals = sorted.filter((r) => r.final);
  const r: SetFullResult = {
    added: adds.length,
    acknowledged: adds.filter((a) => a.outcome === 'ok').length,
    lost: [],
    lostAt: new Map(),
    stale: [],
    neverRead: 0,
    unexpected: [...unexpected],
    stable: 0,
    stableLatenciesUs: [],
    finalNodes: finals.map((f) => f.node),
  };
  for (const add of adds) {
    const e = add.element;
    let seen = Infinity;
    let lastMiss = -1;
    sorted.forEach((x, i) => {
      if (!x.elements.has(e)) lastMiss = i;
      else if (x.retUs < seen) seen = x.retUs;
    });
    if (add.outcome === 'fail') {
      if (seen !== Infinity) r.unexpected.push(e); // a definite failure that happened after all
      continue;
    }
    const known = Math.min(add.okUs ?? Infinity, seen);
    if (known === Infinity) continue; // indefinite and never seen: it may never have happened
    const after = sorted.filter((x) => x.callUs > known);
    if (after.length === 0) {
      r.neverRead++;
      continue;
    }
    const missedFinal = finals.filter((f) => !f.elements.has(e));
    if (missedFinal.length > 0) {
      r.lost.push(e);
      r.lostAt.set(e, missedFinal.slice(0, 5).map((f) => f.node));
      continue;
    }
    if (after.some((x) => !x.elements.has(e))) r.stale.push(e);
    // Stable from the first read after the last one that missed it (every read before the add
    // began misses it, so this is never earlier than the add).
    const stableRead = sorted[lastMiss + 1];
    if (stableRead === undefined) {
      r.neverRead++;
      continue;
    }
    r.stable++;
    r.stableLatenciesUs.push(Math.max(0, stableRead.callUs - add.callUs));
  }
  r.stableLatenciesUs.sort((a, b) => a - b);
  return r;
}
