/**
 * PBFT (Castro & Liskov, OSDI '99) as a `ProtocolNode`: n = 3f + 1 replicas order client commands
 * through pre-prepare → prepare → commit, execute them in sequence order on the key-value store,
 * and answer the client, which accepts a result once f + 1 replicas agree on it.
 *
 *   normal case   the primary (view mod n) assigns a sequence number and multicasts PRE-PREPARE;
 *                 backups that accept it multicast PREPARE; with the pre-prepare and 2f matching
 *                 prepares a replica is prepared and multicasts COMMIT; 2f + 1 matching commits
 *                 commit the request (a replica that lacks its body fetches it from a committer).
 *   checkpoints   every K executions a replica multicasts CHECKPOINT(seq, state digest); 2f + 1
 *                 matching make it stable: the log below it is dropped and the low watermark moves.
 *                 A replica left behind a stable checkpoint catches up by state transfer.
 *   view change   a backup that forwarded a request the primary did not order in time multicasts
 *                 VIEW-CHANGE(v + 1, stable checkpoint, prepared set); the new primary, with 2f + 1
 *                 of them, multicasts NEW-VIEW carrying pre-prepares for every prepared request
 *                 (null requests for gaps). Timeouts double for each further view change.
 *
 * Byzantine behaviour is planted per replica: silent (sends nothing), equivocate (as primary:
 * different requests to two halves of the honest replicas; as backup: prepares and commits for
 * whatever each half was told — the collusion that f + 1 faulty replicas need to break agreement),
 * wrong-digest (prepares and commits for a digest nobody proposed) and slow (everything it sends
 * leaves late). Authentication is charged by the host as CPU per message sent and received.
 *
 * Simplifications, documented: NEW-VIEW is not re-verified against its view-change proofs by the
 * backups, and no batching (one request per sequence number).
 */
import type { Rng } from '../../measure/rng.js';
import type { ClientReply, ClientRequest } from '../kv/messages.js';
import { KvStore, kvCommandBytes, type KvCommand, type KvSnapshot } from '../kv/store.js';
import type { Outbound, ProtocolNode, Ready } from '../protocol.js';

export type ByzantineBehaviour = 'silent' | 'equivocate' | 'wrong-digest' | 'slow';
export const BYZANTINE_BEHAVIOURS: readonly ByzantineBehaviour[] = ['silent', 'equivocate', 'wrong-digest', 'slow'];

/** A request as ordered: a client command, or null (a gap filled by a new primary). */
export type Ordered = KvCommand | null;

interface Prepared {
  seq: number;
  view: number;
  digest: string;
  req: Ordered;
}

export type PbftMessage =
  | { type: 'fwd'; from: number; to: number; req: ClientRequest }
  | { type: 'pre-prepare'; from: number; to: number; view: number; seq: number; digest: string; req: Ordered }
  | { type: 'prepare'; from: number; to: number; view: number; seq: number; digest: string }
  | { type: 'commit'; from: number; to: number; view: number; seq: number; digest: string }
  | { type: 'fetch'; from: number; to: number; seq: number; digest: string }
  | { type: 'body'; from: number; to: number; seq: number; digest: string; req: Ordered }
  | { type: 'checkpoint'; from: number; to: number; seq: number; state: string }
  | { type: 'state-req'; from: number; to: number; seq: number }
  | { type: 'state'; from: number; to: number; seq: number; state: string; kv: KvSnapshot }
  | { type: 'view-change'; from: number; to: number; view: number; stable: number; prepared: Prepared[] }
  | { type: 'new-view'; from: number; to: number; view: number; preprepares: Array<{ seq: number; digest: string; req: Ordered }> };

export interface PbftConfig {
  id: number;
  nodes: number;
  checkpointInterval: number;
  /** High watermark = low + window. */
  window: number;
  viewChangeTimeoutUs: number;
  byzantine?: ByzantineBehaviour;
  /** Every Byzantine replica (they collude). */
  byzantineIds: readonly number[];
  /** How late a slow replica's messages leave. */
  slowUs: number;
  rng: Rng;
}

export interface PbftObserver {
  executed?(replica: number, seq: number, digest: string, req: Ordered, atUs: number): void;
  viewChanged?(replica: number, view: number, atUs: number): void;
}

/** PBFT's reply to a client carries the replica, so the client can count f + 1 matching ones. */
export type PbftReply = ClientReply & { replica: number; view: number };

