/**
 * SQLite LeaderElection: a single-row table holding the lease and the epoch. Every change runs in a
 * BEGIN IMMEDIATE transaction, so "is the lease free? then take it with epoch+1" is atomic across
 * processes. The epoch is persisted and only ever incremented: a process that opens the file later
 * continues the sequence, and reset() clears the leader but never the epoch (a fencing token must
 * never repeat while an old holder may still act on it).
 */
import type Database from 'better-sqlite3';
import type { WallClockMs } from '../options.js';
import type { Lease, LeaderElection } from '../ports.js';
import { checkLeaseTtl } from '../validate.js';
import type { SqliteConnection } from './connection.js';

interface ElectionRow {
  leader_id: string | null;
  epoch: number;
  acquired_at: number | null;
  expires_at: number | null;
}

export class SqliteLeaderElection implements LeaderElection {
  private readonly read: Database.Statement<[], ElectionRow>;
  private readonly write: Database.Statement;
  private readonly campaignTx: Database.Transaction<(candidateId: string, ttlMs: number) => Lease | null>;
  private readonly renewTx: Database.Transaction<(candidateId: string, epoch: number, ttlMs: number) => Lease | null>;
  private readonly resignTx: Database.Transaction<(candidateId: string, epoch: number) => boolean>;

  constructor(
    private readonly conn: SqliteConnection,
    private readonly now: WallClockMs,
  ) {
    const db = conn.db;
    this.read = db.prepare('SELECT leader_id, epoch, acquired_at, expires_at FROM election WHERE id = 1');
    this.write = db.prepare('UPDATE election SET leader_id = ?, epoch = ?, acquired_at = ?, expires_at = ? WHERE id = 1');

    this.campaignTx = db.transaction((candidateId: string, ttlMs: number) => {
      const t = this.now();
      const row = this.row();
      const live = liveLease(row, t);
      if (live && live.leaderId !== candidateId) return null;
      // The holder campaigning again keeps its epoch (it never lost leadership); anyone else gets epoch+1.
      const lease: Lease = live ? { ...live, expiresAt: t + ttlMs } : { leaderId: candidateId, epoch: row.epoch + 1, acquiredAt: t, expiresAt: t + ttlMs };
      this.write.run(lease.leaderId, lease.epoch, lease.acquiredAt, lease.expiresAt);
      return lease;
    });
    this.renewTx = db.transaction((candidateId: string, epoch: number, ttlMs: number) => {
      const t = this.now();
      const live = liveLease(this.row(), t);
      if (!live || live.leaderId !== candidateId || live.epoch !== epoch) return null;
      const lease: Lease = { ...live, expiresAt: t + ttlMs };
      this.write.run(lease.leaderId, lease.epoch, lease.acquiredAt, lease.expiresAt);
      return lease;
    });
    this.resignTx = db.transaction((candidateId: string, epoch: number) => {
      const row = this.row();
      const live = liveLease(row, this.now());
      if (!live || live.leaderId !== candidateId || live.epoch !== epoch) return false;
      this.write.run(null, row.epoch, null, null);
      return true;
    });
  }

  campaign(candidateId: string, ttlMs: number): Promise<Lease | null> {
    try {
      checkLeaseTtl(ttlMs);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return this.conn.withRetry('election.campaign', () => this.campaignTx.immediate(candidateId, ttlMs));
  }

  renew(candidateId: string, epoch: number, ttlMs: number): Promise<Lease | null> {
    try {
      checkLeaseTtl(ttlMs);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return this.conn.withRetry('election.renew', () => this.renewTx.immediate(candidateId, epoch, ttlMs));
  }

  resign(candidateId: string, epoch: number): Promise<boolean> {
    return this.conn.withRetry('election.resign', () => this.resignTx.immediate(candidateId, epoch));
  }

  current(): Promise<Lease | null> {
    return this.conn.withRetry('election.current', () => liveLease(this.row(), this.now()));
  }

  private row(): ElectionRow {
    const row = this.read.get();
    if (!row) throw new Error('sqlite backend: election row missing (schema not initialised)');
    return row;
  }
}

/** A lease lives while now < expires_at. */
function liveLease(row: ElectionRow, t: number): Lease | null {
  if (row.leader_id === null || row.expires_at === null || row.acquired_at === null || t >= row.expires_at) return null;
  return { leaderId: row.leader_id, epoch: row.epoch, acquiredAt: row.acquired_at, expiresAt: row.expires_at };
}
