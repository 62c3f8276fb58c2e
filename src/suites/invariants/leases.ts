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
import { checkFrom } from './common.js';

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

export function analyzeLeases(observations: readonly LeaseObservation[], ttlMs: number): LeaseAnalysis {
  const leadersByEpoch = new Map<number, Set<string>>();
  const tenures = new Map<number, Tenure>();
  const renewalEpochChanges: string[] = [];
  for (const o of observations) {
    const { lease } = o;
    if (lease.leaderId !== o.agentId) renewalEpochChanges.push(`${o.agentId} was handed a lease of ${lease.leaderId} (epoch ${lease.epoch})`);
    let leaders = leadersByEpoch.get(lease.epoch);
    if (!leaders) leadersByEpoch.set(lease.epoch, (leaders = new Set()));
    leaders.add(lease.leaderId);
    let t = tenures.get(lease.epoch);
    if (!t) {
      t = { epoch: lease.epoch, leaderId: lease.leaderId, acquiredAt: lease.acquiredAt, endsAt: lease.expiresAt, lastRenewalAt: lease.expiresAt - ttlMs, renewals: 0 };
      tenures.set(lease.epoch, t);
      if (o.kind === 'renewed') renewalEpochChanges.push(`renewal by ${o.agentId} returned epoch ${lease.epoch}, never acquired`);
    }
    if (o.kind === 'resigned') t.endsAt = Math.min(t.endsAt, o.atMs);
    else {
      if (o.kind === 'renewed') t.renewals++;
      if (lease.expiresAt > t.endsAt) t.endsAt = lease.expiresAt;
      t.lastRenewalAt = Math.max(t.lastRenewalAt, lease.expiresAt - ttlMs);
      t.acquiredAt = Math.min(t.acquiredAt, lease.acquiredAt);
    }
  }

  const oneLeader: string[] = [];
  for (const [epoch, leaders] of leadersByEpoch) if (leaders.size > 1) oneLeader.push(`epoch ${epoch} led by ${[...leaders].join(' and ')}`);

  const ordered = [...tenures.values()].sort((a, b) => a.epoch - b.epoch);
  const increasing: string[] = [...renewalEpochChanges];
  const overlaps: string[] = [];
  const failovers: Failover[] = [];
  for (let i = 1; i < ordered.length; i++) {
    const prev = ordered[i - 1] as Tenure;
    const next = ordered[i] as Tenure;
    if (next.acquiredAt < prev.acquiredAt) increasing.push(`epoch ${next.epoch} (${next.leaderId}) was granted ${prev.acquiredAt - next.acquiredAt} ms before epoch ${prev.epoch} (${prev.leaderId})`);
    if (next.acquiredAt < prev.endsAt) overlaps.push(`epoch ${next.epoch} (${next.leaderId}) acquired ${prev.endsAt - next.acquiredAt} ms before epoch ${prev.epoch} (${prev.leaderId}) expired`);
    failovers.push({ fromEpoch: prev.epoch, toEpoch: next.epoch, from: prev.leaderId, to: next.leaderId, failoverMs: next.acquiredAt - prev.lastRenewalAt });
  }
  const checks: CheckResult[] = [
    checkFrom('at most one leader per epoch', oneLeader, `${leadersByEpoch.size} epochs, one leader each`),
    checkFrom('epochs strictly increasing', increasing, `${ordered.length} leaderships, epochs increasing with time`),
    checkFrom('no two live leases overlap', overlaps, `${Math.max(0, ordered.length - 1)} hand-overs, each after the previous lease ended`),
  ];
  return { checks, tenures: ordered, failovers };
}
