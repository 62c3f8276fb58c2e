import { createServer as createHttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { buildRequestBuffer, RawHttpPool } from '../../src/targets/http/raw-client.js';
import { parseRequestSpec } from '../../src/targets/http/request-spec.js';
import type { HttpTargetStats } from '../../src/targets/http/target.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const newStats = (): HttpTargetStats => ({ completed: 0, statusClasses: {}, failedWithoutResponse: 0, bytesReceived: 0 });

/** A server that holds every response until `release()`, counting TCP connections. */
async function holdingServer(): Promise<{ port: number; connections: () => number; held: () => number; whenHeld: (n: number) => Promise<void>; release: () => void }> {
  let connections = 0;
  let holding = true;
  const held: ServerResponse[] = [];
  let waiter: { n: number; resolve: () => void } | undefined;
  const server = createHttpServer((_req, res) => {
    if (!holding) return void res.end('ok');
    held.push(res);
    if (waiter && held.length >= waiter.n) waiter.resolve();
  });
  server.keepAliveTimeout = 10_000;
  server.on('connection', () => connections++);
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  cleanups.push(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return {
    port,
    connections: () => connections,
    held: () => held.length,
    whenHeld: (n) => (held.length >= n ? Promise.resolve() : new Promise<void>((resolve) => (waiter = { n, resolve }))),
    release: () => {
      holding = false;
      for (const res of held.splice(0)) res.end('ok');
    },
  };
}

function pool(port: number, connections: number): RawHttpPool {
  const spec = parseRequestSpec({ url: `http://127.0.0.1:${port}/x`, timeoutUs: 5e6 });
  const p = new RawHttpPool({ host: '127.0.0.1', port, request: buildRequestBuffer(spec), head: false, idempotent: true, connections, timeoutMs: 5000 });
  cleanups.push(() => p.destroy());
  return p;
}

describe('connection pool growth', () => {
  it('a burst against a server that has not answered yet opens one connection, not one per request', async () => {
    const server = await holdingServer();
    const p = pool(server.port, 64);
    const stats = newStats();
    const all = Promise.all(Array.from({ length: 40 }, () => p.request(stats)));
    await server.whenHeld(1);
    // The server holds the first request: nothing it answered justifies a second connection.
    expect(p.openConnections).toBe(1);
    server.release();
    await all;
    expect(stats.completed).toBe(40);
    expect(server.connections()).toBe(p.peakConnections);
    expect(p.peakConnections).toBeLessThan(40);
  });

  it('grows while the server keeps answering and requests keep waiting: N in flight get N connections', async () => {
    const server = await holdingServer();
    server.release(); // answers at once from now on
    const p = pool(server.port, 8);
    const stats = newStats();
    const worker = async (): Promise<void> => {
      for (let i = 0; i < 40; i++) await p.request(stats);
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    expect(stats.completed).toBe(320);
    expect(p.peakConnections).toBe(8);
  });

  it('never opens more than its cap', async () => {
    const server = await holdingServer();
    server.release();
    const p = pool(server.port, 3);
    const stats = newStats();
    await Promise.all(Array.from({ length: 100 }, () => p.request(stats)));
    expect(stats.completed).toBe(100);
    expect(p.peakConnections).toBeLessThanOrEqual(3);
  });
});
