/**
 * Message-bus invariant: every published message delivered to every subscriber of its topic.
 * Losses (never delivered), duplicates (delivered more than once) and phantoms (delivered but never
 * published: a number its publisher never sent or whose publish failed, or a message from another
 * topic or run) are counted per subscription; reordering is counted as a figure (the port promises
 * increasing sequence numbers, not an ordering of delivery).
 *
 * Publishers number their messages 0, 1, 2, … in the payload, so a topic's messages are a dense
 * range whatever sequence numbers the bus assigns (a NATS stream or an etcd revision counts across
 * topics). What a subscriber received is then a set of runs of consecutive numbers, held as long as
 * there are holes in it — in-flight and lost messages — not as long as the run: a subscriber's and a
 * publisher's memory and reports stay the same size in a 1-minute and a 1-hour run.
 */
import type { CheckResult } from '../../core/result.js';
import { checkFrom } from './common.js';
import { RunSet } from './id-set.js';

/** Runs of consecutive message numbers, [first, last], in increasing order and disjoint. */
export type Runs = Array<[number, number]>;

/** What a publisher reports of its topic. */
export interface PublicationSummary {
  topic: string;
  /** Messages it tried to publish, numbered 0 … attempted − 1. */
  attempted: number;
  /** Numbers whose publish call failed: not published as far as the publisher knows. */
  failed: Runs;
}

/** What a subscriber reports of one subscription. */
export interface SubscriptionSummary {
  subscriberId: string;
  topic: string;
  /** Data messages handed to the handler, duplicates and phantoms included. */
  delivered: number;
  /** Deliveries of a number it had already received. */
  duplicates: number;
  /** Deliveries whose bus sequence number was below the previous delivery's. */
  reordered: number;
  /** Deliveries that were not its publisher's messages (another topic or run, or unreadable). */
  foreign: number;
  /** The distinct numbers received. */
  received: Runs;
}

/** A publisher's count of what it sent, as messages go out. */
export class PublicationTracker {
  private attempted = 0;
  private readonly failed = new RunSet();

  constructor(readonly topic: string) {}

  /** The number of the next message (call once per publish attempt). */
  next(): number {
    return this.attempted++;
  }

  fail(n: number): void {
    this.failed.add(n);
  }

  get attemptedCount(): number {
    return this.attempted;
  }

  get failedCount(): number {
    return this.failed.size;
  }

  summary(): PublicationSummary {
    return { topic: this.topic, attempted: this.attempted, failed: this.failed.toRuns() };
  }
}

/** One subscription's deliveries, folded as they arrive. */
export class SubscriptionTracker {
  private readonly received = new RunSet();
  private delivered = 0;
  private duplicates = 0;
  private reordered = 0;
  private foreign = 0;
  private lastSeq = -Infinity;

  constructor(
    readonly subscriberId: string,
    readonly topic: string,
  ) {}

  /** Every delivery, data or not, in delivery order: reordering is judged on the bus's numbers. */
  sequence(seq: number): void {
    if (seq < this.lastSeq) this.reordered++;
    this.lastSeq = seq;
  }

  /** A data message: its publisher's number, or undefined when it is not this topic's publisher's. */
  data(n: number | undefined): void {
    this.delivered++;
    if (n === undefined || !Number.isSafeInteger(n) || n < 0) this.foreign++;
    else if (!this.received.add(n)) this.duplicates++;
  }

  /** Distinct numbers received below `attempted` (the drain waits for every published one). */
  receivedBelow(attempted: number): number {
    return this.received.countBelow(attempted);
  }

  summary(): SubscriptionSummary {
    return { subscriberId: this.subscriberId, topic: this.topic, delivered: this.delivered, duplicates: this.duplicates, reordered: this.reordered, foreign: this.foreign, received: this.received.toRuns() };
  }
}

export interface DeliveryAnalysis {
  checks: CheckResult[];
  published: number;
  expectedDeliveries: number;
  delivered: number;
  lost: number;
  duplicated: number;
  phantoms: number;
  reordered: number;
}

