/**
 * A Raft server around the pure state machine, as a `ProtocolNode` any host can run: the node, the
 * key-value store it drives, and the client requests waiting for their entries to apply. The same
 * server runs in the simulator and in a real worker thread; the host supplies time and disk.
 *
 * For each client command it stamps the phases of a commit at the leader — appended, replicated to
 * a majority, committed, applied — which the benchmarks report as a latency breakdown.
 *
 * It also keeps the image of what is durable (term, vote and log as of the last advanced Ready),
 * so a simulated crash can lose exactly the writes whose fsync had not completed.
 */
import type { Outbound, ProtocolNode, Ready } from '../protocol.js';
import { CLIENT_REPLY_BYTES, type ClientReply, type ClientRequest } from '../kv/messages.js';
import { KvStore, kvCommandBytes, type KvCommand } from '../kv/store.js';
import { RaftLog, type LogOp } from '../raft/log.js';
import type { HardState, PersistentState, RaftNode, RaftReady } from '../raft/node.js';
import { messageBytes, NONE, type Entry, type RaftMessage } from '../raft/types.js';

export type { ClientReply, ClientRequest, CommitPhases } from '../kv/messages.js';

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

/** The generic Ready plus the Raft Ready it came from (advance needs it back). */
export interface ServerReady extends Ready {
  raft: RaftReady;
}

/** Term, vote and log as last made durable. */
export class DurableImage {
  hard: HardState;
  entries: Entry[];
  constructor(p: PersistentState) {
    this.hard = { term: p.term, votedFor: p.votedFor };
    this.entries = [...p.log.all()];
  }
  apply(hard: HardState | undefined, ops: readonly LogOp[]): void {
    if (hard) this.hard = { ...hard };
    for (const op of ops) {
      if ('append' in op) {
        this.entries.length = Math.min(this.entries.length, op.append.index - 1);
        this.entries.push(op.append);
      } else this.entries.length = Math.min(this.entries.length, op.truncateFrom - 1);
    }
  }
  /** The state a node restarts with after a crash. */
  restore(): PersistentState {
    return { term: this.hard.term, votedFor: this.hard.votedFor, log: new RaftLog(this.entries) };
  }
}

export class RaftHost implements ProtocolNode {
  readonly kv = new KvStore();
  readonly durable: DurableImage;
  private readonly pending = new Map<number, Pending>();
  private wasLeader = false;
  private stampedReplicated = 0;
  private stampedCommitted = 0;
  private replyOut: ClientReply[] = [];

  constructor(
    readonly node: RaftNode,
    private readonly observer: HostObserver = {},
  ) {
    this.durable = new DurableImage(node.persistent);
  }

  get id(): number {
    return this.node.id;
  }

  tick(ticks: number, nowUs: number): void {
    this.node.tick(ticks);
    this.observe(nowUs);
  }

  ticksUntilTimer(): number {
    return this.node.ticksUntilTimer();
  }

  step(message: unknown, nowUs: number): void {
    const m = message as RaftMessage | ClientRequest;
    if (m.type === 'req') this.clientRequest(m, nowUs);
    else {
      this.node.step(m);
      this.observe(nowUs);
    }
  }

  leading(): { term: number } | undefined {
    return this.node.role === 'leader' ? { term: this.node.term } : undefined;
  }

  workUnits(message: unknown): number {
    const m = message as RaftMessage | ClientRequest;
    return m.type === 'append' ? m.entries.length : m.type === 'req' ? 1 : 0;
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
    this.observe(nowUs);
  }

  hasReady(): boolean {
    return this.replyOut.length > 0 || this.node.hasReady();
  }

  /**
   * Messages that depend on the write wait for it; a leader's appends go at once (they carry
   * entries the followers will make durable themselves), as do client replies (their entries are
   * committed, hence durable on a majority, already).
   */
  ready(nowUs: number): ServerReady {
    this.observe(nowUs);
    const raft = this.node.ready();
    const persist = raft.persist ? { bytes: persistBytes(raft.persist.hard, raft.persist.ops), entries: raft.persist.ops.length } : undefined;
    const now: Outbound[] = this.replyOut.map((r) => ({ to: r.client, toClient: true, message: r, bytes: CLIENT_REPLY_BYTES }));
    this.replyOut = [];
    const afterPersist: Outbound[] = [];
    for (const m of raft.messages) {
      const out = { to: m.to, message: m, bytes: messageBytes(m, kvCommandBytes) };
      if (persist === undefined || (m.type === 'append' && this.node.role === 'leader')) now.push(out);
      else afterPersist.push(out);
    }
    return { persist, now, afterPersist, raft };
  }

  advance(ready: Ready, nowUs: number): void {
    const raft = (ready as ServerReady).raft;
    if (raft.persist) this.durable.apply(raft.persist.hard, raft.persist.ops);
    this.node.advance(raft);
    this.applyCommitted(raft.committed, nowUs);
    this.observe(nowUs);
  }

  /** Leadership changes and the replicated/committed stamps of pending commands. */
  private observe(nowUs: number): void {
    const node = this.node;
    const isLeader = node.role === 'leader';
    if (isLeader && !this.wasLeader) {
      this.observer.leaderElected?.(node.id, node.term, nowUs);
      this.stampedReplicated = node.commitIndex;
      this.stampedCommitted = node.commitIndex;
    }
    this.wasLeader = isLeader;
    if (!isLeader || this.pending.size === 0) return;
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

  private applyCommitted(entries: readonly Entry[], nowUs: number): void {
    for (const e of entries) {
      const result = this.kv.apply(e.index, e.command);
      this.observer.applied?.(this.node.id, e, nowUs);
      const p = this.pending.get(e.index);
      if (!p) continue;
      this.pending.delete(e.index);
      const cmd = e.command as KvCommand | null;
      if (e.term === p.term && cmd !== null && cmd.client === p.client && cmd.seq === p.seq && result !== null) {
        const replicatedAt = p.replicatedAt ?? p.committedAt ?? nowUs;
        const committedAt = p.committedAt ?? nowUs;
        this.replyOut.push({ type: 'reply', client: p.client, seq: p.seq, ok: true, result, phases: { appendedAt: p.appendedAt, replicatedAt, committedAt, appliedAt: nowUs } });
      } else {
        this.replyOut.push({ type: 'reply', client: p.client, seq: p.seq, ok: false, error: 'lost' });
      }
    }
  }
}

/** Bytes of a durable write: a term/vote record and the appended entries. */
function persistBytes(hard: HardState | undefined, ops: readonly LogOp[]): number {
  let n = hard ? 16 : 0;
  for (const op of ops) n += 'append' in op ? 24 + kvCommandBytes(op.append.command) : 12;
  return n;
}

export { NONE };
