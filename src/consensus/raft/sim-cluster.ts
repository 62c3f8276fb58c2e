/**
 * A Raft cluster in the deterministic simulator: N hosts (node + key-value store) on a simulated
 * network, driven by one scheduler and one seed, with crash/restart (persistent state kept,
 * volatile state lost), fault schedules, and the safety checker listening to every node.
 *
 * Timers: each node has at most one pending TIMER event, at or before its next deadline (asked
 * from the node with ticksUntilTimer(); 1 tick = 1 µs). A timer that fires early — because a
 * heartbeat pushed the deadline back — just re-arms, so resetting a timer costs no heap work.
 */
import { Rng } from '../../measure/rng.js';
import { DELIVER_EVENT, Network, type NetworkConfig } from '../../sim/network.js';
import { FAULT_EVENT, FaultInjector, type FaultableCluster, type FaultRecord, type FaultSchedule } from '../../sim/faults.js';
import { Scheduler, type SimEvent } from '../../sim/scheduler.js';
import { SafetyChecker } from '../checkers/safety.js';
import { RaftHost, type ClientReply, type ClientRequest } from './host.js';
import { kvCommandBytes } from './kv.js';
import { newPersistentState, RaftNode, type PersistentState, type RaftConfig } from './node.js';
import { messageBytes, type Entry, type RaftMessage } from './types.js';

export const TIMER_EVENT = 3;
export const CALLBACK_EVENT = 4;
/** A busy node became free: it takes the next message from its inbox. */
export const NODE_FREE_EVENT = 5;
/** Event kinds from 10 up belong to client drivers. */
export const CLIENT_EVENT_BASE = 10;

/** The network's settings (nodes, latencies, bandwidth, loss/dup/reorder) plus the seed and Raft's. */
export interface SimClusterOptions extends NetworkConfig {
  seed: number;
  /** Election timeout range, µs. */
  electionTimeoutUs: readonly [number, number];
  heartbeatUs: number;
  preVote?: boolean;
  checkQuorum?: boolean;
  batch?: boolean;
  maxEntriesPerAppend?: number;
  /**
   * Node processing cost: a node handles one message at a time, taking `perMessageUs` plus
   * `perEntryUs` for every log entry in it; messages arriving meanwhile wait. Without it nodes are
   * infinitely fast and throughput is bounded only by latency and concurrency.
   */
  processing?: { perMessageUs: number; perEntryUs: number };
  /** Keep a textual event trace (determinism tests). */
  trace?: boolean;
  /** Compare every pair of logs at each new leader (cheap on small runs; always done at the end). */
  checkLogsOnElection?: boolean;
  /** Builds nodes; tests pass a faulty subclass to prove the checkers catch it. */
  nodeFactory?: (config: RaftConfig, persistent: PersistentState) => RaftNode;
}

export interface ClientDriver {
  onReply(client: number, reply: ClientReply): void;
  onEvent(e: SimEvent): void;
}

export interface ClusterListener {
  leaderElected?(node: number, term: number, atUs: number): void;
  applied?(node: number, entry: Entry, atUs: number): void;
  fault?(record: FaultRecord): void;
  crashed?(node: number, atUs: number): void;
}

export class SimCluster implements FaultableCluster {
  readonly sim: Scheduler;
  readonly network: Network;
  readonly checker = new SafetyChecker();
  readonly nodeCount: number;
  readonly hosts: Array<RaftHost | undefined>;
  private readonly persistent: PersistentState[];
  private readonly nodeRngs: Rng[];
  private readonly up: boolean[];
  private readonly lastTick: number[];
  private readonly timerAt: number[];
  private readonly timerGen: number[];
  private readonly busyUntil: number[];
  /** Messages waiting for a busy node, in arrival order (only with a processing cost). */
  private readonly inbox: unknown[][];
  private readonly freePending: boolean[];
  private readonly callbacks = new Map<number, () => void>();
  private nextCallback = 1;
  private faults: FaultInjector | undefined;
  private clients: ClientDriver | undefined;
  readonly listeners: ClusterListener[] = [];
  /** Raft messages and their bytes (client traffic excluded), for messagesPerOp / bytesPerOp. */
  raftMessages = 0;
  raftBytes = 0;

