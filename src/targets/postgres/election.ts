/**
 * PostgreSQL LeaderElection: one lease row (id = 1) with the epoch in it. Every operation is one
 * conditional UPDATE; the row lock serialises candidates, and under READ COMMITTED a waiting
 * UPDATE re-checks its WHERE against the row the winner committed — so exactly one candidate takes
 * a free lease, and the epoch only grows (reset() clears the holder, never the epoch).
 */
import type { Pool } from 'pg';
import type { WallClockMs } from '../options.js';
import type { Lease, LeaderElection } from '../ports.js';
import { checkLeaseTtl } from '../validate.js';

interface LeaseRow {
  leader_id: string;
  epoch: string;
  acquired_at: string;
  expires_at: string;
}

// The holder campaigning again keeps its epoch and acquiredAt; anyone taking a free (or expired) lease starts a new epoch.
const CAMPAIGN = `
  UPDATE election SET
    epoch = CASE WHEN leader_id = $1 AND expires_at > $2 THEN epoch ELSE epoch + 1 END,
    acquired_at = CASE WHEN leader_id = $1 AND expires_at > $2 THEN acquired_at ELSE $2 END,
    leader_id = $1, expires_at = $3
  WHERE id = 1 AND (leader_id IS NULL OR expires_at <= $2 OR leader_id = $1)
  RETURNING leader_id, epoch, acquired_at, expires_at`;

export class PostgresLeaderElection implements LeaderElection {
  constructor(
    private readonly pool: Pool,
    private readonly now: WallClockMs,
  ) {}

  async campaign(candidateId: string, ttlMs: number): Promise<Lease | null> {
    checkLeaseTtl(ttlMs);
    const t = this.now();
    return toLease((await this.pool.query<LeaseRow>(CAMPAIGN, [candidateId, t, t + ttlMs])).rows[0]);
  }

  async renew(candidateId: string, epoch: number, ttlMs: number): Promise<Lease | null> {
    checkLeaseTtl(ttlMs);
    const t = this.now();
    const { rows } = await this.pool.query<LeaseRow>(
      'UPDATE election SET expires_at = $4 WHERE id = 1 AND leader_id = $1 AND epoch = $2 AND expires_at > $3 RETURNING leader_id, epoch, acquired_at, expires_at',
      [candidateId, epoch, t, t + ttlMs],
    );
    return toLease(rows[0]);
  }

  async resign(candidateId: string, epoch: number): Promise<boolean> {
    const r = await this.pool.query(
      'UPDATE election SET leader_id = NULL, acquired_at = NULL, expires_at = NULL WHERE id = 1 AND leader_id = $1 AND epoch = $2 AND expires_at > $3',
      [candidateId, epoch, this.now()],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async current(): Promise<Lease | null> {
    const { rows } = await this.pool.query<LeaseRow>('SELECT leader_id, epoch, acquired_at, expires_at FROM election WHERE id = 1 AND leader_id IS NOT NULL AND expires_at > $1', [this.now()]);
    return toLease(rows[0]);
  }
}

function toLease(r: LeaseRow | undefined): Lease | null {
  return r ? { leaderId: r.leader_id, epoch: Number(r.epoch), acquiredAt: Number(r.acquired_at), expiresAt: Number(r.expires_at) } : null;
}
