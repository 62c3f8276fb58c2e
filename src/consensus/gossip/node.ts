/**
 * Gossip as a `ProtocolNode`: SWIM membership (Das, Gupta, Motivala 2002, with memberlist's
 * suspicion and dissemination rules) and epidemic broadcast of updates (push, or push-pull).
 *
 * SWIM — every protocol period a member pings one random member; without an ack within the probe
 * timeout it asks `indirect` others to ping it (ping-req); still nothing by the end of the period
 * → the member is suspected. A suspicion not refuted within the suspicion timeout becomes "dead".
 * A suspected member that hears of it refutes by raising its incarnation number. Membership
 * changes travel piggybacked on every message (pings, acks, gossip).
 *
 * Broadcast — each gossip round (`interval`) a member sends what it holds "hot" (learned within
 * the last R = retransmitMult·⌈log10(n+1)⌉ rounds, memberlist's limit counted in rounds) to
 * `fanout` random members (push). Push-pull: the message also carries the ids of every update the
 * sender knows and the receiver answers with the ones it lacks, so stragglers pull what pushing
 * missed.
 *
 * State scales to 10,000 members: the membership view keeps only members that are not plainly
 * alive at incarnation 0, and probe targets are drawn at random (no per-node member list).
 */
import type { Rng } from '../../measure/rng.js';
import type { Outbound, ProtocolNode, Ready } from '../protocol.js';

export type MemberState = 'alive' | 'suspect' | 'dead';

export type GossipItem = { kind: 'update'; id: number; bytes: number } | { kind: MemberState; node: number; incarnation: number };

export type GossipMessage =
  | { type: 'ping'; from: number; to: number; seq: number; items: GossipItem[]; relayFor?: number }
  | { type: 'ack'; from: number; to: number; seq: number; items: GossipItem[]; relayFor?: number }
  | { type: 'ping-req'; from: number; to: number; seq: number; target: number; items: GossipItem[] }
  | { type: 'push'; from: number; to: number; items: GossipItem[]; have?: number[] }
  | { type: 'pull'; from: number; to: number; items: GossipItem[] };

export interface GossipConfig {
  id: number;
  nodes: number;
  fanout: number;
  intervalUs: number;
  pushPull: boolean;
  probeIntervalUs: number;
  probeTimeoutUs: number;
  indirect: number;
  suspicionMult: number;
  retransmitMult: number;
  /** Most piggybacked items per message. */
  maxPiggyback: number;
  rng: Rng;
  /** Incarnation to start with (a restarted member must outbid what others believe of it). */
  incarnation?: number;
}

export interface GossipObserver {
  learned?(node: number, updateId: number, atUs: number): void;
  /** `about` changed state in `node`'s view. */
  memberChanged?(node: number, about: number, state: MemberState, atUs: number): void;
}

interface Hot {
  item: GossipItem;
  until: number;
}

interface View {
  state: MemberState;
  incarnation: number;
  since: number;
}

interface Probe {
  target: number;
  seq: number;
  acked: boolean;
  indirectAt: number;
  indirectSent: boolean;
}

const HEADER_BYTES = 24;
const MEMBER_ITEM_BYTES = 12;

export function itemBytes(i: GossipItem): number {
  return i.kind === 'update' ? 12 + i.bytes : MEMBER_ITEM_BYTES;
}

export function gossipMessageBytes(m: GossipMessage): number {
  let n = HEADER_BYTES;
  for (const i of m.items) n += itemBytes(i);
  if (m.type === 'push' && m.have) n += 4 * m.have.length;
  return n;
}

export class GossipNode implements ProtocolNode {
  readonly id: number;
  private now = 0;
  private readonly view = new Map<number, View>();
  private readonly known = new Map<number, GossipItem>();
  private hot: Hot[] = [];
  private out: Outbound[] = [];
  private incarnation: number;
  private nextGossipAt: number;
  private nextProbeAt: number;
  private probe: Probe | undefined;
  private seq = 0;
  /** Pings this node relays for others: its seq → [origin, origin's seq]. */
  private readonly relays = new Map<number, [number, number]>();
  private readonly hotUs: number;
  private readonly suspicionUs: number;

