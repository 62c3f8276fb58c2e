/**
 * In-process LeaderElection: one lease and an epoch counter. The counter survives reset() — an
 * epoch is a fencing token and must never repeat while anyone may still hold an old one.
 */
import type { WallClockMs } from '../options.js';
import type { Lease, LeaderElection } from '../ports.js';
import { checkLeaseTtl } from '../validate.js';

export class MemoryLeaderElection implements LeaderElection {
  private lease: Lease | null = null;
  private lastEpoch = 0;
  constructor(private readonly now: WallClockMs) {}

  campaign(candidateId: string, ttlMs: number): Lease | null {
    checkLeaseTtl(ttlMs);
    const t = this.now();
    const live = this.live(t);
    if (live && live.leaderId !== candidateId) return null;
    if (live) {
      // The holder campaigning again keeps its epoch: it never lost leadership.
      live.expiresAt = t + ttlMs;
      return { ...live };
    }
    this.lease = { leaderId: candidateId, epoch: ++this.lastEpoch, acquiredAt: t, expiresAt: t + ttlMs };
    return { ...this.lease };
  }

  renew(candidateId: string, epoch: number, ttlMs: number): Lease | null {
    checkLeaseTtl(ttlMs);
    const t = this.now();
    const live = this.live(t);
    if (!live || live.leaderId !== candidateId || live.epoch !== epoch) return null;
    live.expiresAt = t + ttlMs;
    return { ...live };
  }

  resign(candidateId: string, epoch: number): boolean {
    const live = this.live(this.now());
    if (!live || live.leaderId !== candidateId || live.epoch !== epoch) return false;
    this.lease = null;
    return true;
  }

  current(): Lease | null {
    const live = this.live(this.now());
    return live ? { ...live } : null;
  }

  clearLease(): void {
    this.lease = null;
  }

  /** A lease lives while now < expiresAt. */
  private live(t: number): Lease | null {
    return this.lease && t < this.lease.expiresAt ? this.lease : null;
  }
}
