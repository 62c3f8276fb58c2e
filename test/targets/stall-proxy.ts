/**
 * A loopback TCP proxy that can stall every connection (bytes held in both directions, sockets
 * kept open — what a paused server or a congested link looks like to a client) and resume them,
 * or cut them (every connection reset). No kernel netem needed; only this test's own traffic
 * goes through it.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export class StallProxy {
  private readonly server: Server;
  private readonly pairs = new Set<[Socket, Socket]>();
  private stalled = false;
  port = 0;

  private constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {
    this.server = createServer((client) => this.accept(client));
  }

  static async start(targetUrl: string): Promise<StallProxy> {
    const u = new URL(targetUrl);
    const proxy = new StallProxy(u.hostname, Number(u.port));
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    proxy.port = (proxy.server.address() as { port: number }).port;
    return proxy;
  }

  /** The target URL with the proxy's port instead. */
  url(targetUrl: string): string {
    const u = new URL(targetUrl);
    u.port = String(this.port);
    return u.toString().replace(/\/$/, '');
  }

  stall(): void {
    this.stalled = true;
    for (const [a, b] of this.pairs) {
      a.pause();
      b.pause();
    }
  }

  resume(): void {
    this.stalled = false;
    for (const [a, b] of this.pairs) {
      a.resume();
      b.resume();
    }
  }

  /** Resets every open connection (the client sees ECONNRESET and must reconnect). */
  cut(): void {
    for (const [a, b] of this.pairs) {
      a.resetAndDestroy();
      b.resetAndDestroy();
    }
    this.pairs.clear();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    const upstream = connect({ host: this.targetHost, port: this.targetPort });
    const pair: [Socket, Socket] = [client, upstream];
    this.pairs.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    if (this.stalled) {
      client.pause();
      upstream.pause();
    }
    const end = (): void => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  }
}