  constructor(
    private readonly c: GossipConfig,
    private readonly observer: GossipObserver = {},
    nowUs = 0,
  ) {
    this.id = c.id;
    this.now = nowUs;
    this.incarnation = c.incarnation ?? 0;
    const logN = Math.ceil(Math.log10(c.nodes + 1));
    this.hotUs = c.retransmitMult * logN * c.intervalUs;
    this.suspicionUs = c.suspicionMult * logN * c.probeIntervalUs;
    // Random phases: members do not gossip or probe in lockstep.
    this.nextGossipAt = nowUs + c.rng.int(1, c.intervalUs);
    this.nextProbeAt = nowUs + c.rng.int(1, c.probeIntervalUs);
    if (this.incarnation > 0) this.enqueue({ kind: 'alive', node: this.id, incarnation: this.incarnation });
  }

  /** What this member believes of another. */
  stateOf(node: number): MemberState {
    return this.view.get(node)?.state ?? 'alive';
  }

  knows(updateId: number): boolean {
    return this.known.has(updateId);
  }

  get knownUpdates(): number {
    return this.known.size;
  }

  /** Starts broadcasting a new update from this member. */
  broadcast(updateId: number, bytes: number): void {
    this.learn({ kind: 'update', id: updateId, bytes });
  }

  // ── ProtocolNode ────────────────────────────────────────────────────────────────────────
  tick(ticks: number): void {
    const end = this.now + ticks;
    for (;;) {
      const due = Math.min(this.nextGossipAt, this.nextProbeAt, this.probeIndirectDue(), this.nextSuspicionDue());
      if (due > end) break;
      this.now = due;
      this.fire();
    }
    this.now = end;
  }

  ticksUntilTimer(): number {
    return Math.max(1, Math.min(this.nextGossipAt, this.nextProbeAt, this.probeIndirectDue(), this.nextSuspicionDue()) - this.now);
  }