  constructor(readonly options: SimClusterOptions) {
    if (options.nodes < 1) throw new Error('SimCluster: need at least one node');
    this.nodeCount = options.nodes;
    this.sim = new Scheduler({ seed: options.seed, trace: options.trace ?? false, describe: describeEvent });
    const root = this.sim.rng;
    const netRng = root.fork();
    this.nodeRngs = Array.from({ length: options.nodes }, () => root.fork());
    this.network = new Network(this.sim, netRng, options, (to, _from, message) => this.deliver(to, message));
    this.persistent = Array.from({ length: options.nodes }, () => newPersistentState());
    this.up = new Array<boolean>(options.nodes).fill(true);
    this.lastTick = new Array<number>(options.nodes).fill(0);
    this.timerAt = new Array<number>(options.nodes).fill(Number.POSITIVE_INFINITY);
    this.timerGen = new Array<number>(options.nodes).fill(0);
    this.busyUntil = new Array<number>(options.nodes).fill(0);
    this.inbox = Array.from({ length: options.nodes }, () => []);
    this.freePending = new Array<boolean>(options.nodes).fill(false);
    this.hosts = Array.from({ length: options.nodes }, (_, i) => this.makeHost(i));
    this.sim.setHandler((e) => this.handle(e));
    for (let i = 0; i < options.nodes; i++) this.armTimer(i);
  }

  get now(): number {
    return this.sim.now;
  }

  /** The members' ids are endpoints 0..N-1; clients are N and up. */
  clientEndpoint(client: number): number {
    return this.nodeCount + client;
  }

  attachClients(driver: ClientDriver): void {
    this.clients = driver;
  }

  applyFaults(schedule: FaultSchedule, offsetUs = 0): void {
    this.faults = new FaultInjector(this.sim, this, schedule, offsetUs);
  }

  get faultLog(): FaultRecord[] {
    return this.faults?.applied ?? [];
  }

  /** Runs `fn` at virtual time `atUs`. */
  at(atUs: number, fn: () => void): void {
    const id = this.nextCallback++;
    this.callbacks.set(id, fn);
    this.sim.at(atUs, CALLBACK_EVENT, 0, id);
  }

  runUntil(atUs: number): void {
    this.sim.run(atUs);
  }

  isUp(node: number): boolean {
    return this.up[node] === true;
  }

  host(node: number): RaftHost | undefined {
    return this.up[node] ? this.hosts[node] : undefined;
  }

  /** The live leader with the highest term, if any. */
  currentLeader(): number | undefined {
    let best: number | undefined;
    let bestTerm = -1;
    for (let i = 0; i < this.nodeCount; i++) {
      const h = this.hosts[i];
      if (!this.up[i] || !h || h.node.role !== 'leader') continue;
      if (h.node.term > bestTerm) {
        bestTerm = h.node.term;
        best = i;
      }
    }
    return best;
  }

  /** Crashes a node: volatile state (role, commit index, key-value store, pending requests) is lost; term, vote and log are kept. */
  crash(node: number): void {
    if (!this.up[node]) return;
    this.up[node] = false;
    this.busyUntil[node] = 0;
    this.inbox[node] = [];
    this.network.setDown(node, true);
    this.hosts[node] = undefined;
    this.timerGen[node] = (this.timerGen[node] as number) + 1;
    this.timerAt[node] = Number.POSITIVE_INFINITY;
    for (const l of this.listeners) l.crashed?.(node, this.sim.now);
  }

  restart(node: number): void {
    if (this.up[node]) return;
    this.up[node] = true;
    this.network.setDown(node, false);
    this.checker.restarted(node);
    this.hosts[node] = this.makeHost(node);
    this.lastTick[node] = this.sim.now;
    this.armTimer(node);
  }

  /** Sends a client request into the network (the client's own link latency applies). */
  sendClientRequest(client: number, node: number, req: ClientRequest): void {
    this.network.send(this.clientEndpoint(client), node, req, 24 + kvCommandBytes({ ...req.op, client: req.client, seq: req.seq }));
  }

  onFault(record: FaultRecord): void {
    for (const l of this.listeners) l.fault?.(record);
  }

  /** Final checks: log matching across all logs, completeness of live leaders, durability of acknowledged writes. */
  finalChecks(): void {
    const now = this.sim.now;
    this.checker.checkLogs(
      this.persistent.map((p) => p.log),
      now,
    );
    const leaders: Array<{ node: number; term: number; log: PersistentState['log'] }> = [];
    for (let i = 0; i < this.nodeCount; i++) {
      const h = this.host(i);
      if (h && h.node.role === 'leader') leaders.push({ node: i, term: h.node.term, log: h.node.log });
    }
    this.checker.checkFinal(leaders, now);
  }

  private makeHost(i: number): RaftHost {
    const o = this.options;
    const config: RaftConfig = {
      id: i,
      members: Array.from({ length: o.nodes }, (_, k) => k),
      electionTimeoutTicks: [o.electionTimeoutUs[0], o.electionTimeoutUs[1]],
      heartbeatTicks: o.heartbeatUs,
      preVote: o.preVote ?? false,
      checkQuorum: o.checkQuorum ?? true,
      batch: o.batch ?? true,
      maxEntriesPerAppend: o.maxEntriesPerAppend ?? 256,
      rng: this.nodeRngs[i] as Rng,
    };
    const persistent = this.persistent[i] as PersistentState;
    const node = o.nodeFactory ? o.nodeFactory(config, persistent) : new RaftNode(config, persistent);
    return new RaftHost(node, {
      leaderElected: (id, term, atUs) => {
        this.checker.leaderElected(id, term, node.log, atUs);
        if (o.checkLogsOnElection) this.checker.checkLogs(this.persistent.map((p) => p.log), atUs);
        for (const l of this.listeners) l.leaderElected?.(id, term, atUs);
      },
      applied: (id, entry, atUs) => {
        this.checker.applied(id, entry, atUs);
        for (const l of this.listeners) l.applied?.(id, entry, atUs);
      },
    });
  }

