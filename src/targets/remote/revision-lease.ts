/**
 * The LeaderElection of a server with revision-checked keys (etcd, NATS KV): the lease is one key
 * changed only by compare-and-set on its revision, and the EPOCH IS THE REVISION of the write that
 * took leadership — strictly increasing, never reused, even after a reset. Renewals write the epoch
 * they keep. Leases expire on the caller's clock (the port's contract), so neither server's own
 * lease/TTL machinery is used.
 */
import type { WallClockMs } from '../options.js';
import type { Lease, LeaderElection } from '../ports.js';
import { checkLeaseTtl } from '../validate.js';
import type { Counters } from './counters.js';

/** `epoch: null` on the write that took leadership: that write's revision is the epoch. */
export interface StoredLease {
  leaderId: string | null;
  epoch: number | null;
  acquiredAt: number;
  expiresAt: number;
}

/** The one key the lease lives in, as the server stores it. */
export interface LeaseCell {
  /** The stored lease and the key's revision (null and 0 when there is no key). */
  read(): Promise<{ stored: StoredLease | null; revision: number }>;
  /** The write's revision, or null when the key changed since `revision` (0: since it was missing). */
  write(lease: StoredLease, revision: number): Promise<number | null>;
}

type HeldLease = StoredLease & { leaderId: string; epoch: number };

const NO_LEASE: StoredLease = { leaderId: null, epoch: null, acquiredAt: 0, expiresAt: 0 };

export class RevisionLeaseElection implements LeaderElection {
  constructor(
    private readonly cell: LeaseCell,
    private readonly now: WallClockMs,
    private readonly counters: Counters,
  ) {}

  async campaign(candidateId: string, ttlMs: number): Promise<Lease | null> {
    checkLeaseTtl(ttlMs);
    for (;;) {
      const t = this.now();
      const { lease, revision } = await this.read();
      const live = lease && t < lease.expiresAt ? lease : null;
      if (live && live.leaderId !== candidateId) return null;
      const next: StoredLease = live
        ? { ...live, expiresAt: t + ttlMs } // the holder campaigning again keeps its epoch
        : { leaderId: candidateId, epoch: null, acquiredAt: t, expiresAt: t + ttlMs };
      const written = await this.cell.write(next, revision);
      if (written !== null) return { leaderId: candidateId, epoch: next.epoch ?? written, acquiredAt: next.acquiredAt, expiresAt: next.expiresAt };
      this.counters.retry('election.campaign');
    }
  }

  async renew(candidateId: string, epoch: number, ttlMs: number): Promise<Lease | null> {
    checkLeaseTtl(ttlMs);
    for (;;) {
      const t = this.now();
      const { lease, revision } = await this.read();
      if (!this.holds(lease, candidateId, epoch, t)) return null;
      const next = { ...lease, expiresAt: t + ttlMs };
      if ((await this.cell.write(next, revision)) !== null) return { leaderId: candidateId, epoch, acquiredAt: lease.acquiredAt, expiresAt: next.expiresAt };
      this.counters.retry('election.renew');
    }
  }

  async resign(candidateId: string, epoch: number): Promise<boolean> {
    for (;;) {
      const { lease, revision } = await this.read();
      if (!this.holds(lease, candidateId, epoch, this.now())) return false;
      if ((await this.cell.write(NO_LEASE, revision)) !== null) return true;
      this.counters.retry('election.resign');
    }
  }

  async current(): Promise<Lease | null> {
    const { lease } = await this.read();
    if (!lease || this.now() >= lease.expiresAt) return null;
    return { leaderId: lease.leaderId, epoch: lease.epoch, acquiredAt: lease.acquiredAt, expiresAt: lease.expiresAt };
  }

  private holds(lease: HeldLease | null, candidateId: string, epoch: number, t: number): lease is HeldLease {
    return lease !== null && t < lease.expiresAt && lease.leaderId === candidateId && lease.epoch === epoch;
  }

  /** The lease with its epoch resolved (null when nobody holds one), and the key's revision. */
  private async read(): Promise<{ lease: HeldLease | null; revision: number }> {
    const { stored, revision } = await this.cell.read();
    if (!stored || stored.leaderId === null) return { lease: null, revision };
    return { lease: { ...stored, leaderId: stored.leaderId, epoch: stored.epoch ?? revision }, revision };
  }
}