interface Slot {
  view: number;
  digest?: string;
  req?: Ordered;
  prepares: Map<string, Set<number>>;
  commits: Map<string, Set<number>>;
  sentCommit: boolean;
  fetching: boolean;
}

export function digestOf(req: Ordered): string {
  return req === null ? 'null' : `${req.client}:${req.seq}:${req.op}:${req.key}:${'value' in req ? req.value : ''}${'to' in req ? `${String(req.from)}>${req.to}` : ''}`;
}

const reqKey = (client: number, seq: number): string => `${client}:${seq}`;

export function pbftMessageBytes(m: PbftMessage | PbftReply): number {
  const header = 48; // type, view, seq, ids, a 32-byte digest
  switch (m.type) {
    case 'fwd':
      return header + kvCommandBytes({ ...m.req.op, client: m.req.client, seq: m.req.seq });
    case 'pre-prepare':
    case 'body':
      return header + kvCommandBytes(m.req);
    case 'state':
      return header + 32 * m.kv.data.length;
    case 'view-change':
      return header + m.prepared.reduce((a, p) => a + 48 + kvCommandBytes(p.req), 0);
    case 'new-view':
      return header + m.preprepares.reduce((a, p) => a + 48 + kvCommandBytes(p.req), 0);
    default:
      return header;
  }
}

export class PbftReplica implements ProtocolNode {
  readonly id: number;
  readonly kv = new KvStore();
  private readonly n: number;
  private readonly f: number;
  private view = 0;
  private viewActive = true;
  private nextSeq = 0;
  private low = 0;
  private lastExecuted = 0;
  private stateHash = '0';
  private readonly slots = new Map<number, Slot>();
  private readonly checkpoints = new Map<number, Map<string, Set<number>>>();
  private readonly viewChanges = new Map<number, Map<number, Extract<PbftMessage, { type: 'view-change' }>>>();
  /** Requests this replica waits to see executed: key → [request, deadline]. */
  private readonly waiting = new Map<string, { req: ClientRequest; deadline: number }>();
  /** Primary: requests already given a sequence number in this view. */
  private readonly assigned = new Set<string>();
  private viewChangeDeadline = Number.POSITIVE_INFINITY;
  private viewChangeAttempts = 0;
  private now = 0;
  private out: Outbound[] = [];
  private delayed: Array<{ at: number; o: Outbound }> = [];
  private fetchingState = false;
  viewChangesStarted = 0;

  constructor(
    private readonly c: PbftConfig,
    private readonly observer: PbftObserver = {},
    nowUs = 0,
  ) {
    this.id = c.id;
    this.n = c.nodes;
    this.f = Math.floor((c.nodes - 1) / 3);
    this.now = nowUs;
  }

  get currentView(): number {
    return this.view;
  }
  get executedUpTo(): number {
    return this.lastExecuted;
  }
  private get quorum(): number {
    return 2 * this.f + 1;
  }
  private primaryOf(view: number): number {
    return view % this.n;
  }
  private get isPrimary(): boolean {
    return this.viewActive && this.primaryOf(this.view) === this.id;
  }

  // ── ProtocolNode ────────────────────────────────────────────────────────────────────────
  leading(): { term: number } | undefined {
    return this.isPrimary ? { term: this.view } : undefined;
  }

  tick(ticks: number): void {
    this.now += ticks;
    this.fireTimers();
  }

  ticksUntilTimer(): number {
    let due = this.viewChangeDeadline;
    for (const w of this.waiting.values()) if (w.deadline < due) due = w.deadline;
    for (const d of this.delayed) if (d.at < due) due = d.at;
    return Math.max(1, Math.min(Number.MAX_SAFE_INTEGER, due - this.now));
  }

  step(message: unknown, nowUs: number): void {
    this.now = Math.max(this.now, nowUs);
    const m = message as PbftMessage | ClientRequest;
    if (this.c.byzantine === 'silent') return;
    switch (m.type) {
      case 'req':
        this.onRequest(m);
        return;
      case 'fwd':
        this.onRequest(m.req);
        return;
      case 'pre-prepare':
        this.onPrePrepare(m);
        return;
      case 'prepare':
      case 'commit':
        this.onVote(m);
        return;
      case 'fetch':
        this.onFetch(m);
        return;
      case 'body':
        this.onBody(m);
        return;
      case 'checkpoint':
        this.onCheckpoint(m.from, m.seq, m.state);
        return;
      case 'state-req':
        this.send({ type: 'state', from: this.id, to: m.from, seq: this.lastExecuted, state: this.stateHash, kv: this.kv.snapshot() });
        return;
      case 'state':
        this.onState(m);
        return;
      case 'view-change':
        this.onViewChange(m);
        return;
      case 'new-view':
        this.onNewView(m);
    }
  }

