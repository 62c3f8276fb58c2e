/**
 * The fault proxy for real mode (this kernel has no netem): every Raft message between nodes goes
 * through it, one listener per destination node. Per message it applies what the simulator's
 * network would — partitions, crashed nodes, loss, duplication, added latency (FIFO per link), as
 * decided by LinkRules (links.ts) — then forwards it over loopback TCP to the node's own port.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { Rng } from '../../measure/rng.js';
import type { FaultableLinks } from '../../sim/faults.js';
import type { LatencySpec } from '../../sim/latency.js';
import type { RateKind } from '../../sim/network.js';
import type { RaftMessage } from '../raft/types.js';
import { readFrames } from './frames.js';
import { LinkRules } from './links.js';

export interface ProxyStats {
  forwarded: number;
  dropped: number;
  bytes: number;
}

export class FaultProxy implements FaultableLinks {
  readonly stats: ProxyStats = { forwarded: 0, dropped: 0, bytes: 0 };
  private readonly servers: Server[] = [];
  readonly ports: number[] = [];
  private readonly targets: Array<number | undefined>;
  private readonly outbound: Array<Socket | undefined>;
  private readonly links: LinkRules;
  private readonly inbound = new Set<Socket>();

  constructor(
    private readonly nodes: number,
    latency: LatencySpec,
    rng: Rng,
    base: Record<RateKind, number>,
  ) {
    this.targets = new Array<number | undefined>(nodes).fill(undefined);
    this.outbound = new Array<Socket | undefined>(nodes).fill(undefined);
    this.links = new LinkRules(nodes, latency, rng, base);
  }

  async start(): Promise<void> {
    for (let j = 0; j < this.nodes; j++) {
      const server = createServer((socket) => {
        this.inbound.add(socket);
        socket.on('close', () => this.inbound.delete(socket));
        socket.on('error', () => undefined);
        readFrames(socket, (frame) => this.route(j, frame as RaftMessage));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const addr = server.address();
      this.ports.push(typeof addr === 'object' && addr ? addr.port : 0);
      this.servers.push(server);
    }
  }

  /** Where node j really listens (after a restart it is a new port). */
  setTarget(j: number, port: number | undefined): void {
    this.targets[j] = port;
    this.outbound[j]?.destroy();
    this.outbound[j] = undefined;
  }

  setDown(j: number, down: boolean): void {
    this.links.setDown(j, down);
  }

  partition(groups: readonly (readonly number[])[]): number {
    return this.links.partition(groups);
  }

  heal(id: number): void {
    this.links.heal(id);
  }

  beginRate(kind: RateKind, value: number): number {
    return this.links.beginRate(kind, value);
  }

  endRate(kind: RateKind, id: number): void {
    this.links.endRate(kind, id);
  }

  private route(to: number, m: RaftMessage): void {
    const delays = this.links.plan(m.from, to);
    if (delays.length === 0) this.stats.dropped++;
    for (const delayUs of delays) {
      if (delayUs < 500) this.forward(to, m);
      else setTimeout(() => this.forward(to, m), delayUs / 1000);
    }
  }

  private forward(to: number, m: RaftMessage): void {
    // Re-check at arrival: a partition or crash that began in flight drops the message.
    if (!this.links.open(m.from, to)) {
      this.stats.dropped++;
      return;
    }
    let s = this.outbound[to];
    if (!s || s.destroyed) {
      const port = this.targets[to];
      if (port === undefined) {
        this.stats.dropped++;
        return;
      }
      s = createConnection({ host: '127.0.0.1', port });
      s.setNoDelay(true);
      s.on('error', () => undefined);
      this.outbound[to] = s;
    }
    this.stats.forwarded++;
    const text = JSON.stringify(m) + '\n';
    this.stats.bytes += Buffer.byteLength(text);
    s.write(text);
  }

  async close(): Promise<void> {
    for (const s of this.outbound) s?.destroy();
    for (const s of this.inbound) s.destroy();
    await Promise.all(this.servers.map((srv) => new Promise<void>((resolve) => srv.close(() => resolve()))));
  }
}
