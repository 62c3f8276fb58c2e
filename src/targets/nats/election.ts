/**
 * NATS KV LeaderElection: the lease is one key (`lease`) written with create/update on its
 * revision, and the EPOCH IS THE KV REVISION of the write that took leadership. Revisions are the
 * bucket stream's sequence: strictly increasing, never reused — not even after reset(), which
 * purges the key but leaves the sequence where it was. Renewals write the epoch they keep.
 */
import type { KV } from '@nats-io/kv';
import type { WallClockMs } from '../options.js';
import type { Lease, LeaderElection } from '../ports.js';
import type { Counters } from '../remote/counters.js';
import { checkLeaseTtl } from '../validate.js';
import { getLive, isCasConflict } from './kv.js';

const KEY = 'lease';

/** `epoch: null` on the write that took leadership: that write's revision is the epoch. */
interface StoredLease {
  leaderId: string | null;
  epoch: number | null;
  acquiredAt: number;
  expiresAt: number;
}

export class NatsLeaderElection implements LeaderElection {
  constructor(
    private readonly kv: KV,
    private readonly now: WallClockMs,
    private readonly counters: Counters,
  ) {}

  async campaign(candidateId: string, ttlMs: number): Promise<Lease | null> {
    checkLeaseTtl(ttlMs);
    for (;;) {
      const t = this.now();
      const { lease, revision } = await this.read();
      if (lease && t < lease.expiresAt && lease.leaderId !== candidateId) return null;
      const keep = lease && t < lease.expiresAt; // the holder campaigning again keeps its epoch
      const next: StoredLease = keep
        ? { leaderId: candidateId, epoch: lease.epoch, acquiredAt: lease.acquiredAt, expiresAt: t + ttlMs }
        : { leaderId: candidateId, epoch: null, acquiredAt: t, expiresAt: t + ttlMs };
      try {
        const written = await this.write(next, revision);
        return { leaderId: candidateId, epoch: next.epoch ?? written, acquiredAt: next.acquiredAt, expiresAt: next.expiresAt };
      } catch (err) {
        if (!isCasConflict(err)) throw err;
        this.counters.retry('election.campaign');
      }
    }
  }

  async renew(candidateId: string, epoch: number, ttlMs: number): Promise<Lease | null> {
    checkLeaseTtl(ttlMs);
    for (;;) {
      const t = this.now();
      const { lease, revision } = await this.read();
      if (!lease || t >= lease.expiresAt || lease.leaderId !== candidateId || lease.epoch !== epoch) return null;
      const next: StoredLease = { ...lease, expiresAt: t + ttlMs };
      try {
        await this.write(next, revision);
        return { leaderId: candidateId, epoch, acquiredAt: lease.acquiredAt, expiresAt: next.expiresAt };
      } catch (err) {
        if (!isCasConflict(err)) throw err;
        this.counters.retry('election.renew');
      }
    }
  }

  async resign(candidateId: string, epoch: number): Promise<boolean> {
    for (;;) {
      const { lease, revision } = await this.read();
      if (!lease || this.now() >= lease.expiresAt || lease.leaderId !== candidateId || lease.epoch !== epoch) return false;
      try {
        await this.write({ leaderId: null, epoch: null, acquiredAt: 0, expiresAt: 0 }, revision);
        return true;
      } catch (err) {
        if (!isCasConflict(err)) throw err;
        this.counters.retry('election.resign');
      }
    }
  }

  async current(): Promise<Lease | null> {
    const { lease } = await this.read();
    if (!lease || this.now() >= lease.expiresAt) return null;
    return { leaderId: lease.leaderId as string, epoch: lease.epoch as number, acquiredAt: lease.acquiredAt, expiresAt: lease.expiresAt };
  }

  /** The lease with its epoch resolved (null when nobody holds one), and the key's revision (0: no key). */
  private async read(): Promise<{ lease: (StoredLease & { leaderId: string; epoch: number }) | null; revision: number }> {
    const entry = await getLive(this.kv, KEY);
    if (!entry) return { lease: null, revision: 0 };
    const stored = entry.json<StoredLease>();
    if (stored.leaderId === null) return { lease: null, revision: entry.revision };
    return { lease: { ...stored, leaderId: stored.leaderId, epoch: stored.epoch ?? entry.revision }, revision: entry.revision };
  }

  private write(lease: StoredLease, revision: number): Promise<number> {
    const json = JSON.stringify(lease);
    return revision === 0 ? this.kv.create(KEY, json) : this.kv.update(KEY, json, revision);
  }
}