  step(message: unknown, nowUs: number): void {
    this.now = Math.max(this.now, nowUs);
    const m = message as GossipMessage;
    for (const i of m.items) this.merge(i);
    switch (m.type) {
      case 'ping':
        this.send({ type: 'ack', from: this.id, to: m.from, seq: m.seq, items: this.piggyback(), ...(m.relayFor !== undefined ? { relayFor: m.relayFor } : {}) });
        return;
      case 'ack':
        this.onAck(m);
        return;
      case 'ping-req': {
        const seq = ++this.seq;
        this.relays.set(seq, [m.from, m.seq]);
        this.send({ type: 'ping', from: this.id, to: m.target, seq, items: this.piggyback(), relayFor: m.from });
        return;
      }
      case 'push':
        if (m.have) this.answerPull(m.from, m.have);
        return;
      case 'pull':
        return;
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

  workUnits(message: unknown): number {
    return (message as GossipMessage).items.length;
  }

  // ── Timers ──────────────────────────────────────────────────────────────────────────────
  private probeIndirectDue(): number {
    const p = this.probe;
    return p && !p.acked && !p.indirectSent ? p.indirectAt : Number.POSITIVE_INFINITY;
  }

  private nextSuspicionDue(): number {
    let due = Number.POSITIVE_INFINITY;
    for (const v of this.view.values()) if (v.state === 'suspect' && v.since + this.suspicionUs < due) due = v.since + this.suspicionUs;
    return due;
  }

  private fire(): void {
    const now = this.now;
    if (this.nextGossipAt <= now) {
      this.nextGossipAt = now + this.c.intervalUs;
      this.gossipRound();
    }
    if (this.probeIndirectDue() <= now) this.probeIndirect();
    if (this.nextProbeAt <= now) {
      this.nextProbeAt = now + this.c.probeIntervalUs;
      this.endProbe();
      this.startProbe();
    }
    for (const [node, v] of this.view) {
      if (v.state === 'suspect' && v.since + this.suspicionUs <= now) this.apply({ kind: 'dead', node, incarnation: v.incarnation });
    }
  }

  private gossipRound(): void {
    this.hot = this.hot.filter((h) => h.until > this.now);
    if (this.hot.length === 0 && !this.c.pushPull) return;
    const items = this.piggyback();
    const have = this.c.pushPull ? [...this.known.keys()] : undefined;
    for (const to of this.randomMembers(this.c.fanout)) this.send({ type: 'push', from: this.id, to, items, ...(have ? { have } : {}) });
  }

  private answerPull(to: number, have: readonly number[]): void {
    if (have.length >= this.known.size) {
      let missing = false;
      const theirs = new Set(have);
      for (const id of this.known.keys()) if (!theirs.has(id)) missing = true;
      if (!missing) return;
    }
    const theirs = new Set(have);
    const items: GossipItem[] = [];
    for (const [id, item] of this.known) if (!theirs.has(id)) items.push(item);
    if (items.length > 0) this.send({ type: 'pull', from: this.id, to, items });
  }

  // ── SWIM failure detection ──────────────────────────────────────────────────────────────
  private startProbe(): void {
    const [target] = this.randomMembers(1);
    if (target === undefined) {
      this.probe = undefined;
      return;
    }
    const seq = ++this.seq;
    this.probe = { target, seq, acked: false, indirectAt: this.now + this.c.probeTimeoutUs, indirectSent: false };
    this.send({ type: 'ping', from: this.id, to: target, seq, items: this.piggyback() });
  }

  private probeIndirect(): void {
    const p = this.probe as Probe;
    p.indirectSent = true;
    for (const via of this.randomMembers(this.c.indirect, p.target)) this.send({ type: 'ping-req', from: this.id, to: via, seq: p.seq, target: p.target, items: this.piggyback() });
  }

  /** The period ended: a member that answered neither directly nor through others is suspected. */
  private endProbe(): void {
    const p = this.probe;
    if (!p || p.acked) return;
    const v = this.view.get(p.target);
    if (v?.state === 'dead') return;
    this.apply({ kind: 'suspect', node: p.target, incarnation: v?.incarnation ?? 0 });
  }

  private onAck(m: Extract<GossipMessage, { type: 'ack' }>): void {
    const relay = this.relays.get(m.seq);
    if (relay) {
      this.relays.delete(m.seq);
      this.send({ type: 'ack', from: this.id, to: relay[0], seq: relay[1], items: this.piggyback() });
      return;
    }
    if (this.probe && m.seq === this.probe.seq) this.probe.acked = true;
  }

  // ── Dissemination ───────────────────────────────────────────────────────────────────────
  private merge(i: GossipItem): void {
    if (i.kind === 'update') {
      if (!this.known.has(i.id)) this.learn(i);
      return;
    }
    if (i.node === this.id) {
      // Refute: whoever suspects or buries us hears a higher incarnation.
      if (i.kind !== 'alive' && i.incarnation >= this.incarnation) {
        this.incarnation = i.incarnation + 1;
        this.enqueue({ kind: 'alive', node: this.id, incarnation: this.incarnation });
      }
      return;
    }
    this.apply(i);
  }

  /** SWIM's precedence: alive needs a higher incarnation; suspect overrides alive at ≥; dead overrides at ≥. */
  private apply(i: Extract<GossipItem, { node: number }>): void {
    const v = this.view.get(i.node) ?? { state: 'alive' as MemberState, incarnation: 0, since: 0 };
    let wins: boolean;
    if (i.kind === 'alive') wins = i.incarnation > v.incarnation;
    else if (i.kind === 'suspect') wins = v.state === 'alive' ? i.incarnation >= v.incarnation : v.state === 'suspect' && i.incarnation > v.incarnation;
    else wins = v.state !== 'dead' && i.incarnation >= v.incarnation;
    if (!wins) return;
    this.view.set(i.node, { state: i.kind, incarnation: i.incarnation, since: this.now });
    this.observer.memberChanged?.(this.id, i.node, i.kind, this.now);
    this.enqueue(i);
  }

  private learn(i: Extract<GossipItem, { kind: 'update' }>): void {
    this.known.set(i.id, i);
    this.observer.learned?.(this.id, i.id, this.now);
    this.enqueue(i);
  }

  private enqueue(item: GossipItem): void {
    this.hot.push({ item, until: this.now + this.hotUs });
  }

  /** The hot items to carry: newest first, at most maxPiggyback. */
  private piggyback(): GossipItem[] {
    const out: GossipItem[] = [];
    for (let k = this.hot.length - 1; k >= 0 && out.length < this.c.maxPiggyback; k--) {
      const h = this.hot[k] as Hot;
      if (h.until > this.now) out.push(h.item);
    }
    return out;
  }

  /** Up to `count` distinct random members, not this one, not `except`, none believed dead. */
  private randomMembers(count: number, except = -1): number[] {
    const n = this.c.nodes;
    const picked: number[] = [];
    for (let tries = 0; picked.length < count && tries < count * 8; tries++) {
      const m = this.c.rng.int(0, n - 1);
      if (m === this.id || m === except || picked.includes(m) || this.view.get(m)?.state === 'dead') continue;
      picked.push(m);
    }
    return picked;
  }

  private send(m: GossipMessage): void {
    this.out.push({ to: m.to, message: m, bytes: gossipMessageBytes(m) });
  }
}
