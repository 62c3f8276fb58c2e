/**
 * Message-bus invariant: every published message delivered to every subscriber of its topic.
 * Losses (never delivered), duplicates (delivered more than once) and phantoms (delivered but never
 * published) are counted per subscription; reordering is counted as a figure (the port promises
 * increasing sequence numbers, not an ordering of delivery).
 */
import type { CheckResult } from '../../core/result.js';
import { checkFrom } from './common.js';

export interface PublishedLog {
  topic: string;
  seqs: number[];
}

export interface SubscriptionLog {
  subscriberId: string;
  topic: string;
  /** Sequence numbers in the order they were delivered. */
  seqs: number[];
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

export function analyzeDeliveries(published: readonly PublishedLog[], subscriptions: readonly SubscriptionLog[], options: { duplicatesAllowed?: boolean } = {}): DeliveryAnalysis {
  const byTopic = new Map<string, Set<number>>();
  let publishedCount = 0;
  for (const p of published) {
    let set = byTopic.get(p.topic);
    if (!set) byTopic.set(p.topic, (set = new Set()));
    for (const s of p.seqs) set.add(s);
    publishedCount += p.seqs.length;
  }
  const lossViolations: string[] = [];
  const dupViolations: string[] = [];
  const phantomViolations: string[] = [];
  let expected = 0;
  let delivered = 0;
  let lost = 0;
  let duplicated = 0;
  let phantoms = 0;
  let reordered = 0;
  for (const sub of subscriptions) {
    const want = byTopic.get(sub.topic) ?? new Set<number>();
    expected += want.size;
    delivered += sub.seqs.length;
    const seen = new Set<number>();
    let dups = 0;
    let ghost = 0;
    for (let i = 0; i < sub.seqs.length; i++) {
      const s = sub.seqs[i] as number;
      if (i > 0 && s < (sub.seqs[i - 1] as number)) reordered++;
      if (seen.has(s)) dups++;
      else seen.add(s);
      if (!want.has(s)) ghost++;
    }
    let missing = 0;
    let firstMissing: number | undefined;
    for (const s of want) {
      if (!seen.has(s)) {
        missing++;
        if (firstMissing === undefined || s < firstMissing) firstMissing = s;
      }
    }
    lost += missing;
    duplicated += dups;
    phantoms += ghost;
    if (missing > 0) lossViolations.push(`${sub.subscriberId} missed ${missing} of ${want.size} messages on ${sub.topic} (first seq ${firstMissing})`);
    if (dups > 0) dupViolations.push(`${sub.subscriberId} got ${dups} duplicate deliveries on ${sub.topic}`);
    if (ghost > 0) phantomViolations.push(`${sub.subscriberId} got ${ghost} messages on ${sub.topic} that were never published`);
  }
  const checks: CheckResult[] = [
    checkFrom('every message delivered to every subscriber', lossViolations, `${expected} deliveries expected (${publishedCount} messages × their subscribers), none lost`),
    options.duplicatesAllowed && dupViolations.length > 0
      ? { name: 'no duplicate deliveries', passed: true, detail: `${duplicated} duplicates, allowed by the bus's at-least-once semantics` }
      : checkFrom('no duplicate deliveries', dupViolations, `${delivered} deliveries, no duplicates`),
    checkFrom('no phantom messages', phantomViolations, 'every delivered message was published'),
  ];
  return { checks, published: publishedCount, expectedDeliveries: expected, delivered, lost, duplicated, phantoms, reordered };
}
