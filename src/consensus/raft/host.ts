/**
 * A Raft server around the pure state machine: the node, the key-value store it drives, and the
 * client requests waiting for their entries to apply. The same host runs in the simulator and in a
 * real worker thread; the caller supplies time (`nowUs`) and carries the outputs.
 *
 * For each client command it stamps the phases of a commit at the leader — appended, replicated to
 * a majority, committed, applied — which the benchmarks report as a latency breakdown.
 */
import { KvStore, type KvCommand, type KvOp, type KvResult } from './kv.js';
import type { RaftNode } from './node.js';
import type { Entry, RaftMessage } from './types.js';

export interface ClientRequest {
  type: 'req';
  client: number;
  seq: number;
  op: KvOp;
}

/**
 * When the leader appended the command, saw it stored on a majority, committed it (later than
 * "replicated" only when an earlier-term entry waits for a current-term one) and applied it. Times
 * are on the host's clock: virtual µs in the simulator, epoch µs in real mode (threads share it).
 */
export interface CommitPhases {
  appendedAt: number;
  replicatedAt: number;
  committedAt: number;
  appliedAt: number;
}

export interface ClientReply {
  type: 'reply';
  client: number;
  seq: number;
  ok: boolean;
  result?: KvResult;
  /** On failure: not-leader (with a hint) or lost (the entry was overwritten; retry). */
  error?: 'not-leader' | 'lost';
  leader?: number;
  phases?: CommitPhases;
}

export interface HostObserver {
  leaderElected?(node: number, term: number, atUs: number): void;
  applied?(node: number, entry: Entry, atUs: number): void;
}

interface Pending {
  client: number;
  seq: number;
  term: number;
  appendedAt: number;
  replicatedAt?: number;
  committedAt?: number;
}

export interface HostOutput {
  peer: RaftMessage[];
  replies: ClientReply[];
}

export class RaftHost {
  readonly kv = new KvStore();
  private readonly pending = new Map<number, Pending>();
  private wasLeader = false;
  private stampedReplicated = 0;
  private stampedCommitted = 0;
  private peerOut: RaftMessage[] = [];
  private replyOut: ClientReply[] = [];

  constructor(
    readonly node: RaftNode,
    private readonly observer: HostObserver = {},
  ) {}

  tick(ticks: number, nowUs: number): void {
    this.node.tick(ticks);
    this.process(nowUs);
  }

  step(m: RaftMessage, nowUs: number): void {
    this.node.step(m);
    this.process(nowUs);
  }

  clientRequest(req: ClientRequest, nowUs: number): void {
    const command: KvCommand = { ...req.op, client: req.client, seq: req.seq };
    const r = this.node.propose(command);
    if (!r.ok) {
      this.replyOut.push({ type: 'reply', client: req.client, seq: req.seq, ok: false, error: 'not-leader', leader: r.leader });
    } else {
      const old = this.pending.get(r.index);
      if (old) this.replyOut.push({ type: 'reply', client: old.client, seq: old.seq, ok: false, error: 'lost' });
      this.pending.set(r.index, { client: req.client, seq: req.seq, term: r.term, appendedAt: nowUs });
    }
    this.process(nowUs);
  }

  /** Outputs gathered since the last call. */
  drain(): HostOutput {
    const out = { peer: this.peerOut, replies: this.replyOut };
    this.peerOut = [];
    this.replyOut = [];
    return out;
  }

  private process(nowUs: number): void {
    const node = this.node;
    const isLeader = node.role === 'leader';
    if (isLeader && !this.wasLeader) {
      this.observer.leaderElected?.(node.id, node.term, nowUs);
      this.stampedReplicated = node.commitIndex;
      this.stampedCommitted = node.commitIndex;
    }
    this.wasLeader = isLeader;
    if (isLeader && this.pending.size > 0) {
      const qm = node.quorumMatchIndex();
      for (let i = this.stampedReplicated + 1; i <= qm; i++) {
        const p = this.pending.get(i);
        if (p && p.replicatedAt === undefined) p.replicatedAt = nowUs;
      }
      if (qm > this.stampedReplicated) this.stampedReplicated = qm;
      const ci = node.commitIndex;
      for (let i = this.stampedCommitted + 1; i <= ci; i++) {
        const p = this.pending.get(i);
        if (p && p.committedAt === undefined) p.committedAt = nowUs;
      }
      if (ci > this.stampedCommitted) this.stampedCommitted = ci;
    }
    const ready = node.ready();
    for (const m of ready.messages) this.peerOut.push(m);
    for (const e of ready.committed) {
      const result = this.kv.apply(e.index, e.command);
      this.observer.applied?.(node.id, e, nowUs);
      const p = this.pending.get(e.index);
      if (!p) continue;
      this.pending.delete(e.index);
      const cmd = e.command as KvCommand | null;
      if (e.term === p.term && cmd !== null && cmd.client === p.client && cmd.seq === p.seq && result !== null) {
        const replicatedAt = p.replicatedAt ?? p.committedAt ?? nowUs;
        const committedAt = p.committedAt ?? nowUs;
        this.replyOut.push({
          type: 'reply',
          client: p.client,
          seq: p.seq,
          ok: true,
          result,
          phases: { appendedAt: p.appendedAt, replicatedAt, committedAt, appliedAt: nowUs },
        });
      } else {
        this.replyOut.push({ type: 'reply', client: p.client, seq: p.seq, ok: false, error: 'lost' });
      }
    }
  }
}
