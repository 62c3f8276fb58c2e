/**
 * Raft for the real-transport host: builds the Raft server from the worker's data, restores its
 * term, vote and log from the node's file, writes each Ready's changes (fsync'ed with --real-fsync)
 * and reports leaders, applied entries and the final log to the parent for the safety checker.
 */
import { performance } from 'node:perf_hooks';
import { Rng } from '../../measure/rng.js';
import type { ProtocolNode, Ready } from '../protocol.js';
import { RaftNode } from '../raft/node.js';
import type { Entry } from '../raft/types.js';
import { RaftHost, type ServerReady } from '../raft-kv/server.js';
import { FilePersister } from './persist.js';

export interface RaftWorkerData {
  protocol: 'raft';
  id: number;
  members: number[];
  electionTimeoutUs: [number, number];
  heartbeatUs: number;
  preVote: boolean;
  checkQuorum: boolean;
  batch: boolean;
  maxEntriesPerAppend: number;
  seed: number;
  dataPath: string;
  fsync: boolean;
}

export type RaftReport =
  | { type: 'leader'; node: number; term: number; atUs: number; terms?: number[] }
  | { type: 'applied'; node: number; entries: Array<{ entry: Entry; atUs: number }> }
  | { type: 'dump'; node: number; entries: Entry[]; writes: number; writeUs: number };

/** What the real-transport host needs from a protocol beyond the ProtocolNode itself. */
export interface RealAdapter {
  node: ProtocolNode;
  /** Makes a Ready's state durable (before its afterPersist messages leave). */
  persist(r: Ready): void;
  /** The end-of-run report the parent's checkers read. */
  dump(): RaftReport;
}

export function raftAdapter(d: RaftWorkerData, post: (m: RaftReport) => void): RealAdapter {
  const persister = new FilePersister(d.dataPath, d.fsync);
  const node = new RaftNode(
    {
      id: d.id,
      members: d.members,
      electionTimeoutTicks: d.electionTimeoutUs,
      heartbeatTicks: d.heartbeatUs,
      preVote: d.preVote,
      checkQuorum: d.checkQuorum,
      batch: d.batch,
      maxEntriesPerAppend: d.maxEntriesPerAppend,
      // A restart draws new timeouts: seed from the time, like a real server would.
      rng: new Rng((d.seed ^ Math.floor(performance.now() * 1000)) >>> 0),
    },
    persister.load(),
  );
  let applied: Array<{ entry: Entry; atUs: number }> = [];
  const flushApplied = (): void => {
    if (applied.length === 0) return;
    post({ type: 'applied', node: d.id, entries: applied });
    applied = [];
  };
  const server = new RaftHost(node, {
    leaderElected: (id, term, atUs) => {
      const msg: RaftReport = { type: 'leader', node: id, term, atUs };
      if (node.log.lastIndex <= 20_000) msg.terms = node.log.all().map((e) => e.term);
      post(msg);
    },
    applied: (_id, entry, atUs) => {
      applied.push({ entry, atUs });
      if (applied.length === 1) setTimeout(flushApplied, 5);
    },
  });
  return {
    node: server,
    persist(r) {
      const p = (r as ServerReady).raft.persist;
      if (p) persister.write(p.hard, p.ops);
    },
    dump() {
      flushApplied();
      return { type: 'dump', node: d.id, entries: [...node.log.all()], writes: persister.writes, writeUs: persister.writeUs };
    },
  };
}
