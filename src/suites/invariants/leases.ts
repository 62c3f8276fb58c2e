/**
 * Leader-election invariants over every lease the agents observed (each acquisition and renewal,
 * as the store returned it), and the failover times they imply:
 *   - at most one leader per epoch;
 *   - epochs strictly increasing: a later leadership never carries a smaller or equal epoch;
 *   - no two live leases overlapping in time: a new leadership starts at or after the previous
 *     one's last expiry (or its resignation).
 * Lease times are the store's epoch milliseconds. A lease whose last renewal went unobserved (its
 * holder was killed) only looks shorter than it was, so overlaps are never invented.
 */
import type { Lease } from '../../targets/ports.js';
import type { CheckResult } from '../../core/result.js';
import { checkFromCount, Examples } from './common.js';

/** Violations described per check; the rest are counted. */
const EXAMPLES = 3;

export interface LeaseObservation {
  kind: 'acquired' | 'renewed' | 'resigned';
  agentId: string;
  lease: Lease;
  /** Wall ms when the call returned (for resigned: when the call started, the earliest it could take effect). */
  atMs: number;
}

export interface Tenure {
  epoch: number;
  leaderId: string;
  acquiredAt: number;
  /** Latest expiry seen for this leadership, or the resignation time. */
  endsAt: number;
  /** When the last renewal (or the acquisition) took effect: lastExpiry − ttl. */
  lastRenewalAt: number;
  renewals: number;
}

export interface Failover {
  fromEpoch: number;
  toEpoch: number;
  from: string;
  to: string;
  /** Last renewal of the old leader → the new leader holds a lease, ms. */
  failoverMs: number;
}

export interface LeaseAnalysis {
  checks: CheckResult[];
  tenures: Tenure[];
  failovers: Failover[];
}

/** One epoch as the tracker keeps it: its tenure, and any further leader it was handed to (a violation). */
interface EpochState {
  tenure: Tenure;
  /** Leaders of this epoch other than tenure.leaderId, in the order they were seen. */
  otherLeaders?: string[];
}

/**
 * Folds lease observations as they arrive: per epoch one tenure (the leaderships are the measurement
 * itself), and the violations seen on the way (counted, a few described), never the observations —
 * so its memory grows with leaderships, not with renewals. Order of arrival does not matter for the
 * tenures; analysis() can be taken at any time and returns copies.
 */
export class LeaseTracker {
  private readonly epochs = new Map<number, EpochState>();
  /** Renewals that handed back a lease of another holder or an epoch never acquired. */
  private readonly handedWrongLease = new Examples(EXAMPLES);

  constructor(private readonly ttlMs: number) {}

  feed(o: LeaseObservation): void {
    const { lease } = o;
    if (lease.leaderId !== o.agentId) this.handedWrongLease.add(() => `${o.agentId} was handed a lease of ${lease.leaderId} (epoch ${lease.epoch})`);
    let state = this.epochs.get(lease.epoch);
    if (!state) {
      const tenure = { epoch: lease.epoch, leaderId: lease.leaderId, acquiredAt: lease.acquiredAt, endsAt: lease.expiresAt, lastRenewalAt: lease.expiresAt - this.ttlMs, renewals: 0 };
      this.epochs.set(lease.epoch, (state = { tenure }));
      if (o.kind === 'renewed') this.handedWrongLease.add(() => `renewal by ${o.agentId} returned epoch ${lease.epoch}, never acquired`);
    } else if (lease.leaderId !== state.tenure.leaderId && !state.otherLeaders?.includes(lease.leaderId)) {
      (state.otherLeaders ??= []).push(lease.leaderId);
    }
    const t = state.tenure;
    if (o.kind === 'resigned') t.endsAt = Math.min(t.endsAt, o.atMs);
    else {
      if (o.kind === 'renewed') t.renewals++;
      if (lease.expiresAt > t.endsAt) t.endsAt = lease.expiresAt;
      t.lastRenewalAt = Math.max(t.lastRenewalAt, lease.expiresAt - this.ttlMs);
      t.acquiredAt = Math.min(t.acquiredAt, lease.acquiredAt);
    }
  }

  /** The live tenure of `epoch` (read-only: it still moves while observations arrive). */
  tenure(epoch: number): Readonly<Tenure> | undefined {
    return this.epochs.get(epoch)?.tenure;
  }

  analysis(): LeaseAnalysis {
    const oneLeader = new Examples(EXAMPLES);
    for (const [epoch, { tenure, otherLeaders }] of this.epochs) {
      if (otherLeaders) oneLeader.add(() => `epoch ${epoch} led by ${[tenure.leaderId, ...otherLeaders].join(' and ')}`);
    }
    const ordered = [...this.epochs.values()].map((s) => ({ ...s.tenure })).sort((a, b) => a.epoch - b.epoch);
    const outOfOrder = new Examples(EXAMPLES);
    const overlaps = new Examples(EXAMPLES);
    const failovers: Failover[] = [];
    for (let i = 1; i < ordered.length; i++) {
      const prev = ordered[i - 1] as Tenure;
      const next = ordered[i] as Tenure;
      if (next.acquiredAt < prev.acquiredAt) outOfOrder.add(() => `epoch ${next.epoch} (${next.leaderId}) was granted ${prev.acquiredAt - next.acquiredAt} ms before epoch ${prev.epoch} (${prev.leaderId})`);
      if (next.acquiredAt < prev.endsAt) overlaps.add(() => `epoch ${next.epoch} (${next.leaderId}) acquired ${prev.endsAt - next.acquiredAt} ms before epoch ${prev.epoch} (${prev.leaderId}) expired`);
      failovers.push({ fromEpoch: prev.epoch, toEpoch: next.epoch, from: prev.leaderId, to: next.leaderId, failoverMs: next.acquiredAt - prev.lastRenewalAt });
    }
    // The renewal anomalies are reported first, as they were seen, then the epochs out of time order.
    const increasing = [...this.handedWrongLease.items, ...outOfOrder.items].slice(0, EXAMPLES);
    const checks: CheckResult[] = [
      checkFromCount('at most one leader per epoch', oneLeader.count, oneLeader.items, `${this.epochs.size} epochs, one leader each`),
      checkFromCount('epochs strictly increasing', this.handedWrongLease.count + outOfOrder.count, increasing, `${ordered.length} leaderships, epochs increasing with time`),
      checkFromCount('no two live leases overlap', overlaps.count, overlaps.items, `${Math.max(0, ordered.length - 1)} hand-overs, each after the previous lease ended`),
    ];
    return { checks, tenures: ordered, failovers };
  }
}

/** The analysis of a whole list of observations at once (the tracker fed each in turn). */
export function analyzeLeases(observations: readonly LeaseObservation[], ttlMs: number): LeaseAnalysis {
  const tracker = new LeaseTracker(ttlMs);
  for (const o of observations) tracker.feed(o);
  return tracker.analysis();
}