  hasReady(): boolean {
    return this.out.length > 0;
  }

  ready(): Ready {
    const now = this.out;
    this.out = [];
    return { persist: undefined, afterPersist: [], now };
  }

  advance(): void {}

  workUnits(): number {
    return 0;
  }

  // ── Normal case ─────────────────────────────────────────────────────────────────────────
  private onRequest(req: ClientRequest): void {
    const last = this.kv.lastResult(req.client);
    if (last && req.seq <= last.seq) {
      if (last.seq === req.seq) this.reply(req.client, req.seq, last.result);
      return;
    }
    const key = reqKey(req.client, req.seq);
    if (this.isPrimary) {
      this.order(req);
      return;
    }
    // A backup relays to the primary and starts the clock on it (a faulty primary is voted out).
    if (!this.waiting.has(key)) this.waiting.set(key, { req, deadline: this.now + this.c.viewChangeTimeoutUs });
    if (this.viewActive) this.send({ type: 'fwd', from: this.id, to: this.primaryOf(this.view), req });
  }

  private order(req: ClientRequest): void {
    const key = reqKey(req.client, req.seq);
    if (this.assigned.has(key) || this.nextSeq >= this.low + this.c.window) return;
    this.assigned.add(key);
    const seq = ++this.nextSeq;
    const cmd: KvCommand = { ...req.op, client: req.client, seq: req.seq };
    if (this.c.byzantine === 'equivocate') {
      this.equivocate(seq, cmd);
      return;
    }
    const digest = this.c.byzantine === 'wrong-digest' ? `forged-${seq}` : digestOf(cmd);
    const slot = this.slot(seq);
    slot.view = this.view;
    slot.digest = digest;
    slot.req = cmd;
    this.multicast((to) => ({ type: 'pre-prepare', from: this.id, to, view: this.view, seq, digest, req: cmd }));
  }

  private onPrePrepare(m: Extract<PbftMessage, { type: 'pre-prepare' }>): void {
    if (!this.viewActive || m.view !== this.view || m.from !== this.primaryOf(m.view)) return;
    if (m.seq <= this.low || m.seq > this.low + this.c.window) return;
    if (digestOf(m.req) !== m.digest) return; // a primary that lies about the digest gets no prepare
    const slot = this.slot(m.seq);
    if (slot.digest !== undefined && slot.view === m.view && slot.digest !== m.digest) {
      // Byzantine backups collude: a second version of the same slot is what they hoped for.
      if (this.c.byzantine === 'equivocate') this.collude(m);
      return;
    }
    slot.view = m.view;
    slot.digest = m.digest;
    slot.req = m.req;
    if (this.c.byzantine === 'equivocate') {
      this.collude(m);
      return;
    }
    const digest = this.c.byzantine === 'wrong-digest' ? `forged-${m.seq}` : m.digest;
    this.multicast((to) => ({ type: 'prepare', from: this.id, to, view: m.view, seq: m.seq, digest }));
    this.count(slot.prepares, m.digest, this.id);
    this.progress(m.seq);
  }

  private onVote(m: Extract<PbftMessage, { type: 'prepare' | 'commit' }>): void {
    if (m.seq <= this.low) return;
    const slot = this.slot(m.seq);
    if (m.type === 'prepare') {
      if (m.view !== this.view) return;
      this.count(slot.prepares, m.digest, m.from);
    } else this.count(slot.commits, m.digest, m.from);
    this.progress(m.seq);
  }

