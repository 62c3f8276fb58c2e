/**
 * Raft as a pure state machine, in the etcd-io/raft style: `step(message)`, `tick(n)` and
 * `propose(command)` go in; messages to send and committed entries come out (`ready()`); there
 * is no I/O and no clock. The driver — the simulator or a real host — moves bytes and time.
 *
 * Time is counted in ticks. swarmperf's drivers use 1 tick = 1 µs and, instead of ticking every
 * microsecond, ask `ticksUntilTimer()` when the node next needs time and tick that much at once,
 * so timeouts are continuous (150–151 ms really means anything in between) and idle time is free.
 *
 * Persistent state (term, vote, log) lives in a `PersistentState` the driver keeps across a crash;
 * everything else is volatile and rebuilt on restart. Messages in `ready()` may only be sent once
 * the persistent state is durable — in the simulator a step is atomic, so that always holds.
 *
 * Implemented: randomized election timeouts, pre-vote (optional), leader lease on votes (a node
 * that hears from a live leader ignores disruptive vote requests), check-quorum (a leader that
 * loses its majority steps down), log replication with pipelining or batching, fast backtracking,
 * commitment (current-term entries only, §5.4.2), and a no-op entry per new leader.
 */
import type { Rng } from '../../measure/rng.js';
import { RaftLog } from './log.js';
import { NONE, type AppendRequest, type AppendResponse, type Entry, type RaftMessage, type RaftRole, type VoteRequest, type VoteResponse } from './types.js';

export interface RaftConfig {
  id: number;
  /** Every member, this node included. */
  members: readonly number[];
  /** Election timeout drawn uniformly from [min, max] ticks at each reset. */
  electionTimeoutTicks: readonly [number, number];
  heartbeatTicks: number;
  preVote?: boolean;
  checkQuorum?: boolean;
  /**
   * Batching: at most one append with entries in flight per follower; proposals that arrive
   * meanwhile go out together when it is acknowledged. Off: every proposal is sent at once, on
   * its own (pipelined).
   */
  batch?: boolean;
  maxEntriesPerAppend?: number;
  rng: Rng;
}

export interface PersistentState {
  term: number;
  votedFor: number;
  log: RaftLog;
}

export function newPersistentState(): PersistentState {
  return { term: 0, votedFor: NONE, log: new RaftLog() };
}

export interface Ready {
  messages: RaftMessage[];
  committed: Entry[];
}

export type ProposeResult = { ok: true; index: number; term: number } | { ok: false; leader: number };

export class RaftNode {
  readonly id: number;
  readonly members: readonly number[];
  readonly quorum: number;
  protected readonly p: PersistentState;
  protected roleValue: RaftRole = 'follower';
  protected leaderValue = NONE;
  protected commit = 0;
  private handedOut = 0;
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedTimeout = 0;
  private readonly votes = new Map<number, boolean>();
  private readonly nextIndex = new Map<number, number>();
  private readonly matchIndex = new Map<number, number>();
  private readonly inflight = new Map<number, number>();
  private readonly probing = new Map<number, boolean>();
  private readonly probePrev = new Map<number, number>();
  private readonly recentActive = new Map<number, boolean>();
  private readonly ackedSinceBeat = new Map<number, boolean>();
  private msgs: RaftMessage[] = [];
  private readonly preVote: boolean;
  private readonly checkQuorum: boolean;
  private readonly batch: boolean;
  private readonly maxEntries: number;
  private readonly peers: number[];

  constructor(
    protected readonly config: RaftConfig,
    persistent: PersistentState = newPersistentState(),
  ) {
    this.id = config.id;
    this.members = config.members;
    this.peers = config.members.filter((m) => m !== config.id);
    this.quorum = Math.floor(config.members.length / 2) + 1;
    this.p = persistent;
    this.preVote = config.preVote ?? false;
    this.checkQuorum = config.checkQuorum ?? true;
    this.batch = config.batch ?? true;
    this.maxEntries = config.maxEntriesPerAppend ?? 256;
    const [lo, hi] = config.electionTimeoutTicks;
    if (!(lo > 0 && hi >= lo)) throw new Error('RaftNode: election timeout must be positive and min <= max');
    if (!(config.heartbeatTicks > 0)) throw new Error('RaftNode: heartbeat must be positive');
    this.resetElectionTimer();
  }

  // ── Read-only state for drivers and checkers ────────────────────────────────────────────
  get role(): RaftRole {
    return this.roleValue;
  }
  get term(): number {
    return this.p.term;
  }
  get votedFor(): number {
    return this.p.votedFor;
  }
  get leader(): number {
    return this.leaderValue;
  }
  get commitIndex(): number {
    return this.commit;
  }
  get log(): RaftLog {
    return this.p.log;
  }
  get persistent(): PersistentState {
    return this.p;
  }

