/**
 * The fault proxy for real mode (this kernel has no netem): every Raft message between nodes goes
 * through it, one listener per destination node. Per message it applies what the simulator's
 * network would — partitions, crashed nodes, loss, duplication, added latency (FIFO per link) —
 * then forwards it over loopback TCP to the node's own port.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { Rng } from '../../measure/rng.js';
import { sampleLatency, type LatencySpec } from '../../sim/latency.js';
import type { RateKind } from '../../sim/network.js';
import type { RaftMessage } from '../raft/types.js';
import { readFrames } from './frames.js';

export interface ProxyStats {
  forwarded: number;
  dropped: number;
  bytes: number;
}

export class FaultProxy {
  readonly stats: ProxyStats = { forwarded: 0, dropped: 0, bytes: 0 };
  private readonly servers: Server[] = [];
  readonly ports: number[] = [];
  private readonly targets: Array<number | undefined>;
  private readonly outbound: Array<Socket | undefined>;
  private readonly down: boolean[];
  private partitions: Array<{ id: number; groupOf: number[] }> = [];
  private nextId = 1;
  private readonly rates: Record<RateKind, Map<number, number>> = { loss: new Map(), duplicate: new Map(), reorder: new Map() };
  private readonly lastArrival = new Map<string, number>();
  private readonly inbound = new Set<Socket>();

  constructor(
    private readonly nodes: number,
    private readonly latency: LatencySpec,
    private readonly rng: Rng,
    private readonly base: Record<RateKind, number>,
  ) {
    this.targets = new Array<number | undefined>(nodes).fill(undefined);
    this.outbound = new Array<Socket | undefined>(nodes).fill(undefined);
    this.down = new Array<boolean>(nodes).fill(false);
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
    this.down[j] = down;
  }

  partition(groups: readonly (readonly number[])[]): number {
    const groupOf = new Array<number>(this.nodes).fill(-1);
    groups.forEach((g, i) => g.forEach((n) => (groupOf[n] = i)));
    const id = this.nextId++;
    this.partitions.push({ id, groupOf });
    return id;
  }

  heal(id: number): void {
    this.partitions = this.partitions.filter((p) => p.id !== id);
  }

  beginRate(kind: RateKind, value: number): number {
    const id = this.nextId++;
    this.rates[kind].set(id, value);
    return id;
  }

  endRate(kind: RateKind, id: number): void {
    this.rates[kind].delete(id);
  }

  private rate(kind: RateKind): number {
    let r = this.base[kind];
    for (const v of this.rates[kind].values()) if (v > r) r = v;
    return r;
  }

  private cut(a: number, b: number): boolean {
    return this.partitions.some((p) => p.groupOf[a] !== p.groupOf[b]);
  }

  private route(to: number, m: RaftMessage): void {
    const from = m.from;
    if (this.down[to] || this.down[from] || this.cut(from, to) || this.rng.next() < this.rate('loss')) {
      this.stats.dropped++;
      return;
    }
    const copies = this.rng.next() < this.rate('duplicate') ? 2 : 1;
    for (let c = 0; c < copies; c++) {
      let delayUs = sampleLatency(this.latency, this.rng);
      const now = performance.now() * 1000;
      const key = `${from}>${to}`;
      if (this.rng.next() < this.rate('reorder')) delayUs += sampleLatency(this.latency, this.rng);
      else {
        const last = this.lastArrival.get(key) ?? 0;
        if (now + delayUs < last) delayUs = last - now;
        this.lastArrival.set(key, now + delayUs);
      }
      if (delayUs < 500) this.forward(to, m);
      else setTimeout(() => this.forward(to, m), delayUs / 1000);
    }
  }

  private forward(to: number, m: RaftMessage): void {
    // Re-check at arrival: a partition or crash that began in flight drops the message.
    if (this.down[to] || this.cut(m.from, to)) {
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
