/**
 * Key-value clients for the simulated cluster, as Jepsen or a k6 script would drive a real one:
 * each client has one command outstanding, numbers its commands (so retries are deduplicated by
 * the server's session table), follows leader hints, retries on timeout at another node, and gives
 * up after a deadline, leaving the outcome unknown.
 *
 * Closed loop: `clients` clients issue back to back. Open loop (`rate`): commands arrive on a fixed
 * schedule and wait for a free client; latency counts from the intended arrival (no coordinated
 * omission), service time from the first send.
 *
 * Every outcome feeds the recorder (end-to-end latency per operation kind plus the commit phases),
 * the linearizability history and the safety checker (acknowledged writes).
 */
import type { Rng } from '../../measure/rng.js';
import type { Scheduler, SimEvent } from '../../sim/scheduler.js';
import { CLIENT_EVENT_BASE, type ClientDriver } from '../host/sim-host.js';
import type { ClientReply, ClientRequest, HistoryOp } from './messages.js';
import type { KvOp } from './store.js';

/** No leader known (the protocols' NONE). */
const NONE = -1;

/** What the clients need from a simulated cluster, whatever protocol orders its commands. */
export interface KvClusterPort {
  readonly sim: Scheduler;
  readonly now: number;
  readonly nodeCount: number;
  attachClients(driver: ClientDriver): void;
  sendClientRequest(client: number, node: number, req: ClientRequest): void;
  /** Told of every acknowledged write, for the durability check. */
  readonly checker: { acknowledgedWrite(client: number, seq: number, atUs: number): void };
}

const ATTEMPT_TIMEOUT = CLIENT_EVENT_BASE;
const RETRY = CLIENT_EVENT_BASE + 1;
const ARRIVAL = CLIENT_EVENT_BASE + 2;

export interface KvWorkloadOptions {
  clients: number;
  /** Total commands per second (open loop); undefined = closed loop. */
  rate?: number;
  keys: number;
  /** Share of gets; the rest are puts, except `casRatio` compare-and-sets. */
  readRatio: number;
  casRatio: number;
  valueBytes: number;
  /** How long one attempt may take before the client tries another node. */
  attemptTimeoutUs: number;
  /** Pause before retrying when no leader is known. */
  backoffUs: number;
  /** How long a command may take in all before the client gives up (outcome unknown). */
  giveUpUs: number;
  /** Commands start in [startUs, endUs). */
  startUs: number;
  endUs: number;
  /** Keep the history for the linearizability checker. */
  keepHistory: boolean;
}

export interface OpOutcome {
  kind: KvOp['op'];
  ok: boolean;
  /** Intended start (open loop) or first send (closed loop) → reply. */
  latencyUs: number;
  serviceUs: number;
  atUs: number;
  error?: string;
  /** Present on success: client send (last attempt) → leader append → majority → commit → apply → reply received. */
  phases?: { appendUs: number; replicateUs: number; commitUs: number; applyUs: number; replyUs: number; retryUs: number };
  attempts: number;
}

/** One client's bookkeeping for its command in flight: the same in the simulator and in real mode. */
export interface ClientSession {
  id: number;
  /** The current command's number (the server's session table deduplicates retries by it). */
  seq: number;
  /** The command outstanding; undefined while the client is idle. */
  op: KvOp | undefined;
  /** Intended start (open loop: its arrival time; closed loop: the first send), µs. */
  intended: number;
  firstSend: number;
  lastSend: number;
  attempts: number;
  /** The node the next attempt goes to. */
  target: number;
}

interface ClientState extends ClientSession {
  /** Bumped per attempt, so the timeout or retry event of an earlier attempt is ignored. */
  gen: number;
}

export class SimKvClients implements ClientDriver {
  /** Commands that ended: answered (with their result) or given up (outcome unknown). */
  private readonly ended: HistoryOp[] = [];
  private readonly clients: ClientState[] = [];
  private readonly idle: number[] = [];
  private readonly queue: number[] = [];
  private valueCounter = 0;
  issued = 0;
  completed = 0;
  failed = 0;
  private readonly listeners: Array<(o: OpOutcome) => void> = [];

  constructor(
    private readonly cluster: KvClusterPort,
    private readonly rng: Rng,
    private readonly o: KvWorkloadOptions,
  ) {
    cluster.attachClients(this);
    for (let i = 0; i < o.clients; i++) {
      this.clients.push({ id: i, seq: 0, op: undefined, intended: 0, firstSend: 0, lastSend: 0, attempts: 0, gen: 0, target: rng.int(0, cluster.nodeCount - 1) });
    }
    if (o.rate === undefined) {
      for (const c of this.clients) cluster.sim.at(o.startUs, RETRY, c.id, -1);
    } else {
      for (let i = o.clients - 1; i >= 0; i--) this.idle.push(i);
      cluster.sim.at(o.startUs, ARRIVAL, 0, 0);
    }
  }

  /**
   * The history for the linearizability checker: every command issued so far. One still in flight
   * is there with its outcome unknown (no return), as Jepsen records it: it may already have taken
   * effect, and a read that saw it must be explainable.
   */
  get history(): HistoryOp[] {
    if (!this.o.keepHistory) return [];
    const inFlight: HistoryOp[] = [];
    for (const c of this.clients) if (c.op !== undefined) inFlight.push({ client: c.id, op: c.op, call: c.firstSend });
    return inFlight.length === 0 ? this.ended : [...this.ended, ...inFlight];
  }

  onOutcome(fn: (o: OpOutcome) => void): void {
    this.listeners.push(fn);
  }