  /** Highest index stored on a majority (leader only; 0 elsewhere) — "replicated", whether or not committable yet. */
  quorumMatchIndex(): number {
    if (this.roleValue !== 'leader') return 0;
    const m = this.members.map((id) => (id === this.id ? this.p.log.lastIndex : (this.matchIndex.get(id) ?? 0)));
    m.sort((a, b) => b - a);
    return m[this.quorum - 1] as number;
  }

  // ── Inputs ──────────────────────────────────────────────────────────────────────────────
  /** Advances logical time by `n` ticks, firing every timer that falls due on the way. */
  tick(n = 1): void {
    let left = n;
    while (left > 0) {
      const step = Math.min(left, this.ticksUntilTimer());
      left -= step;
      if (this.roleValue === 'leader') {
        this.heartbeatElapsed += step;
        this.electionElapsed += step;
        if (this.electionElapsed >= this.config.electionTimeoutTicks[0]) {
          this.electionElapsed = 0;
          if (this.checkQuorum && !this.quorumActive()) {
            this.becomeFollower(this.p.term, NONE);
            continue;
          }
        }
        if (this.heartbeatElapsed >= this.config.heartbeatTicks) {
          this.heartbeatElapsed = 0;
          this.broadcastHeartbeat();
        }
      } else {
        this.electionElapsed += step;
        if (this.electionElapsed >= this.randomizedTimeout) this.hup();
      }
    }
  }

  /** Ticks until the next timer would fire (the driver may sleep that long). */
  ticksUntilTimer(): number {
    if (this.roleValue === 'leader') {
      const hb = this.config.heartbeatTicks - this.heartbeatElapsed;
      const cq = this.config.electionTimeoutTicks[0] - this.electionElapsed;
      return Math.max(1, Math.min(hb, cq));
    }
    return Math.max(1, this.randomizedTimeout - this.electionElapsed);
  }

  /** Starts an election now (as if the timeout fired). */
  campaignNow(): void {
    if (this.roleValue !== 'leader') this.hup();
  }

  /** Appends a client command if this node leads. */
  propose(command: unknown): ProposeResult {
    if (this.roleValue !== 'leader') return { ok: false, leader: this.leaderValue };
    const entry: Entry = { term: this.p.term, index: this.p.log.lastIndex + 1, command };
    this.p.log.append(entry);
    if (this.members.length === 1) this.maybeCommit();
    for (const f of this.peers) {
      if (this.canSend(f)) this.sendAppend(f);
    }
    return { ok: true, index: entry.index, term: entry.term };
  }

  step(m: RaftMessage): void {
    if (m.to !== this.id) return;
    const t = this.p.term;
    if (m.term > t) {
      if (m.type === 'vote') {
        // Leader lease: a node that heard from a live leader within the minimum timeout ignores
        // vote requests, so a partitioned node coming back cannot depose a healthy leader.
        if (this.checkQuorum && this.leaderValue !== NONE && this.electionElapsed < this.config.electionTimeoutTicks[0]) return;
        if (!m.pre) this.becomeFollower(m.term, NONE);
      } else if (m.type === 'voteResp' && m.pre && m.granted) {
        // A granted pre-vote carries the future term; our term moves only when we campaign.
      } else {
        this.becomeFollower(m.term, m.type === 'append' ? m.from : NONE);
      }
    } else if (m.term < t) {
      // Tell a stale leader or pre-candidate about the newer term so it steps down.
      if (m.type === 'append') this.send({ type: 'appendResp', from: this.id, to: m.from, term: t, success: false, index: m.prevIndex, hint: this.p.log.lastIndex });
      else if (m.type === 'vote' && m.pre) this.send({ type: 'voteResp', from: this.id, to: m.from, term: t, granted: false, pre: true });
      return;
    }
    switch (m.type) {
      case 'vote':
        this.handleVote(m);
        return;
      case 'voteResp':
        this.handleVoteResponse(m);
        return;
      case 'append':
        this.handleAppend(m);
        return;
      case 'appendResp':
        this.handleAppendResponse(m);
        return;
    }
  }

  /** Messages to send and entries newly committed since the last call (etcd's Ready + Advance). */
  ready(): Ready {
    const messages = this.msgs;
    this.msgs = [];
    let committed: Entry[] = [];
    if (this.commit > this.handedOut) {
      committed = this.p.log.slice(this.handedOut + 1, this.commit);
      this.handedOut = this.commit;
    }
    return { messages, committed };
  }

  hasReady(): boolean {
    return this.msgs.length > 0 || this.commit > this.handedOut;
  }

  // ── Elections ───────────────────────────────────────────────────────────────────────────
  private hup(): void {
    this.campaign(this.preVote);
  }