  /** Prepared → send commit; 2f + 1 commits → execute what can be executed. */
  private progress(seq: number): void {
    const slot = this.slots.get(seq);
    if (!slot) return;
    if (!slot.sentCommit && this.viewActive && slot.digest !== undefined && slot.view === this.view) {
      // Prepared: the pre-prepare plus 2f prepares from backups (the primary sends none).
      const backups = [...(slot.prepares.get(slot.digest) ?? [])].filter((r) => r !== this.primaryOf(slot.view)).length;
      if (backups >= 2 * this.f) {
        slot.sentCommit = true;
        const digest = this.c.byzantine === 'wrong-digest' ? `forged-${seq}` : slot.digest;
        this.multicast((to) => ({ type: 'commit', from: this.id, to, view: slot.view, seq, digest }));
        this.count(slot.commits, slot.digest, this.id);
      }
    }
    this.executeReady();
  }

  /** The digest 2f + 1 replicas committed at `seq`, if any. */
  private committedDigest(slot: Slot): string | undefined {
    for (const [d, who] of slot.commits) if (who.size >= this.quorum) return d;
    return undefined;
  }

  private executeReady(): void {
    for (;;) {
      const seq = this.lastExecuted + 1;
      const slot = this.slots.get(seq);
      if (!slot) return;
      const d = this.committedDigest(slot);
      if (d === undefined) return;
      if (slot.digest !== d || slot.req === undefined) {
        // Committed elsewhere with a body we do not have (we were told another version, or nothing).
        if (!slot.fetching) {
          slot.fetching = true;
          const from = [...(slot.commits.get(d) ?? [])].find((r) => r !== this.id);
          if (from !== undefined) this.send({ type: 'fetch', from: this.id, to: from, seq, digest: d });
        }
        return;
      }
      this.execute(seq, d, slot.req);
    }
  }

  private execute(seq: number, digest: string, req: Ordered): void {
    this.lastExecuted = seq;
    this.stateHash = hash(`${this.stateHash}|${digest}`);
    const result = this.kv.apply(seq, req);
    this.observer.executed?.(this.id, seq, digest, req, this.now);
    if (req !== null) {
      this.waiting.delete(reqKey(req.client, req.seq));
      if (result) this.reply(req.client, req.seq, result);
    }
    if (seq % this.c.checkpointInterval === 0) {
      const state = this.stateHash;
      this.multicast((to) => ({ type: 'checkpoint', from: this.id, to, seq, state }));
      this.onCheckpoint(this.id, seq, state);
    }
  }

  private onFetch(m: Extract<PbftMessage, { type: 'fetch' }>): void {
    const slot = this.slots.get(m.seq);
    if (slot && slot.digest === m.digest && slot.req !== undefined) this.send({ type: 'body', from: this.id, to: m.from, seq: m.seq, digest: m.digest, req: slot.req });
  }

  private onBody(m: Extract<PbftMessage, { type: 'body' }>): void {
    const slot = this.slots.get(m.seq);
    if (!slot || digestOf(m.req) !== m.digest || this.committedDigest(slot) !== m.digest) return;
    slot.digest = m.digest;
    slot.req = m.req;
    slot.fetching = false;
    this.executeReady();
  }

  private reply(client: number, seq: number, result: NonNullable<ClientReply['result']>): void {
    const r: PbftReply = { type: 'reply', client, seq, ok: true, result, replica: this.id, view: this.view };
    this.out.push({ to: client, toClient: true, message: r, bytes: 48 });
  }

  // ── Checkpoints and state transfer ──────────────────────────────────────────────────────
  private onCheckpoint(from: number, seq: number, state: string): void {
    if (seq <= this.low) return;
    const bySeq = this.checkpoints.get(seq) ?? new Map<string, Set<number>>();
    this.checkpoints.set(seq, bySeq);
    this.count(bySeq, state, from);
    if ((bySeq.get(state)?.size ?? 0) < this.quorum) return;
    if (this.lastExecuted < seq) {
      // Left behind a stable checkpoint: fetch the state from one who has it.
      if (!this.fetchingState) {
        this.fetchingState = true;
        const giver = [...(bySeq.get(state) as Set<number>)].find((r) => r !== this.id);
        if (giver !== undefined) this.send({ type: 'state-req', from: this.id, to: giver, seq });
      }
      return;
    }
    this.low = seq;
    for (const s of [...this.slots.keys()]) if (s <= seq) this.slots.delete(s);
    for (const s of [...this.checkpoints.keys()]) if (s < seq) this.checkpoints.delete(s);
  }

  private onState(m: Extract<PbftMessage, { type: 'state' }>): void {
    this.fetchingState = false;
    if (m.seq <= this.lastExecuted) return;
    this.kv.restore(m.kv);
    this.lastExecuted = m.seq;
    this.stateHash = m.state;
    this.nextSeq = Math.max(this.nextSeq, m.seq);
    for (const s of [...this.slots.keys()]) if (s <= m.seq) this.slots.delete(s);
    this.executeReady();
  }

