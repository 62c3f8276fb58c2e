/** A loopback HTTP server for tests: counts what it really received, per path. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestServer {
  url: string;
  port: number;
  /** Requests received per path (query string removed). */
  counts: Map<string, number>;
  bodyBytes: number;
  close(): Promise<void>;
}

export async function startTestServer(): Promise<TestServer> {
  const counts = new Map<string, number>();
  const state = { bodyBytes: 0 };
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] as string;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    let bytes = 0;
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => {
      state.bodyBytes += bytes;
      const m = /^\/status\/(\d{3})$/.exec(path);
      if (m) {
        res.statusCode = Number(m[1]);
        res.end('status');
        return;
      }
      if (path === '/echo-length') {
        res.end(String(bytes));
        return;
      }
      res.end('hello from the test server');
    });
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    counts,
    get bodyBytes() {
      return state.bodyBytes;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
