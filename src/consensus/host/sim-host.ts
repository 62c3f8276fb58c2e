/**
 * The simulator host: runs any `ProtocolNode` on the simulated network, driven by one scheduler
 * and one seed. It owns what every protocol needs from a world — message delivery, timers, node
 * CPU (a node handles one message at a time), a disk per node, crash and restart, fault schedules
 * — and knows nothing about Raft, PBFT or gossip.
 *
 * Durability: a Ready with state to persist is written to the node's disk; its `afterPersist`
 * messages leave, and the node is advanced, only when the write is durable. With group commit on,
 * a node has one write in flight and its next Ready (everything it did meanwhile) is one more
 * write; off, every Ready is its own write, queued on the disk. A crash loses writes in flight.
 *
 * Timers: each node has at most one pending TIMER event, at or before its next deadline (asked
 * from the node with ticksUntilTimer(); 1 tick = 1 µs). A timer that fires early — because a
 * message pushed the deadline back — just re-arms, so resetting a timer costs no heap work.
 */
import type { Rng } from '../../measure/rng.js';
import { Disk, type DiskConfig } from '../../sim/disk.js';
import { FAULT_EVENT, FaultInjector, type FaultableCluster, type FaultRecord, type FaultSchedule } from '../../sim/faults.js';
import { DELIVER_EVENT, Network, type NetworkConfig } from '../../sim/network.js';
import { Scheduler, type SimEvent } from '../../sim/scheduler.js';
import type { Outbound, ProtocolNode, Ready } from '../protocol.js';

export const TIMER_EVENT = 3;
export const CALLBACK_EVENT = 4;
/** A busy node became free: it takes the next message from its inbox. */
export const NODE_FREE_EVENT = 5;
/** A node's disk write became durable. */
export const DISK_EVENT = 6;
/** Event kinds from 10 up belong to client drivers. */
export const CLIENT_EVENT_BASE = 10;

/** Node CPU: per message handled, per unit of work in it (log entries, requests), per message sent (signing, MACs). */
export interface ProcessingCost {
  perMessageUs: number;
  perEntryUs: number;
  perSendUs?: number;
}

export interface SimHostOptions extends NetworkConfig {
  seed: number;
  /** Without it nodes are infinitely fast and throughput is bounded only by latency and concurrency. */
  processing?: ProcessingCost;
  /** Without it state is durable the moment a node changes it (no storage model). */
  disk?: DiskConfig;
  /** Keep a textual event trace (determinism tests). */
  trace?: boolean;
}

export interface ClientDriver {
  onReply(client: number, reply: unknown): void;
  onEvent(e: SimEvent): void;
}

export interface HostListener<N = unknown> {
  fault?(record: FaultRecord): void;
  /** `lost` is the node object the crash discards (its durable image is what a restart finds). */
  crashed?(node: number, atUs: number, lost: N): void;
  restarted?(node: number, atUs: number): void;
}

/** Builds node `id`; `restarted` says whether it comes back from a crash (then it restores its durable state). */
export type NodeFactory<N extends ProtocolNode> = (id: number, rng: Rng, restarted: boolean) => N;

export class SimHost<N extends ProtocolNode> implements FaultableCluster {
  readonly sim: Scheduler;
  readonly network: Network;
  readonly nodeCount: number;
  readonly nodes: Array<N | undefined>;
  readonly disks: Disk[] | undefined;
  private readonly nodeRngs: Rng[];
  private readonly up: boolean[];
  private readonly lastTick: number[];
  private readonly timerAt: number[];
  private readonly timerGen: number[];
  private readonly busyUntil: number[];
  private readonly incarnation: number[];
  private readonly writing: number[];
  /** Messages waiting for a busy node, in arrival order (only with a processing cost). */
  private readonly inbox: unknown[][];
  private readonly freePending: boolean[];
  private readonly callbacks = new Map<number, () => void>();
  private nextCallback = 1;
  private live: number;
  private faults: FaultInjector | undefined;
  private clients: ClientDriver | undefined;
  readonly listeners: Array<HostListener<N>> = [];
  /** Messages between members and their bytes (client traffic excluded), for messagesPerOp / bytesPerOp. */
  protocolMessages = 0;
  protocolBytes = 0;

  constructor(
    readonly options: SimHostOptions,
    private readonly factory: NodeFactory<N>,
  ) {
    if (options.nodes < 1) throw new Error('SimHost: need at least one node');
    const n = options.nodes;
    this.nodeCount = n;
    this.live = n;
    this.sim = new Scheduler({ seed: options.seed, trace: options.trace ?? false, describe: describeEvent });
    const root = this.sim.rng;
    const netRng = root.fork();
    this.nodeRngs = Array.from({ length: n }, () => root.fork());
    this.network = new Network(this.sim, netRng, options, (to, _from, message) => this.deliver(to, message));
    const disk = options.disk;
    this.disks = disk ? Array.from({ length: n }, () => new Disk(disk, root.fork())) : undefined;
    this.up = new Array<boolean>(n).fill(true);
    this.lastTick = new Array<number>(n).fill(0);
    this.timerAt = new Array<number>(n).fill(Number.POSITIVE_INFINITY);
    this.timerGen = new Array<number>(n).fill(0);
    this.busyUntil = new Array<number>(n).fill(0);
    this.incarnation = new Array<number>(n).fill(0);
    this.writing = new Array<number>(n).fill(0);
    this.inbox = Array.from({ length: n }, () => []);
    this.freePending = new Array<boolean>(n).fill(false);
    this.nodes = Array.from({ length: n }, (_, i) => factory(i, this.nodeRngs[i] as Rng, false));
    this.sim.setHandler((e) => this.handle(e));
    for (let i = 0; i < n; i++) this.armTimer(i);
  }