  // ── View change ─────────────────────────────────────────────────────────────────────────
  private fireTimers(): void {
    this.releaseDelayed();
    const due: ClientRequest[] = [];
    for (const w of this.waiting.values()) if (w.deadline <= this.now) due.push(w.req);
    if (due.length > 0 && this.viewActive) {
      this.startViewChange(this.view + 1);
      return;
    }
    if (this.viewChangeDeadline <= this.now) this.startViewChange(this.view + 1);
  }

  private startViewChange(view: number): void {
    this.view = view;
    this.viewActive = false;
    this.viewChangesStarted++;
    this.viewChangeAttempts++;
    // Each further attempt waits twice as long (PBFT's exponential back-off keeps views from racing).
    this.viewChangeDeadline = this.now + this.c.viewChangeTimeoutUs * 2 ** Math.min(10, this.viewChangeAttempts);
    for (const w of this.waiting.values()) w.deadline = Number.POSITIVE_INFINITY;
    const prepared: Prepared[] = [];
    for (const [seq, slot] of this.slots) {
      if (seq <= this.low || !slot.sentCommit || slot.digest === undefined || slot.req === undefined) continue;
      prepared.push({ seq, view: slot.view, digest: slot.digest, req: slot.req });
    }
    const msg = (to: number): PbftMessage => ({ type: 'view-change', from: this.id, to, view, stable: this.low, prepared });
    this.multicast(msg);
    this.onViewChange(msg(this.id) as Extract<PbftMessage, { type: 'view-change' }>);
  }

  private onViewChange(m: Extract<PbftMessage, { type: 'view-change' }>): void {
    if (m.view < this.view || (m.view === this.view && this.viewActive)) return;
    const forView = this.viewChanges.get(m.view) ?? new Map<number, Extract<PbftMessage, { type: 'view-change' }>>();
    this.viewChanges.set(m.view, forView);
    forView.set(m.from, m);
    // f + 1 replicas want a newer view: join them (PBFT's liveness rule), so views do not lag.
    if (m.view > this.view && forView.size >= this.f + 1) this.startViewChange(m.view);
    if (this.primaryOf(m.view) !== this.id || forView.size < this.quorum || m.view !== this.view || this.viewActive) return;
    this.announceNewView(m.view, [...forView.values()]);
  }

  private announceNewView(view: number, vcs: Array<Extract<PbftMessage, { type: 'view-change' }>>): void {
    const minS = Math.max(...vcs.map((v) => v.stable));
    const best = new Map<number, Prepared>();
    for (const v of vcs) for (const p of v.prepared) if (p.seq > minS && (best.get(p.seq)?.view ?? -1) < p.view) best.set(p.seq, p);
    const maxS = Math.max(minS, ...best.keys());
    const preprepares: Array<{ seq: number; digest: string; req: Ordered }> = [];
    for (let seq = minS + 1; seq <= maxS; seq++) {
      const p = best.get(seq);
      preprepares.push(p ? { seq, digest: p.digest, req: p.req } : { seq, digest: digestOf(null), req: null });
    }
    const msg = (to: number): PbftMessage => ({ type: 'new-view', from: this.id, to, view, preprepares });
    this.multicast(msg);
    this.onNewView(msg(this.id) as Extract<PbftMessage, { type: 'new-view' }>);
  }

  private onNewView(m: Extract<PbftMessage, { type: 'new-view' }>): void {
    if (m.view < this.view || m.from !== this.primaryOf(m.view) || (m.view === this.view && this.viewActive)) return;
    this.view = m.view;
    this.viewActive = true;
    this.viewChangeDeadline = Number.POSITIVE_INFINITY;
    this.viewChangeAttempts = 0;
    this.assigned.clear();
    this.observer.viewChanged?.(this.id, m.view, this.now);
    let maxSeq = this.lastExecuted;
    for (const p of m.preprepares) {
      maxSeq = Math.max(maxSeq, p.seq);
      if (p.seq <= this.lastExecuted) continue;
      this.onPrePrepareInNewView(m.view, p);
      if (p.req !== null) this.assigned.add(reqKey(p.req.client, p.req.seq));
    }
    this.nextSeq = Math.max(this.nextSeq, maxSeq);
    // Requests still waiting go to the new primary, their clocks restarted.
    for (const w of this.waiting.values()) {
      w.deadline = this.now + this.c.viewChangeTimeoutUs;
      if (this.isPrimary) this.order(w.req);
      else this.send({ type: 'fwd', from: this.id, to: this.primaryOf(this.view), req: w.req });
    }
  }

