/**
 * The simulated network: endpoints 0..nodes-1 are cluster nodes, endpoints from `nodes` on are
 * clients. Each directed link has a one-way latency distribution (a default, optionally overridden
 * per link), optional bandwidth (serialisation delay, one transmission at a time per link), and
 * the network as a whole has loss, duplication and reordering rates that fault windows may raise.
 *
 * Links are FIFO by default (like the TCP connections a real deployment uses): a message never
 * overtakes an earlier one on the same link. A reordered message skips that rule and gets an extra
 * latency draw, so it can arrive after later ones.
 *
 * Partitions cut node↔node links only (clients sit outside the cluster and reach every live node,
 * as in Jepsen); a message is dropped if its link is cut when it is sent or when it would arrive.
 * A crashed node receives nothing.
 */
import type { Rng } from '../measure/rng.js';
import type { Scheduler, SimEvent } from './scheduler.js';
import { sampleLatency, type LatencySpec } from './latency.js';

export const DELIVER_EVENT = 1;

/** Largest cluster whose link FIFO state is kept in a dense n×n array. */
const DENSE_LINKS_MAX = 1024;

export interface NetworkConfig {
  nodes: number;
  latency: LatencySpec;
  /** Per-link overrides, keyed `${from}>${to}` (0-based endpoints). */
  linkLatency?: Map<string, LatencySpec>;
  /** Latency between clients and nodes (default: `latency`). */
  clientLatency?: LatencySpec;
  /** Bytes per second on each link; undefined = unlimited. */
  bandwidthBytesPerSec?: number;
  loss?: number;
  duplicate?: number;
  reorder?: number;
}

export type RateKind = 'loss' | 'duplicate' | 'reorder';

export interface NetworkStats {
  sent: number;
  delivered: number;
  bytesSent: number;
  duplicated: number;
  reordered: number;
  droppedLoss: number;
  droppedPartition: number;
  droppedDown: number;
}

interface Envelope {
  from: number;
  to: number;
  bytes: number;
  message: unknown;
}

export type DeliverFn = (to: number, from: number, message: unknown) => void;

export class Network {
  readonly stats: NetworkStats = { sent: 0, delivered: 0, bytesSent: 0, duplicated: 0, reordered: 0, droppedLoss: 0, droppedPartition: 0, droppedDown: 0 };
  private readonly nodes: number;
  private readonly down: Uint8Array;
  /** Active partitions: for each, the group of every node (-1 = not listed: the "rest" group). */
  private partitions: Array<{ id: number; groupOf: Int32Array }> = [];
  private nextPartitionId = 1;
  /** Last scheduled arrival per node↔node link (dense), and per client link (sparse). */
  /** Dense per-link FIFO state for clusters up to DENSE_LINKS_MAX nodes; larger ones use the sparse map. */
  private readonly lastArrivalNodes: Float64Array | undefined;
  private readonly lastArrival = new Map<number, number>();
  private readonly linkSpecs: Map<number, LatencySpec> | undefined;
  private readonly busyUntil = new Map<number, number>();
  private readonly baseRate: Record<RateKind, number>;
  private readonly rateWindows: Record<RateKind, Map<number, number>> = { loss: new Map(), duplicate: new Map(), reorder: new Map() };
  private nextWindowId = 1;
  private readonly rate: Record<RateKind, number>;

  constructor(
    private readonly sim: Scheduler,
    private readonly rng: Rng,
    private readonly config: NetworkConfig,
    private readonly deliverFn: DeliverFn,
  ) {
    this.nodes = config.nodes;
    this.down = new Uint8Array(config.nodes);
    // n² doubles: 8 MB at 1,000 nodes, 800 MB at 10,000 — large clusters (gossip) keep only the links in use.
    this.lastArrivalNodes = config.nodes <= DENSE_LINKS_MAX ? new Float64Array(config.nodes * config.nodes) : undefined;
    if (config.linkLatency && config.linkLatency.size > 0) {
      this.linkSpecs = new Map();
      for (const [k, v] of config.linkLatency) {
        const [a, b] = k.split('>').map(Number) as [number, number];
        this.linkSpecs.set(a * 65536 + b, v);
      }
    }
    this.baseRate = { loss: config.loss ?? 0, duplicate: config.duplicate ?? 0, reorder: config.reorder ?? 0 };
    this.rate = { ...this.baseRate };
  }

