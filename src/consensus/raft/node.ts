/**
 * Raft as a pure state machine, in the etcd-io/raft style: `step(message)`, `tick(n)` and
 * `propose(command)` go in; `ready()` says what to make durable, what to send and what committed;
 * `advance(ready)` says it is done. There is no I/O and no clock: the host — the simulator or a
 * real server — moves bytes, time and disk writes.
 *
 * Time is counted in ticks. swarmperf's hosts use 1 tick = 1 µs and, instead of ticking every
 * microsecond, ask `ticksUntilTimer()` when the node next needs time and tick that much at once,
 * so timeouts are continuous (150–151 ms really means anything in between) and idle time is free.
 *
 * Durability: term, vote and log changes since the last ready() come out in `Ready.persist`; the
 * host writes them before it sends messages that depend on them (vote replies, a candidate's
 * RequestVote, append acknowledgements). A leader's own log counts towards a majority only once
 * the host says it is durable (`advance`), so it may write in parallel with replication (Raft
 * thesis §10.2.1).
 *
 * Per peer the leader keeps one `Progress`; stepping and ticking are split by role. Implemented:
 * randomized election timeouts (reset only on granting a vote, on hearing from the current leader
 * and on starting an election, as in the paper — or, with `timerReset: 'any-higher-term'`, also on
 * every step-down, as etcd does), pre-vote (optional), leader lease on votes and check-quorum,
 * pipelined or batched replication with fast backtracking, commitment of current-term entries
 * only (§5.4.2), and a no-op entry per new leader.
 */
import type { Rng } from '../../measure/rng.js';
import { RaftLog, type LogOp } from './log.js';
import { Progress } from './progress.js';
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
  /** When the election timer restarts: the paper's rule (default) or etcd's (also on every step-down to a higher term). */
  timerReset?: 'paper' | 'any-higher-term';
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

/** Term and vote, the state a node must never forget once it acted on it. */
export interface HardState {
  term: number;
  votedFor: number;
}