  private onPrePrepareInNewView(view: number, p: { seq: number; digest: string; req: Ordered }): void {
    const slot = this.slot(p.seq);
    slot.view = view;
    slot.digest = p.digest;
    slot.req = p.req;
    slot.sentCommit = false;
    if (this.primaryOf(view) !== this.id) {
      this.multicast((to) => ({ type: 'prepare', from: this.id, to, view, seq: p.seq, digest: p.digest }));
      this.count(slot.prepares, p.digest, this.id);
    }
    this.progress(p.seq);
  }

  // ── Byzantine behaviour ─────────────────────────────────────────────────────────────────
  /** Honest replicas split in two halves (every Byzantine replica computes the same split). */
  private halves(): [number[], number[]] {
    const honest = Array.from({ length: this.n }, (_, i) => i).filter((i) => !this.c.byzantineIds.includes(i));
    const cut = Math.ceil(honest.length / 2);
    return [honest.slice(0, cut), honest.slice(cut)];
  }

  /** An equivocating primary: the real request to one half, a forged one to the other, both to accomplices. */
  private equivocate(seq: number, real: KvCommand): void {
    const forged: KvCommand = { op: 'put', key: 'byzantine', value: `forged-${seq}`, client: -1, seq };
    const [a, b] = this.halves();
    const send = (to: number, req: KvCommand): void => this.send({ type: 'pre-prepare', from: this.id, to, view: this.view, seq, digest: digestOf(req), req });
    for (const to of a) send(to, forged);
    for (const to of b) send(to, real);
    for (const to of this.c.byzantineIds) if (to !== this.id) for (const req of [forged, real]) send(to, req);
    this.collude({ type: 'pre-prepare', from: this.id, to: this.id, view: this.view, seq, digest: digestOf(forged), req: forged });
    this.collude({ type: 'pre-prepare', from: this.id, to: this.id, view: this.view, seq, digest: digestOf(real), req: real });
  }

  /** An accomplice backs each half's version with prepares and commits sent to that half only. */
  private collude(m: Extract<PbftMessage, { type: 'pre-prepare' }>): void {
    const [a, b] = this.halves();
    const forged = m.req !== null && m.req.client === -1;
    const targets = forged ? a : b;
    for (const to of targets) {
      if (this.primaryOf(m.view) !== this.id) this.send({ type: 'prepare', from: this.id, to, view: m.view, seq: m.seq, digest: m.digest });
      this.send({ type: 'commit', from: this.id, to, view: m.view, seq: m.seq, digest: m.digest });
    }
  }

  // ── Plumbing ────────────────────────────────────────────────────────────────────────────
  private slot(seq: number): Slot {
    let s = this.slots.get(seq);
    if (!s) {
      s = { view: this.view, prepares: new Map(), commits: new Map(), sentCommit: false, fetching: false };
      this.slots.set(seq, s);
    }
    return s;
  }

  private count(map: Map<string, Set<number>>, digest: string, from: number): void {
    let set = map.get(digest);
    if (!set) {
      set = new Set();
      map.set(digest, set);
    }
    set.add(from);
  }

  private multicast(make: (to: number) => PbftMessage): void {
    for (let to = 0; to < this.n; to++) if (to !== this.id) this.send(make(to));
  }

  private send(m: PbftMessage): void {
    const o: Outbound = { to: m.to, message: m, bytes: pbftMessageBytes(m) };
    if (this.c.byzantine === 'slow') this.delayed.push({ at: this.now + this.c.slowUs, o });
    else this.out.push(o);
  }

  private releaseDelayed(): void {
    if (this.delayed.length === 0) return;
    const keep: Array<{ at: number; o: Outbound }> = [];
    for (const d of this.delayed) {
      if (d.at <= this.now) this.out.push(d.o);
      else keep.push(d);
    }
    this.delayed = keep;
  }
}

/** A short stable hash (FNV-1a, hex) for state digests. */
function hash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16);
}
