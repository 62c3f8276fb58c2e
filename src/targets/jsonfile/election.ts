/**
 * jsonfile LeaderElection: orchestrator-state.json ({leader_id, leader_epoch, last_heartbeat,
 * ttl_ms}, the shape agent orchestrators write). The lease ends at last_heartbeat + ttl_ms; the
 * epoch stays in the file when the leader resigns or the store is reset, so it never repeats.
 */
import type { WallClockMs } from '../options.js';
import type { Lease, LeaderElection } from '../ports.js';
import { checkLeaseTtl } from '../validate.js';
import type { JsonDocuments, Versioned } from './documents.js';

export interface ElectionDoc extends Versioned {
  leader_id: string | null;
  leader_epoch: number;
  acquired_at: string | null;
  last_heartbeat: string | null;
  ttl_ms: number | null;
}

export const ELECTION_FILE = 'orchestrator-state.json';
const empty = (): ElectionDoc => ({ leader_id: null, leader_epoch: 0, acquired_at: null, last_heartbeat: null, ttl_ms: null, last_updated: new Date(0).toISOString(), lock_version: 0 });

function liveLease(doc: ElectionDoc, t: number): Lease | null {
  if (doc.leader_id === null || doc.last_heartbeat === null || doc.acquired_at === null || doc.ttl_ms === null) return null;
  const expiresAt = Date.parse(doc.last_heartbeat) + doc.ttl_ms;
  return t < expiresAt ? { leaderId: doc.leader_id, epoch: doc.leader_epoch, acquiredAt: Date.parse(doc.acquired_at), expiresAt } : null;
}

export class JsonLeaderElection implements LeaderElection {
  constructor(
    private readonly docs: JsonDocuments,
    private readonly now: WallClockMs,
  ) {}

  async campaign(candidateId: string, ttlMs: number): Promise<Lease | null> {
    checkLeaseTtl(ttlMs);
    return this.docs.update('election.campaign', ELECTION_FILE, empty, (doc) => {
      const t = this.now();
      const live = liveLease(doc, t);
      if (live && live.leaderId !== candidateId) return { result: null, changed: false };
      if (!live) {
        doc.leader_id = candidateId;
        doc.leader_epoch += 1;
        doc.acquired_at = new Date(t).toISOString();
      }
      doc.last_heartbeat = new Date(t).toISOString();
      doc.ttl_ms = ttlMs;
      return { result: liveLease(doc, t), changed: true };
    });
  }

  async renew(candidateId: string, epoch: number, ttlMs: number): Promise<Lease | null> {
    checkLeaseTtl(ttlMs);
    return this.docs.update('election.renew', ELECTION_FILE, empty, (doc) => {
      const t = this.now();
      const live = liveLease(doc, t);
      if (!live || live.leaderId !== candidateId || live.epoch !== epoch) return { result: null, changed: false };
      doc.last_heartbeat = new Date(t).toISOString();
      doc.ttl_ms = ttlMs;
      return { result: liveLease(doc, t), changed: true };
    });
  }

  resign(candidateId: string, epoch: number): Promise<boolean> {
    return this.docs.update('election.resign', ELECTION_FILE, empty, (doc) => {
      const live = liveLease(doc, this.now());
      if (!live || live.leaderId !== candidateId || live.epoch !== epoch) return { result: false, changed: false };
      clearLeader(doc);
      return { result: true, changed: true };
    });
  }

  current(): Promise<Lease | null> {
    return Promise.resolve(liveLease(this.docs.read(ELECTION_FILE, empty), this.now()));
  }

  /** reset(): drop the leader, keep the epoch. */
  clear(): Promise<void> {
    return this.docs.update('reset', ELECTION_FILE, empty, (doc) => {
      clearLeader(doc);
      return { result: undefined, changed: true };
    });
  }
}

function clearLeader(doc: ElectionDoc): void {
  doc.leader_id = null;
  doc.acquired_at = null;
  doc.last_heartbeat = null;
  doc.ttl_ms = null;
}