export interface RaftReady {
  messages: RaftMessage[];
  /** Newly committed entries, to apply once this Ready's write is durable. */
  committed: Entry[];
  /** What to write before the messages that depend on it leave; undefined = nothing changed. */
  persist: { hard: HardState | undefined; ops: LogOp[] } | undefined;
  /** The log's last index when this Ready was taken (durable once it is advanced). */
  lastIndex: number;
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
  /** Highest index this node knows to be on its own disk. */
  private stableIndex: number;
  private readyHard: HardState;
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedTimeout = 0;
  private readonly votes = new Map<number, boolean>();
  private readonly progress = new Map<number, Progress>();
  private msgs: RaftMessage[] = [];
  private readonly preVote: boolean;
  private readonly checkQuorum: boolean;
  private readonly batch: boolean;
  private readonly maxEntries: number;
  private readonly resetOnStepDown: boolean;
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
    this.p.log.unstable = [];
    this.stableIndex = persistent.log.lastIndex;
    this.readyHard = { term: persistent.term, votedFor: persistent.votedFor };
    this.preVote = config.preVote ?? false;
    this.checkQuorum = config.checkQuorum ?? true;
    this.batch = config.batch ?? true;
    this.maxEntries = config.maxEntriesPerAppend ?? 256;
    this.resetOnStepDown = config.timerReset === 'any-higher-term';
    const [lo, hi] = config.electionTimeoutTicks;
    if (!(lo > 0 && hi >= lo)) throw new Error('RaftNode: election timeout must be positive and min <= max');
    if (!(config.heartbeatTicks > 0)) throw new Error('RaftNode: heartbeat must be positive');
    this.resetElectionTimer();
  }

  // ── Read-only state for hosts and checkers ──────────────────────────────────────────────
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

  /** Highest index stored durably on a majority, the leader's own disk included (leader only; 0 elsewhere). */
  quorumMatchIndex(): number {
    if (this.roleValue !== 'leader') return 0;
    const m = this.members.map((id) => (id === this.id ? this.stableIndex : (this.progress.get(id)?.match ?? 0)));
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
      if (this.roleValue === 'leader') this.tickLeader(step);
      else this.tickElection(step);
    }
  }

  /** Ticks until the next timer would fire (the host may sleep that long). */
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
    if (this.roleValue !== 'leader') this.campaign(this.preVote);
  }

  /** Appends a client command if this node leads. */
  propose(command: unknown): ProposeResult {
    if (this.roleValue !== 'leader') return { ok: false, leader: this.leaderValue };
    const entry: Entry = { term: this.p.term, index: this.p.log.lastIndex + 1, command };
    this.p.log.append(entry);
    for (const [f, pr] of this.progress) if (pr.canSend(this.p.log.lastIndex, this.batch)) this.sendAppend(f, pr);
    return { ok: true, index: entry.index, term: entry.term };
  }

  step(m: RaftMessage): void {
    if (m.to !== this.id) return;
    if (!this.stepTerm(m)) return;
    switch (this.roleValue) {
      case 'leader':
        this.stepLeader(m);
        return;
      case 'candidate':
      case 'precandidate':
        this.stepCandidate(m);
        return;
      case 'follower':
        this.stepFollower(m);
    }
  }

  /** What to persist, send and apply since the last call (etcd's Ready). */
  ready(): RaftReady {
    const messages = this.msgs;
    this.msgs = [];
    let committed: Entry[] = [];
    if (this.commit > this.handedOut) {
      committed = this.p.log.slice(this.handedOut + 1, this.commit);
      this.handedOut = this.commit;
    }
    const ops = this.p.log.unstable ?? [];
    this.p.log.unstable = [];
    const hardChanged = this.p.term !== this.readyHard.term || this.p.votedFor !== this.readyHard.votedFor;
    if (hardChanged) this.readyHard = { term: this.p.term, votedFor: this.p.votedFor };
    const persist = hardChanged || ops.length > 0 ? { hard: hardChanged ? { ...this.readyHard } : undefined, ops } : undefined;
    return { messages, committed, persist, lastIndex: this.p.log.lastIndex };
  }

  /** The host wrote `r.persist` and sent `r.messages` (etcd's Advance): a leader may now count its own log. */
  advance(r: RaftReady): void {
    this.stableIndex = Math.min(Math.max(this.stableIndex, r.lastIndex), this.p.log.lastIndex);
    if (this.roleValue === 'leader') this.maybeCommit();
  }

  hasReady(): boolean {
    return this.msgs.length > 0 || this.commit > this.handedOut || (this.p.log.unstable?.length ?? 0) > 0 || this.p.term !== this.readyHard.term || this.p.votedFor !== this.readyHard.votedFor;
  }

  // ── Stepping, by role ───────────────────────────────────────────────────────────────────
  /** Handles the message's term; false when the message is stale and done with. */
  private stepTerm(m: RaftMessage): boolean {
    const t = this.p.term;
    if (m.term > t) {
      if (m.type === 'vote') {
        // Leader lease: a node that heard from a live leader within the minimum timeout ignores
        // vote requests, so a partitioned node coming back cannot depose a healthy leader.
        if (this.checkQuorum && this.leaderValue !== NONE && this.electionElapsed < this.config.electionTimeoutTicks[0]) return false;
        if (!m.pre) this.becomeFollower(m.term, NONE, this.resetOnStepDown);
      } else if (m.type === 'voteResp' && m.pre && m.granted) {
        // A granted pre-vote carries the future term; our term moves only when we campaign.
      } else {
        this.becomeFollower(m.term, m.type === 'append' ? m.from : NONE, this.resetOnStepDown || m.type === 'append');
      }
      return true;
    }
    if (m.term < t) {
      // Tell a stale leader or pre-candidate about the newer term so it steps down.
      if (m.type === 'append') this.send({ type: 'appendResp', from: this.id, to: m.from, term: t, success: false, index: m.prevIndex, hint: this.p.log.lastIndex });
      else if (m.type === 'vote' && m.pre) this.send({ type: 'voteResp', from: this.id, to: m.from, term: t, granted: false, pre: true });
      return false;
    }
    return true;
  }

  private stepFollower(m: RaftMessage): void {
    if (m.type === 'vote') this.handleVote(m);
    else if (m.type === 'append') this.handleAppend(m);
  }

  private stepCandidate(m: RaftMessage): void {
    if (m.type === 'vote') this.handleVote(m);
    else if (m.type === 'voteResp') this.handleVoteResponse(m);
    else if (m.type === 'append') {
      // Same term: a leader exists; the candidate follows it.
      this.becomeFollower(m.term, m.from, true);
      this.handleAppend(m);
    }
  }

  private stepLeader(m: RaftMessage): void {
    if (m.type === 'vote') this.handleVote(m);
    else if (m.type === 'appendResp') this.handleAppendResponse(m);
  }

  // ── Ticking, by role ────────────────────────────────────────────────────────────────────
  private tickLeader(step: number): void {
    this.heartbeatElapsed += step;
    this.electionElapsed += step;
    if (this.electionElapsed >= this.config.electionTimeoutTicks[0]) {
      this.electionElapsed = 0;
      if (this.checkQuorum && !this.quorumActive()) {
        this.becomeFollower(this.p.term, NONE, true);
        return;
      }
    }
    if (this.heartbeatElapsed >= this.config.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.broadcastHeartbeat();
    }
  }

  private tickElection(step: number): void {
    this.electionElapsed += step;
    if (this.electionElapsed >= this.randomizedTimeout) this.campaign(this.preVote);
  }

  // ── Elections ───────────────────────────────────────────────────────────────────────────
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
    const granted = this.roleValue !== 'leader' && this.canGrantVote(m);
    if (granted && !m.pre) {
      this.p.votedFor = m.from;
      this.electionElapsed = 0; // granting a vote restarts the timer (the paper's rule)
    }
    this.send({ type: 'voteResp', from: this.id, to: m.from, term: m.pre && granted ? m.term : this.p.term, granted, pre: m.pre });
  }

  private handleVoteResponse(m: VoteResponse): void {
    if (m.pre !== (this.roleValue === 'precandidate')) return;
    if (!m.pre && m.term !== this.p.term) return;
    this.votes.set(m.from, m.granted);
    if (this.tallyWon()) {
      if (m.pre) this.campaign(false);
      else this.becomeLeader();
    } else if (this.tallyLost()) {
      this.becomeFollower(this.p.term, NONE, this.resetOnStepDown);
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

  private becomeFollower(term: number, leader: number, resetTimer: boolean): void {
    if (term !== this.p.term) {
      this.p.term = term;
      this.p.votedFor = NONE;
    }
    this.roleValue = 'follower';
    this.leaderValue = leader;
    this.progress.clear();
    if (resetTimer) this.resetElectionTimer();
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
    this.progress.clear();
    for (const f of this.peers) this.progress.set(f, new Progress(next));
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
    for (const pr of this.progress.values()) {
      if (pr.recentActive) active++;
      pr.recentActive = false;
    }
    return active >= this.quorum;
  }

  // ── Replication ─────────────────────────────────────────────────────────────────────────
  private sendAppend(f: number, pr: Progress): void {
    const prevIndex = pr.next - 1;
    const entries = this.p.log.slice(pr.next, Math.min(this.p.log.lastIndex, pr.next + this.maxEntries - 1));
    this.send({ type: 'append', from: this.id, to: f, term: this.p.term, prevIndex, prevTerm: this.p.log.term(prevIndex) ?? 0, entries, commit: this.commit });
    pr.sent(prevIndex, entries.length);
  }

  private broadcastHeartbeat(): void {
    for (const [f, pr] of this.progress) {
      if (pr.match < this.p.log.lastIndex && !pr.ackedSinceBeat) {
        // Nothing heard for a whole heartbeat with entries outstanding: assume they were lost
        // and probe again from the last index known to match.
        pr.probeFrom(pr.match + 1);
        this.sendAppend(f, pr);
      } else if (pr.canSend(this.p.log.lastIndex, this.batch)) {
        this.sendAppend(f, pr);
      } else {
        // An empty append at the match index always succeeds and carries the commit index.
        this.send({ type: 'append', from: this.id, to: f, term: this.p.term, prevIndex: pr.match, prevTerm: this.p.log.term(pr.match) ?? 0, entries: [], commit: this.commit });
      }
      pr.ackedSinceBeat = false;
    }
  }

  /** Whether a follower's log matches the leader's at prevIndex; protected for planted-bug tests. */
  protected appendMatches(m: AppendRequest): boolean {
    return m.prevIndex <= this.p.log.lastIndex && this.p.log.term(m.prevIndex) === m.prevTerm;
  }

  private handleAppend(m: AppendRequest): void {
    if (this.leaderValue !== m.from) this.becomeFollower(m.term, m.from, true);
    this.electionElapsed = 0; // hearing from the current leader restarts the timer
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
      if (existing !== undefined) {
        log.truncateFrom(index);
        this.stableIndex = Math.min(this.stableIndex, index - 1);
      }
      log.append(e);
    }
    const lastNew = m.prevIndex + m.entries.length;
    const newCommit = Math.min(m.commit, lastNew);
    if (newCommit > this.commit) this.commit = newCommit;
    this.send({ type: 'appendResp', from: this.id, to: m.from, term: this.p.term, success: true, index: lastNew, hint: 0 });
  }

  private handleAppendResponse(m: AppendResponse): void {
    const pr = this.progress.get(m.from);
    if (!pr) return;
    pr.recentActive = true;
    pr.ackedSinceBeat = true;
    if (m.success) {
      pr.acknowledged(m.index);
      this.maybeCommit();
      if (pr.canSend(this.p.log.lastIndex, this.batch)) this.sendAppend(m.from, pr);
      return;
    }
    // Rejected: stale if it concerns an index already known to match, or an older probe.
    if (m.index <= pr.match) return;
    if (pr.probing && m.index !== pr.probePrev) return;
    pr.probeFrom(Math.min(m.index, m.hint + 1));
    this.sendAppend(m.from, pr);
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
