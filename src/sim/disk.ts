/**
 * The storage model: one disk per simulated node. A durable write costs one fsync drawn from a
 * latency distribution (`--fsync 5ms`, `uniform:2ms-8ms`, `lognormal:5ms,0.4`; the same syntax as
 * link latency) plus its bytes at the disk's write bandwidth. Writes are serialised — a write
 * starts when the previous one completed — which is what makes group commit pay: a batch written
 * with one fsync waits once, a queue of single writes waits once each.
 */
import type { Rng } from '../measure/rng.js';
import { sampleLatency, type LatencySpec } from './latency.js';

export interface DiskConfig {
  fsync: LatencySpec;
  /** Sequential write bandwidth, bytes per second; undefined = the fsync dominates. */
  writeBytesPerSec?: number;
  /**
   * On: a node has one write in flight and everything it does meanwhile goes into the next write
   * (one fsync per batch). Off: every state change is its own write, queued behind the others.
   */
  groupCommit: boolean;
}

export interface DiskStats {
  writes: number;
  bytes: number;
  /** Sum of time writes spent waiting for the disk plus being written, µs. */
  busyUs: number;
  /** Sum of the fsync part alone, µs. */
  fsyncUs: number;
}

export class Disk {
  private busyUntil = 0;
  readonly stats: DiskStats = { writes: 0, bytes: 0, busyUs: 0, fsyncUs: 0 };

  constructor(
    private readonly config: DiskConfig,
    private readonly rng: Rng,
  ) {}

  /** Queues a write of `bytes` at `nowUs`; returns when it is durable. */
  write(nowUs: number, bytes: number): number {
    const start = Math.max(nowUs, this.busyUntil);
    const fsync = sampleLatency(this.config.fsync, this.rng);
    const transfer = this.config.writeBytesPerSec ? Math.ceil((bytes * 1e6) / this.config.writeBytesPerSec) : 0;
    const done = start + transfer + fsync;
    this.busyUntil = done;
    this.stats.writes++;
    this.stats.bytes += bytes;
    this.stats.busyUs += done - nowUs;
    this.stats.fsyncUs += fsync;
    return done;
  }

  /** When everything queued so far is durable. */
  idleAt(nowUs: number): number {
    return Math.max(nowUs, this.busyUntil);
  }

  /** A crash loses the queue (writes not yet durable never happened). */
  reset(nowUs: number): void {
    this.busyUntil = nowUs;
  }
}