  /** Sends `message` (`bytes` long on the wire) from one endpoint to another. */
  send(from: number, to: number, message: unknown, bytes: number): void {
    const stats = this.stats;
    stats.sent++;
    stats.bytesSent += bytes;
    if (this.isCut(from, to)) {
      stats.droppedPartition++;
      return;
    }
    if (this.rate.loss > 0 && this.rng.next() < this.rate.loss) {
      stats.droppedLoss++;
      return;
    }
    const copies = this.rate.duplicate > 0 && this.rng.next() < this.rate.duplicate ? 2 : 1;
    if (copies === 2) stats.duplicated++;
    for (let c = 0; c < copies; c++) this.schedule(from, to, message, bytes);
  }

  private schedule(from: number, to: number, message: unknown, bytes: number): void {
    const now = this.sim.now;
    const key = from * 65536 + to;
    let start = now;
    const bw = this.config.bandwidthBytesPerSec;
    if (bw !== undefined) {
      const busy = this.busyUntil.get(key) ?? 0;
      if (busy > start) start = busy;
      start += Math.ceil((bytes * 1e6) / bw);
      this.busyUntil.set(key, start);
    }
    const nodes = this.nodes;
    const isNodeLink = from < nodes && to < nodes;
    const spec = (this.linkSpecs !== undefined ? this.linkSpecs.get(key) : undefined) ?? (isNodeLink ? this.config.latency : (this.config.clientLatency ?? this.config.latency));
    let arrival = start + sampleLatency(spec, this.rng);
    if (this.rate.reorder > 0 && this.rng.next() < this.rate.reorder) {
      // Skips the FIFO rule and is held back by one more latency draw.
      this.stats.reordered++;
      arrival += sampleLatency(spec, this.rng);
    } else if (isNodeLink && this.lastArrivalNodes) {
      const i = from * nodes + to;
      const last = this.lastArrivalNodes[i] as number;
      if (arrival < last) arrival = last;
      this.lastArrivalNodes[i] = arrival;
    } else {
      const last = this.lastArrival.get(key) ?? 0;
      if (arrival < last) arrival = last;
      this.lastArrival.set(key, arrival);
    }
    const env: Envelope = { from, to, bytes, message };
    this.sim.at(arrival, DELIVER_EVENT, to, from, env);
  }

  /** Call from the world's event handler for DELIVER_EVENT. */
  onDeliver(event: SimEvent): void {
    const env = event.data as Envelope;
    // A sparse FIFO entry matters only while a message is in flight on its link: drop it once the
    // latest one arrived, so a 10,000-node gossip cluster keeps state for in-flight links only.
    const key = env.from * 65536 + env.to;
    if (this.lastArrival.get(key) === event.at) this.lastArrival.delete(key);
    if (env.to < this.nodes && this.down[env.to] === 1) {
      this.stats.droppedDown++;
      return;
    }
    if (this.isCut(env.from, env.to)) {
      this.stats.droppedPartition++;
      return;
    }
    this.stats.delivered++;
    this.deliverFn(env.to, env.from, env.message);
  }

  isCut(a: number, b: number): boolean {
    if (a >= this.nodes || b >= this.nodes) return false;
    for (const p of this.partitions) if (p.groupOf[a] !== p.groupOf[b]) return true;
    return false;
  }

  /** Cuts the cluster into groups (0-based node ids); nodes not listed form one more group. Returns a handle for heal(). */
  partition(groups: readonly (readonly number[])[]): number {
    const groupOf = new Int32Array(this.nodes).fill(-1);
    groups.forEach((g, i) => {
      for (const n of g) if (n >= 0 && n < this.nodes) groupOf[n] = i;
    });
    const id = this.nextPartitionId++;
    this.partitions.push({ id, groupOf });
    return id;
  }

  heal(id?: number): void {
    this.partitions = id === undefined ? [] : this.partitions.filter((p) => p.id !== id);
  }

  get partitioned(): boolean {
    return this.partitions.length > 0;
  }

  setDown(node: number, down: boolean): void {
    this.down[node] = down ? 1 : 0;
  }

  isDown(node: number): boolean {
    return this.down[node] === 1;
  }

  /** Raises a rate for a while (overlapping windows: the highest applies). Returns a handle for endRate(). */
  beginRate(kind: RateKind, value: number): number {
    const id = this.nextWindowId++;
    this.rateWindows[kind].set(id, value);
    this.recomputeRate(kind);
    return id;
  }

  endRate(kind: RateKind, id: number): void {
    this.rateWindows[kind].delete(id);
    this.recomputeRate(kind);
  }

  currentRate(kind: RateKind): number {
    return this.rate[kind];
  }

  private recomputeRate(kind: RateKind): void {
    let r = this.baseRate[kind];
    for (const v of this.rateWindows[kind].values()) if (v > r) r = v;
    this.rate[kind] = r;
  }
}