  private campaign(pre: boolean): void {
    if (pre) {
      this.roleValue = 'precandidate';
      this.leaderValue = NONE;
      this.resetElectionTimer();
      this.votes.clear();
    } else {
      this.becomeCandidate();
    }
    const term = pre ? this.p.term + 1 : this.p.term;
    this.votes.set(this.id, true);
    if (this.tallyWon()) {
      if (pre) this.campaign(false);
      else this.becomeLeader();
      return;
    }
    for (const peer of this.peers) {
      this.send({ type: 'vote', from: this.id, to: peer, term, lastLogIndex: this.p.log.lastIndex, lastLogTerm: this.p.log.lastTerm, pre });
    }
  }

  /** Whether to grant a vote; protected so tests can plant a faulty rule and watch the checkers catch it. */
  protected canGrantVote(m: VoteRequest): boolean {
    const canVote = this.p.votedFor === m.from || (this.p.votedFor === NONE && this.leaderValue === NONE) || (m.pre && m.term > this.p.term);
    return canVote && this.logUpToDate(m.lastLogIndex, m.lastLogTerm);
  }

  protected logUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.p.log.lastTerm;
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.p.log.lastIndex);
  }

  private handleVote(m: VoteRequest): void {
    const granted = this.canGrantVote(m);
    if (granted && !m.pre) {
      this.p.votedFor = m.from;
      this.electionElapsed = 0;
    }
    this.send({ type: 'voteResp', from: this.id, to: m.from, term: m.pre && granted ? m.term : this.p.term, granted, pre: m.pre });
  }

  private handleVoteResponse(m: VoteResponse): void {
    const wanted = this.roleValue === 'precandidate' ? true : this.roleValue === 'candidate' ? false : undefined;
    if (wanted === undefined || m.pre !== wanted) return;
    if (!m.pre && m.term !== this.p.term) return;
    this.votes.set(m.from, m.granted);
    if (this.tallyWon()) {
      if (m.pre) this.campaign(false);
      else this.becomeLeader();
    } else if (this.tallyLost()) {
      this.becomeFollower(this.p.term, NONE);
    }
  }

  private tallyWon(): boolean {
    let yes = 0;
    for (const v of this.votes.values()) if (v) yes++;
    return yes >= this.quorum;
  }

  private tallyLost(): boolean {
    let no = 0;
    for (const v of this.votes.values()) if (!v) no++;
    return no >= this.quorum;
  }

  private becomeFollower(term: number, leader: number): void {
    if (term !== this.p.term) {
      this.p.term = term;
      this.p.votedFor = NONE;
    }
    this.roleValue = 'follower';
    this.leaderValue = leader;
    this.resetElectionTimer();
  }

  private becomeCandidate(): void {
    this.p.term += 1;
    this.p.votedFor = this.id;
    this.roleValue = 'candidate';
    this.leaderValue = NONE;
    this.votes.clear();
    this.resetElectionTimer();
  }

  protected becomeLeader(): void {
    this.roleValue = 'leader';
    this.leaderValue = this.id;
    this.heartbeatElapsed = 0;
    this.electionElapsed = 0;
    const next = this.p.log.lastIndex + 1;
    for (const f of this.peers) {
      this.nextIndex.set(f, next);
      this.matchIndex.set(f, 0);
      this.inflight.set(f, 0);
      this.probing.set(f, true);
      this.recentActive.set(f, true);
      this.ackedSinceBeat.set(f, true);
    }
    // A no-op of the new term: entries of earlier terms commit only under a current-term entry (§5.4.2).
    this.propose(null);
  }

  private resetElectionTimer(): void {
    this.electionElapsed = 0;
    const [lo, hi] = this.config.electionTimeoutTicks;
    this.randomizedTimeout = this.config.rng.int(lo, hi);
  }

  private quorumActive(): boolean {
    let active = 1;
    for (const f of this.peers) {
      if (this.recentActive.get(f)) active++;
      this.recentActive.set(f, false);
    }
    return active >= this.quorum;
  }

  // ── Replication ─────────────────────────────────────────────────────────────────────────
  private canSend(f: number): boolean {
    const limit = this.batch || this.probing.get(f) ? 1 : Number.POSITIVE_INFINITY;
    return (this.inflight.get(f) ?? 0) < limit && (this.nextIndex.get(f) ?? 1) <= this.p.log.lastIndex;
  }

  private sendAppend(f: number): void {
    const next = this.nextIndex.get(f) ?? this.p.log.lastIndex + 1;
    const prevIndex = next - 1;
    const entries = this.p.log.slice(next, Math.min(this.p.log.lastIndex, next + this.maxEntries - 1));
    this.send({ type: 'append', from: this.id, to: f, term: this.p.term, prevIndex, prevTerm: this.p.log.term(prevIndex) ?? 0, entries, commit: this.commit });
    if (entries.length > 0) {
      if (this.probing.get(f)) this.probePrev.set(f, prevIndex);
      else this.nextIndex.set(f, next + entries.length);
      this.inflight.set(f, (this.inflight.get(f) ?? 0) + 1);
    }
  }

  private broadcastHeartbeat(): void {
    for (const f of this.peers) {
      const match = this.matchIndex.get(f) ?? 0;
      if (match < this.p.log.lastIndex && !this.ackedSinceBeat.get(f)) {
        // Nothing heard for a whole heartbeat with entries outstanding: assume they were lost
        // and probe again from the last index known to match.
        this.nextIndex.set(f, match + 1);
        this.inflight.set(f, 0);
        this.probing.set(f, true);
        this.sendAppend(f);
      } else if (this.canSend(f)) {
        this.sendAppend(f);
      } else {
        // An empty append at the match index always succeeds and carries the commit index.
        this.send({ type: 'append', from: this.id, to: f, term: this.p.term, prevIndex: match, prevTerm: this.p.log.term(match) ?? 0, entries: [], commit: this.commit });
      }
      this.ackedSinceBeat.set(f, false);
    }
  }

  /** Whether a follower's log matches the leader's at prevIndex; protected for planted-bug tests. */
  protected appendMatches(m: AppendRequest): boolean {
    return m.prevIndex <= this.p.log.lastIndex && this.p.log.term(m.prevIndex) === m.prevTerm;
  }

  private handleAppend(m: AppendRequest): void {
    // Same term: whoever is candidate or pre-candidate now knows the leader.
    if (this.roleValue !== 'follower' || this.leaderValue !== m.from) this.becomeFollower(m.term, m.from);
    this.electionElapsed = 0;
    const log = this.p.log;
    if (!this.appendMatches(m)) {
      let hint = Math.min(log.lastIndex, m.prevIndex - 1);
      const conflictTerm = log.term(m.prevIndex);
      if (conflictTerm !== undefined && m.prevIndex <= log.lastIndex) hint = Math.min(hint, log.firstIndexOfTerm(conflictTerm, m.prevIndex) - 1);
      this.send({ type: 'appendResp', from: this.id, to: m.from, term: this.p.term, success: false, index: m.prevIndex, hint: Math.max(0, hint) });
      return;
    }
    let index = m.prevIndex;
    for (const e of m.entries) {
      index++;
      const existing = log.term(index);
      if (existing === e.term) continue; // already have it (a retransmission or a reordered old append)
      // A conflicting suffix goes. (A correct leader never conflicts with a committed entry; if a
      // planted bug makes one, the safety checkers report it rather than this node hiding it.)
      if (existing !== undefined) log.truncateFrom(index);
      log.append(e);
    }
    const lastNew = m.prevIndex + m.entries.length;
    const newCommit = Math.min(m.commit, lastNew);
    if (newCommit > this.commit) this.commit = newCommit;
    this.send({ type: 'appendResp', from: this.id, to: m.from, term: this.p.term, success: true, index: lastNew, hint: 0 });
  }

  private handleAppendResponse(m: AppendResponse): void {
    if (this.roleValue !== 'leader') return;
    const f = m.from;
    this.recentActive.set(f, true);
    this.ackedSinceBeat.set(f, true);
    const match = this.matchIndex.get(f) ?? 0;
    if (m.success) {
      this.inflight.set(f, Math.max(0, (this.inflight.get(f) ?? 0) - 1));
      if (m.index > match) this.matchIndex.set(f, m.index);
      const newMatch = Math.max(match, m.index);
      if ((this.nextIndex.get(f) ?? 1) <= newMatch) this.nextIndex.set(f, newMatch + 1);
      if (this.probing.get(f) && m.index >= (this.probePrev.get(f) ?? 0)) {
        this.probing.set(f, false);
        this.nextIndex.set(f, newMatch + 1);
        this.inflight.set(f, 0);
      }
      this.maybeCommit();
      if (this.canSend(f)) this.sendAppend(f);
      return;
    }
    // Rejected: stale if it concerns an index already known to match, or an older probe.
    if (m.index <= match) return;
    if (this.probing.get(f) && m.index !== (this.probePrev.get(f) ?? -1)) return;
    this.probing.set(f, true);
    this.inflight.set(f, 0);
    this.nextIndex.set(f, Math.max(match + 1, Math.min(m.index, m.hint + 1)));
    this.sendAppend(f);
  }

  /** Advances the commit index to what a majority stores, for current-term entries only; protected for planted-bug tests. */
  protected maybeCommit(): void {
    const n = this.quorumMatchIndex();
    if (n > this.commit && this.p.log.term(n) === this.p.term) this.commit = n;
  }

  private send(m: RaftMessage): void {
    this.msgs.push(m);
  }
}