export function analyzeDeliveries(publications: readonly PublicationSummary[], subscriptions: readonly SubscriptionSummary[], options: { duplicatesAllowed?: boolean } = {}): DeliveryAnalysis {
  const byTopic = new Map(publications.map((p) => [p.topic, p]));
  const publishedCount = publications.reduce((s, p) => s + p.attempted - size(p.failed), 0);
  const lossViolations: string[] = [];
  const dupViolations: string[] = [];
  const phantomViolations: string[] = [];
  const totals = { expected: 0, delivered: 0, lost: 0, duplicated: 0, phantoms: 0, reordered: 0 };
  for (const sub of subscriptions) {
    const pub = byTopic.get(sub.topic) ?? { topic: sub.topic, attempted: 0, failed: [] };
    const s = judgeSubscription(pub, sub);
    totals.expected += s.wanted;
    totals.delivered += sub.delivered;
    totals.lost += s.missing;
    totals.duplicated += sub.duplicates;
    totals.phantoms += s.phantoms;
    totals.reordered += sub.reordered;
    if (s.missing > 0) lossViolations.push(`${sub.subscriberId} missed ${s.missing} of ${s.wanted} messages on ${sub.topic} (first #${s.firstMissing})`);
    if (sub.duplicates > 0) dupViolations.push(`${sub.subscriberId} got ${sub.duplicates} duplicate deliveries on ${sub.topic}`);
    if (s.phantoms > 0) phantomViolations.push(`${sub.subscriberId} got ${s.phantoms} messages on ${sub.topic} that were never published`);
  }
  const checks: CheckResult[] = [
    checkFrom('every message delivered to every subscriber', lossViolations, `${totals.expected} deliveries expected (${publishedCount} messages × their subscribers), none lost`),
    options.duplicatesAllowed && dupViolations.length > 0
      ? { name: 'no duplicate deliveries', passed: true, detail: `${totals.duplicated} duplicates, allowed by the bus's at-least-once semantics` }
      : checkFrom('no duplicate deliveries', dupViolations, `${totals.delivered} deliveries, no duplicates`),
    checkFrom('no phantom messages', phantomViolations, 'every delivered message was published'),
  ];
  return { checks, published: publishedCount, expectedDeliveries: totals.expected, delivered: totals.delivered, lost: totals.lost, duplicated: totals.duplicated, phantoms: totals.phantoms, reordered: totals.reordered };
}

/** One subscription against its topic's publisher: what it should have had, missed, and got that was never sent. */
function judgeSubscription(pub: PublicationSummary, sub: SubscriptionSummary): { wanted: number; missing: number; firstMissing: number | undefined; phantoms: number } {
  const range: Runs = pub.attempted > 0 ? [[0, pub.attempted - 1]] : [];
  const receivedInRange = intersectionSize(sub.received, range);
  const receivedFailed = intersectionSize(sub.received, pub.failed);
  const wanted = pub.attempted - size(pub.failed);
  return {
    wanted,
    missing: wanted - (receivedInRange - receivedFailed),
    firstMissing: firstAbsent(range, [sub.received, pub.failed]),
    // Never published: beyond the publisher's count, or a publish that failed, or not its publisher's at all.
    phantoms: sub.foreign + (size(sub.received) - receivedInRange) + receivedFailed,
  };
}

function size(runs: Runs): number {
  return runs.reduce((s, [a, b]) => s + b - a + 1, 0);
}

/** Members of both run lists (each sorted and disjoint): one pass over the two. */
export function intersectionSize(a: Runs, b: Runs): number {
  let i = 0;
  let j = 0;
  let total = 0;
  while (i < a.length && j < b.length) {
    const [a0, a1] = a[i] as [number, number];
    const [b0, b1] = b[j] as [number, number];
    const lo = Math.max(a0, b0);
    const hi = Math.min(a1, b1);
    if (lo <= hi) total += hi - lo + 1;
    if (a1 < b1) i++;
    else j++;
  }
  return total;
}

/** The smallest number of `within` in none of `covered` (each sorted and disjoint), or undefined. */
function firstAbsent(within: Runs, covered: readonly Runs[]): number | undefined {
  const next = covered.map(() => 0);
  for (const [lo, hi] of within) {
    let n = lo;
    // Each pass moves n past a run that covers it; the indices only move forward, so this is linear.
    for (let moved = true; moved && n <= hi; ) {
      moved = false;
      covered.forEach((runs, k) => {
        let i = next[k] as number;
        while (i < runs.length && (runs[i] as [number, number])[1] < n) i++;
        next[k] = i;
        const run = runs[i];
        if (run && run[0] <= n) {
          n = run[1] + 1;
          moved = true;
        }
      });
    }
    if (n <= hi) return n;
  }
  return undefined;
}
