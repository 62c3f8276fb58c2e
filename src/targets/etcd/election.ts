/**
 * etcd LeaderElection: one key (`lease`) changed only by transactions on its mod_revision, and the
 * EPOCH IS THE etcd REVISION of the write that took leadership — cluster-wide, strictly
 * increasing, never reused (deleting keys in reset() does not move it back). Renewals write the
 * epoch they keep. (etcd's own election API campaigns on an etcd lease kept alive in real time;
 * the port's leases expire on the caller's clock and renew with a fencing epoch, so the same
 * mechanism — a revision-checked key — is used directly.)
 */
import type { Namespace } from 'etcd3';
import type { WallClockMs } from '../options.js';
import type { Lease, LeaderElection } from '../ports.js';
import type { Counters } from '../remote/counters.js';
import { checkLeaseTtl } from '../validate.js';
import { read } from './kv.js';

const KEY = 'lease';

interface StoredLease {
  leaderId: string | null;
  /** null on the write that took leadership: that write's revision is the epoch. */
  epoch: number | null;
  acquiredAt: number;
  expiresAt: number;
}

type LiveLease = StoredLease & { leaderId: string; epoch: number };

export class EtcdLeaderElection implements LeaderElection {
  constructor(
    private readonly ns: Namespace,
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
      const written = await this.write(next, revision);
      if (written !== null) return { leaderId: candidateId, epoch: next.epoch ?? written, acquiredAt: next.acquiredAt, expiresAt: next.expiresAt };
      this.counters.retry('election.campaign');
    }
  }

  async renew(candidateId: string, epoch: number, ttlMs: number): Promise<Lease | null> {
    checkLeaseTtl(ttlMs);
    for (;;) {
      const t = this.now();
      const { lease, revision } = await this.read();
      if (!lease || t >= lease.expiresAt || lease.leaderId !== candidateId || lease.epoch !== epoch) return null;
      const next = { ...lease, expiresAt: t + ttlMs };
      if ((await this.write(next, revision)) !== null) return { leaderId: candidateId, epoch, acquiredAt: lease.acquiredAt, expiresAt: next.expiresAt };
      this.counters.retry('election.renew');
    }
  }

  async resign(candidateId: string, epoch: number): Promise<boolean> {
    for (;;) {
      const { lease, revision } = await this.read();
      if (!lease || this.now() >= lease.expiresAt || lease.leaderId !== candidateId || lease.epoch !== epoch) return false;
      if ((await this.write({ leaderId: null, epoch: null, acquiredAt: 0, expiresAt: 0 }, revision)) !== null) return true;
      this.counters.retry('election.resign');
    }
  }

  async current(): Promise<Lease | null> {
    const { lease } = await this.read();
    if (!lease || this.now() >= lease.expiresAt) return null;
    return { leaderId: lease.leaderId, epoch: lease.epoch, acquiredAt: lease.acquiredAt, expiresAt: lease.expiresAt };
  }

  private async read(): Promise<{ lease: LiveLease | null; revision: number }> {
    const got = await read<StoredLease>(this.ns, KEY);
    if (!got) return { lease: null, revision: 0 };
    const s = got.value;
    return { lease: s.leaderId === null ? null : { ...s, leaderId: s.leaderId, epoch: s.epoch ?? got.revision }, revision: got.revision };
  }

  /** The write's revision, or null when the key changed since `revision` (0: since it was missing). */
  private async write(lease: StoredLease, revision: number): Promise<number | null> {
    const txn = revision === 0 ? this.ns.if(KEY, 'Create', '==', 0) : this.ns.if(KEY, 'Mod', '==', revision);
    const res = await txn.then(this.ns.put(KEY).value(JSON.stringify(lease))).commit();
    return res.succeeded ? Number(res.header.revision) : null;
  }
}