  private handle(e: SimEvent): void {
    switch (e.kind) {
      case DELIVER_EVENT:
        this.network.onDeliver(e);
        return;
      case TIMER_EVENT:
        if (e.aux !== this.timerGen[e.target]) return;
        this.timerAt[e.target] = Number.POSITIVE_INFINITY;
        this.catchUp(e.target);
        this.flush(e.target);
        return;
      case NODE_FREE_EVENT: {
        const i = e.target;
        const box = this.inbox[i] as unknown[];
        this.freePending[i] = false;
        if ((this.busyUntil[i] as number) <= this.sim.now) {
          const next = box.shift();
          if (next !== undefined) this.process(i, next);
        }
        if (box.length > 0) {
          this.freePending[i] = true;
          this.sim.at(this.busyUntil[i] as number, NODE_FREE_EVENT, i);
        }
        return;
      }
      case FAULT_EVENT:
        this.faults?.handle(e);
        return;
      case CALLBACK_EVENT: {
        const fn = this.callbacks.get(e.aux);
        this.callbacks.delete(e.aux);
        fn?.();
        return;
      }
      default:
        if (e.kind >= CLIENT_EVENT_BASE) this.clients?.onEvent(e);
    }
  }

  private deliver(to: number, message: unknown): void {
    if (to >= this.nodeCount) {
      this.clients?.onReply(to - this.nodeCount, message as ClientReply);
      return;
    }
    if (this.options.processing && (this.busyUntil[to] as number) > this.sim.now) {
      (this.inbox[to] as unknown[]).push(message);
      if (!this.freePending[to]) {
        this.freePending[to] = true;
        this.sim.at(this.busyUntil[to] as number, NODE_FREE_EVENT, to);
      }
      return;
    }
    this.process(to, message);
  }

  /** Handles one message at a node; with a processing cost, the node is busy for a while after. */
  private process(to: number, message: unknown): void {
    const host = this.hosts[to];
    if (!host) return;
    const m = message as RaftMessage | ClientRequest;
    const cost = this.options.processing;
    if (cost) {
      const entries = m.type === 'append' ? m.entries.length : m.type === 'req' ? 1 : 0;
      this.busyUntil[to] = this.sim.now + cost.perMessageUs + cost.perEntryUs * entries;
    }
    this.catchUp(to);
    if (m.type === 'req') host.clientRequest(m, this.sim.now);
    else host.step(m, this.sim.now);
    this.flush(to);
  }

  /** Gives a node the ticks that passed since it last saw time. */
  private catchUp(i: number): void {
    const now = this.sim.now;
    const host = this.hosts[i];
    const elapsed = now - (this.lastTick[i] as number);
    this.lastTick[i] = now;
    if (host && elapsed > 0) host.tick(elapsed, now);
  }

  /** Sends what the host produced and re-arms its timer. */
  private flush(i: number): void {
    const host = this.hosts[i];
    if (!host) return;
    const out = host.drain();
    for (const m of out.peer) {
      const bytes = messageBytes(m, kvCommandBytes);
      this.raftMessages++;
      this.raftBytes += bytes;
      this.network.send(i, m.to, m, bytes);
    }
    for (const r of out.replies) this.network.send(i, this.clientEndpoint(r.client), r, 32);
    this.armTimer(i);
  }

  private armTimer(i: number): void {
    const host = this.hosts[i];
    if (!host) return;
    const due = this.sim.now + host.node.ticksUntilTimer();
    if (due < (this.timerAt[i] as number)) {
      this.timerAt[i] = due;
      this.timerGen[i] = (this.timerGen[i] as number) + 1;
      this.sim.at(due, TIMER_EVENT, i, this.timerGen[i]);
    }
  }
}

function describeEvent(e: SimEvent): string {
  if (e.kind === DELIVER_EVENT) {
    const env = e.data as { from: number; to: number; message: { type?: string; term?: number; entries?: unknown[]; granted?: boolean; success?: boolean; seq?: number } };
    const m = env.message;
    return `${m.type ?? '?'} ${env.from}>${env.to} t${m.term ?? ''}${m.entries ? ` n${m.entries.length}` : ''}${m.granted !== undefined ? ` g${m.granted ? 1 : 0}` : ''}${m.success !== undefined ? ` s${m.success ? 1 : 0}` : ''}${m.seq !== undefined ? ` q${m.seq}` : ''}`;
  }
  return '';
}