  get now(): number {
    return this.sim.now;
  }

  /** Members up now. */
  get liveCount(): number {
    return this.live;
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

  node(i: number): N | undefined {
    return this.up[i] ? this.nodes[i] : undefined;
  }

  /** The live leader with the highest term, if the protocol has leaders and one leads. */
  currentLeader(): number | undefined {
    let best: number | undefined;
    let bestTerm = -1;
    for (let i = 0; i < this.nodeCount; i++) {
      const l = this.up[i] ? this.nodes[i]?.leading?.() : undefined;
      if (l && l.term > bestTerm) {
        bestTerm = l.term;
        best = i;
      }
    }
    return best;
  }

  /** Crashes a node: everything not durable is lost, writes in flight included. */
  crash(node: number): void {
    const lost = this.nodes[node];
    if (!this.up[node] || !lost) return;
    this.up[node] = false;
    this.live--;
    this.busyUntil[node] = 0;
    this.inbox[node] = [];
    this.network.setDown(node, true);
    this.nodes[node] = undefined;
    this.incarnation[node] = (this.incarnation[node] as number) + 1;
    this.writing[node] = 0;
    this.disks?.[node]?.reset(this.sim.now);
    this.timerGen[node] = (this.timerGen[node] as number) + 1;
    this.timerAt[node] = Number.POSITIVE_INFINITY;
    for (const l of this.listeners) l.crashed?.(node, this.sim.now, lost);
  }

  restart(node: number): void {
    if (this.up[node]) return;
    this.up[node] = true;
    this.live++;
    this.network.setDown(node, false);
    for (const l of this.listeners) l.restarted?.(node, this.sim.now);
    this.nodes[node] = this.factory(node, this.nodeRngs[node] as Rng, true);
    this.lastTick[node] = this.sim.now;
    this.armTimer(node);
  }

  /** Sends a client's message into the network (the client's own link latency applies). */
  sendFromClient(client: number, node: number, message: unknown, bytes: number): void {
    this.network.send(this.clientEndpoint(client), node, message, bytes);
  }

  onFault(record: FaultRecord): void {
    for (const l of this.listeners) l.fault?.(record);
  }

  /** Lets node `i` act now (after a direct poke by a scenario, e.g. a proposal). */
  poke(i: number): void {
    if (!this.up[i]) return;
    this.catchUp(i);
    this.flush(i);
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
      case NODE_FREE_EVENT:
        this.onNodeFree(e.target);
        return;
      case DISK_EVENT:
        this.onDurable(e.target, e.aux, e.data as Ready);
        return;
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

  private onNodeFree(i: number): void {
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
  }

  private onDurable(i: number, incarnation: number, r: Ready): void {
    const node = this.nodes[i];
    if (!node || incarnation !== this.incarnation[i]) return; // crashed meanwhile: the write never happened
    this.writing[i] = (this.writing[i] as number) - 1;
    this.catchUp(i);
    this.sendAll(i, r.afterPersist);
    node.advance(r, this.sim.now);
    this.flush(i);
  }

  private deliver(to: number, message: unknown): void {
    if (to >= this.nodeCount) {
      this.clients?.onReply(to - this.nodeCount, message);
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
    const node = this.nodes[to];
    if (!node) return;
    const cost = this.options.processing;
    if (cost) this.busyUntil[to] = this.sim.now + cost.perMessageUs + cost.perEntryUs * (node.workUnits?.(message) ?? 0);
    this.catchUp(to);
    node.step(message, this.sim.now);
    this.flush(to);
  }

  /** Gives a node the ticks that passed since it last saw time. */
  private catchUp(i: number): void {
    const now = this.sim.now;
    const node = this.nodes[i];
    const elapsed = now - (this.lastTick[i] as number);
    this.lastTick[i] = now;
    if (node && elapsed > 0) node.tick(elapsed, now);
  }

  /** Takes the node's Ready(s): sends what may go, writes what must be durable, re-arms the timer. */
  private flush(i: number): void {
    const node = this.nodes[i];
    if (!node) return;
    const disk = this.disks?.[i];
    const groupCommit = this.options.disk?.groupCommit ?? true;
    while (node.hasReady()) {
      if (disk && groupCommit && (this.writing[i] as number) > 0) break;
      const r = node.ready(this.sim.now);
      this.sendAll(i, r.now);
      if (disk && (r.persist || (this.writing[i] as number) > 0)) {
        // A Ready with nothing to write still waits behind earlier writes: Readies advance in order.
        const done = r.persist ? disk.write(this.sim.now, r.persist.bytes) : disk.idleAt(this.sim.now);
        this.writing[i] = (this.writing[i] as number) + 1;
        this.sim.at(done, DISK_EVENT, i, this.incarnation[i], r);
      } else {
        this.sendAll(i, r.afterPersist);
        node.advance(r, this.sim.now);
      }
    }
    this.armTimer(i);
  }

  private sendAll(i: number, out: readonly Outbound[]): void {
    const perSend = this.options.processing?.perSendUs ?? 0;
    for (const o of out) {
      if (o.toClient) {
        this.network.send(i, this.clientEndpoint(o.to), o.message, o.bytes);
        continue;
      }
      this.protocolMessages++;
      this.protocolBytes += o.bytes;
      this.network.send(i, o.to, o.message, o.bytes);
    }
    // Signing or MACing outgoing messages keeps the node busy (PBFT's authentication cost).
    if (perSend > 0 && out.length > 0) this.busyUntil[i] = Math.max(this.busyUntil[i] as number, this.sim.now) + perSend * out.length;
  }

  private armTimer(i: number): void {
    const node = this.nodes[i];
    if (!node) return;
    const due = this.sim.now + node.ticksUntilTimer();
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