  /** Commands still outstanding when the run stopped. */
  get outstanding(): number {
    return this.clients.filter((c) => c.op !== undefined).length + this.queue.length;
  }

  onEvent(e: SimEvent): void {
    const now = this.cluster.now;
    if (e.kind === ARRIVAL) {
      if (now >= this.o.endUs) return;
      this.queue.push(now);
      this.dispatchQueue();
      const gap = 1e6 / (this.o.rate as number);
      this.cluster.sim.at(this.o.startUs + Math.round((e.aux + 1) * gap), ARRIVAL, 0, e.aux + 1);
      return;
    }
    const c = this.clients[e.target] as ClientState;
    if (e.kind === RETRY) {
      if (e.aux === -1) {
        this.startNext(c, now);
        return;
      }
      if (e.aux !== c.gen || c.op === undefined) return;
      this.send(c, now);
      return;
    }
    if (e.kind === ATTEMPT_TIMEOUT) {
      if (e.aux !== c.gen || c.op === undefined) return;
      // No answer: the node may be down or cut off. Try the next one.
      c.target = (c.target + 1) % this.cluster.nodeCount;
      this.retry(c, now, 0);
    }
  }

  onReply(client: number, message: unknown): void {
    const reply = message as ClientReply;
    const c = this.clients[client];
    if (!c || c.op === undefined || reply.seq !== c.seq) return; // a late reply to an earlier command
    const now = this.cluster.now;
    if (reply.ok && reply.result) {
      const op = c.op;
      if (this.o.keepHistory) this.ended.push({ client: c.id, op, call: c.firstSend, ret: now, result: reply.result });
      if (op.op !== 'get') this.cluster.checker.acknowledgedWrite(c.id, c.seq, now);
      const p = reply.phases;
      const outcome: OpOutcome = { kind: op.op, ok: true, latencyUs: now - c.intended, serviceUs: now - c.firstSend, atUs: now, attempts: c.attempts };
      if (p) {
        outcome.phases = {
          retryUs: c.lastSend - c.firstSend,
          appendUs: p.appendedAt - c.lastSend,
          replicateUs: p.replicatedAt - p.appendedAt,
          commitUs: p.committedAt - p.replicatedAt,
          applyUs: p.appliedAt - p.committedAt,
          replyUs: now - p.appliedAt,
        };
      }
      this.completed++;
      this.finish(c, outcome, now);
      return;
    }
    if (reply.error === 'not-leader' && reply.leader !== undefined && reply.leader !== NONE && reply.leader !== c.target) {
      c.target = reply.leader;
      this.retry(c, now, 0);
      return;
    }
    c.target = (c.target + 1) % this.cluster.nodeCount;
    this.retry(c, now, this.o.backoffUs);
  }

  private retry(c: ClientState, now: number, delayUs: number): void {
    if (now - c.firstSend >= this.o.giveUpUs) {
      // Gave up: the command may or may not have taken effect.
      const op = c.op as KvOp;
      if (this.o.keepHistory) this.ended.push({ client: c.id, op, call: c.firstSend });
      this.failed++;
      this.finish(c, { kind: op.op, ok: false, error: 'timeout', latencyUs: now - c.intended, serviceUs: now - c.firstSend, atUs: now, attempts: c.attempts }, now);
      return;
    }
    c.gen++;
    if (delayUs <= 0) this.send(c, now);
    else this.cluster.sim.at(now + delayUs, RETRY, c.id, c.gen);
  }

  private finish(c: ClientState, outcome: OpOutcome, now: number): void {
    c.op = undefined;
    for (const l of this.listeners) l(outcome);
    if (this.o.rate === undefined) this.startNext(c, now);
    else {
      this.idle.push(c.id);
      this.dispatchQueue();
    }
  }

  private dispatchQueue(): void {
    while (this.queue.length > 0 && this.idle.length > 0) {
      const intended = this.queue.shift() as number;
      const c = this.clients[this.idle.pop() as number] as ClientState;
      this.begin(c, intended, this.cluster.now);
    }
  }

  private startNext(c: ClientState, now: number): void {
    if (now >= this.o.endUs) return;
    this.begin(c, now, now);
  }

  private begin(c: ClientState, intended: number, now: number): void {
    c.seq++;
    c.op = this.nextOp(c);
    c.intended = intended;
    c.firstSend = now;
    c.attempts = 0;
    this.issued++;
    c.gen++;
    this.send(c, now);
  }

  private send(c: ClientState, now: number): void {
    c.attempts++;
    c.lastSend = now;
    this.cluster.sendClientRequest(c.id, c.target, { type: 'req', client: c.id, seq: c.seq, op: c.op as KvOp });
    this.cluster.sim.at(now + this.o.attemptTimeoutUs, ATTEMPT_TIMEOUT, c.id, c.gen);
  }

  private nextOp(c: ClientState): KvOp {
    const key = `k${this.rng.int(0, this.o.keys - 1)}`;
    const u = this.rng.next();
    if (u < this.o.readRatio) return { op: 'get', key };
    // Unique values make the linearizability check sharp: every read names the write it saw.
    const value = `${c.id}.${c.seq}.${(this.valueCounter++).toString(36)}`.padEnd(this.o.valueBytes, '.');
    if (u < this.o.readRatio + this.o.casRatio) {
      return { op: 'cas', key, from: this.rng.bool(0.5) ? null : `${c.id}.${Math.max(1, c.seq - 1)}`, to: value };
    }
    return { op: 'put', key, value };
  }
}
