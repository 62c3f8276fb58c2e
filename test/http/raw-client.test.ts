import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { buildRequestBuffer, HttpParseError, HttpStatusError, RawHttpPool, ResponseParser, type RawHttpPoolOptions } from '../../src/targets/http/raw-client.js';
import { parseRequestSpec } from '../../src/targets/http/request-spec.js';
import { HttpTarget, type HttpTargetStats } from '../../src/targets/http/target.js';

interface Seen {
  status: number;
  bodyBytes: number;
  keepAlive: boolean;
}

function parser(head = false): { p: ResponseParser; seen: Seen[] } {
  const seen: Seen[] = [];
  const p = new ResponseParser((status, bodyBytes, keepAlive) => seen.push({ status, bodyBytes, keepAlive }));
  p.headRequest = head;
  return { p, seen };
}

/** Feeds every piece in turn, resuming after each completed response as a caller must. */
function feed(p: ResponseParser, pieces: Buffer[]): void {
  for (const piece of pieces) {
    let at = 0;
    do at = p.execute(piece, at);
    while (at < piece.length);
  }
}

const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');
const byteByByte = (s: string): Buffer[] => [...bytes(s)].map((b) => Buffer.from([b]));

const CL_RESPONSE = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\ncontent-LENGTH: 11\r\nConnection: keep-alive\r\n\r\nhello world';
const CHUNKED_RESPONSE =
  'HTTP/1.1 201 Created\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n' +
  '5;name=value;other="quoted"\r\nhello\r\n' +
  'A \t;ext\r\n0123456789\r\n' +
  '0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n';
const EMPTY_RESPONSE = 'HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n';

describe('ResponseParser', () => {
  it('parses a Content-Length response fed one byte at a time', () => {
    const { p, seen } = parser();
    feed(p, byteByByte(CL_RESPONSE));
    expect(seen).toEqual([{ status: 200, bodyBytes: 11, keepAlive: true }]);
    expect(p.idle).toBe(true);
  });

  it('parses chunked bodies with extensions, whitespace and trailers, split at every position', () => {
    const whole = bytes(CHUNKED_RESPONSE);
    for (let cut = 1; cut < whole.length; cut++) {
      const { p, seen } = parser();
      feed(p, [whole.subarray(0, cut), whole.subarray(cut)]);
      expect(seen, `split at ${cut}`).toEqual([{ status: 201, bodyBytes: 15, keepAlive: true }]);
    }
    const { p, seen } = parser();
    feed(p, byteByByte(CHUNKED_RESPONSE));
    expect(seen).toEqual([{ status: 201, bodyBytes: 15, keepAlive: true }]);
  });

  it('stops after each of several responses coalesced in one chunk', () => {
    const { p, seen } = parser();
    const all = bytes(CL_RESPONSE + CHUNKED_RESPONSE + EMPTY_RESPONSE + 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
    const stops: number[] = [];
    let at = 0;
    while (at < all.length) {
      at = p.execute(all, at);
      stops.push(at);
    }
    expect(seen.map((s) => [s.status, s.bodyBytes])).toEqual([
      [200, 11],
      [201, 15],
      [204, 0],
      [404, 0],
    ]);
    // execute returns right after each response, so a caller can tell extra bytes apart.
    expect(stops[0]).toBe(CL_RESPONSE.length);
    expect(stops.at(-1)).toBe(all.length);
  });

  it('completes Content-Length: 0, 204 and 304 without a body, and HEAD whatever the length says', () => {
    const { p, seen } = parser();
    feed(p, [bytes('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'), bytes('HTTP/1.1 304 Not Modified\r\nETag: "x"\r\n\r\n'), bytes(EMPTY_RESPONSE)]);
    expect(seen.map((s) => [s.status, s.bodyBytes])).toEqual([
      [200, 0],
      [304, 0],
      [204, 0],
    ]);
    const head = parser(true);
    feed(head.p, [bytes('HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n'), bytes('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n')]);
    expect(head.seen).toEqual([
      { status: 200, bodyBytes: 0, keepAlive: true },
      { status: 200, bodyBytes: 0, keepAlive: true },
    ]);
  });

  it('skips 1xx interim responses and reports only the final one', () => {
    const { p, seen } = parser();
    feed(p, byteByByte('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n' + CL_RESPONSE));
    expect(seen).toEqual([{ status: 200, bodyBytes: 11, keepAlive: true }]);
  });

  it('reads Connection: close, HTTP/1.0 keep-alive rules and bodies that run until close', () => {
    const { p, seen } = parser();
    feed(p, [bytes('HTTP/1.1 200 OK\r\nConnection: Upgrade, Close\r\nContent-Length: 2\r\n\r\nok')]);
    feed(p, [bytes('HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok')]);
    feed(p, [bytes('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok')]);
    expect(seen.map((s) => s.keepAlive)).toEqual([false, false, true]);
    feed(p, [bytes('HTTP/1.1 200 OK\r\n\r\nsome'), bytes(' more')]);
    expect(p.readsUntilClose).toBe(true);
    expect(seen).toHaveLength(3);
    expect(p.finish()).toBe(true);
    expect(seen[3]).toEqual({ status: 200, bodyBytes: 9, keepAlive: false });
  });

  it('reports a response cut short at EOF as ECONNRESET', () => {
    const { p } = parser();
    feed(p, [bytes('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc')]);
    expect(() => p.finish()).toThrow(expect.objectContaining({ code: 'ECONNRESET' }) as Error);
    const idle = parser();
    expect(idle.p.finish()).toBe(false);
  });

  it.each([
    ['FTP/1.1 200 OK\r\n\r\n', 'HPE_INVALID_CONSTANT'],
    ['HTTP/1.1 2x0 OK\r\n\r\n', 'HPE_INVALID_STATUS'],
    ['HTTP/1.1 200 OK\r\nNoColonHere\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN'],
    ['HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n', 'HPE_INVALID_CONTENT_LENGTH'],
    ['HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n', 'HPE_UNEXPECTED_CONTENT_LENGTH'],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 'HPE_INVALID_CHUNK_SIZE'],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n', 'HPE_STRICT'],
    ['HTTP/1.1 101 Switching Protocols\r\n\r\n', 'HPE_UNEXPECTED_UPGRADE'],
  ])('rejects malformed framing %j with %s', (text, code) => {
    const { p, seen } = parser();
    let caught: unknown;
    try {
      feed(p, [bytes(text)]);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(HttpParseError);
    expect((caught as HttpParseError).code).toBe(code);
    expect(seen).toEqual([]);
  });

  it('refuses a response head larger than 64 KiB', () => {
    const { p } = parser();
    const big = 'HTTP/1.1 200 OK\r\n' + `X-Big: ${'a'.repeat(70_000)}\r\n`;
    expect(() => feed(p, [bytes(big.slice(0, 40_000)), bytes(big.slice(40_000))])).toThrow(expect.objectContaining({ code: 'HPE_HEADER_OVERFLOW' }) as Error);
  });
});

describe('buildRequestBuffer', () => {
  it('writes the request line, Host, headers, Content-Length and body', () => {
    const spec = parseRequestSpec({ url: 'http://127.0.0.1:8080/a/b?x=1', method: 'post', header: ['X-Test: yes'], body: '{"a":1}', timeoutUs: 1e6 });
    expect(buildRequestBuffer(spec).toString('latin1')).toBe(
      'POST /a/b?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nx-test: yes\r\nConnection: keep-alive\r\nContent-Length: 7\r\n\r\n{"a":1}',
    );
    const get = parseRequestSpec({ url: 'http://localhost/', header: ['User-Agent: me'], timeoutUs: 1e6 });
    expect(buildRequestBuffer(get).toString('latin1')).toBe('GET / HTTP/1.1\r\nHost: localhost\r\nuser-agent: me\r\nConnection: keep-alive\r\n\r\n');
  });
});

// ------------------------------------------------------------------------------------------
// Against real loopback servers.

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

const newStats = (): HttpTargetStats => ({ completed: 0, statusClasses: {}, failedWithoutResponse: 0, bytesReceived: 0 });

async function listen<T extends HttpServer | NetServer>(server: T): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return (server.address() as AddressInfo).port;
}

/** A node:http server counting requests and TCP connections. */
async function httpServer(handler: Parameters<typeof createHttpServer>[1]): Promise<{ port: number; connections: () => number; requests: () => number }> {
  let connections = 0;
  let requests = 0;
  const server = createHttpServer((req, res) => {
    requests++;
    handler!(req, res);
  });
  server.keepAliveTimeout = 10_000;
  server.on('connection', () => connections++);
  const port = await listen(server);
  return { port, connections: () => connections, requests: () => requests };
}

/** A raw TCP server: `onRequest(socket, n)` is called for each request head received on a connection. */
async function rawServer(onRequest: (socket: Socket, nth: number) => void): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let n = 0;
    let buffered = '';
    socket.on('data', (d: Buffer) => {
      buffered += d.toString('latin1');
      let end: number;
      while ((end = buffered.indexOf('\r\n\r\n')) >= 0) {
        buffered = buffered.slice(end + 4);
        onRequest(socket, n++);
      }
    });
  });
  cleanups.push(() => {
    for (const s of sockets) s.destroy();
  });
  const port = await listen(server);
  return { port, connections: () => connections };
}

function pool(port: number, extra: Partial<RawHttpPoolOptions> = {}, method = 'GET'): RawHttpPool {
  const spec = parseRequestSpec({ url: `http://127.0.0.1:${port}/x`, method, timeoutUs: 5e6, ...(method === 'POST' ? { body: 'b' } : {}) });
  const p = new RawHttpPool({ host: '127.0.0.1', port, request: buildRequestBuffer(spec), head: method === 'HEAD', idempotent: method !== 'POST', connections: 4, timeoutMs: 5000, ...extra });
  cleanups.push(() => p.destroy());
  return p;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return String((err as { code?: unknown }).code);
  }
  return 'resolved';
}

describe('RawHttpPool against a loopback server', () => {
  it('carries http:// targets (https:// stays on undici for TLS)', async () => {
    const server = await httpServer((_req, res) => res.end('hi'));
    const target = new HttpTarget(parseRequestSpec({ url: `http://127.0.0.1:${server.port}/`, timeoutUs: 1e6 }), { connections: 1 });
    expect(target.client).toBe('raw');
    await target.request();
    expect(target.currentStats).toEqual({ completed: 1, statusClasses: { '2xx': 1 }, failedWithoutResponse: 0, bytesReceived: 2 });
    await target.close();
    const tls = new HttpTarget(parseRequestSpec({ url: 'https://127.0.0.1:1/', timeoutUs: 1e6 }), { connections: 1 });
    expect(tls.client).toBe('undici');
    await tls.close();
  });

  it('keeps connections alive: N concurrent workers use N connections, and every request is counted once', async () => {
    const server = await httpServer((_req, res) => res.end('hello'));
    const p = pool(server.port, { connections: 4 });
    const stats = newStats();
    const worker = async (): Promise<void> => {
      for (let i = 0; i < 50; i++) await p.request(stats);
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    expect(server.connections()).toBe(4);
    expect(server.requests()).toBe(200);
    expect(stats).toEqual({ completed: 200, statusClasses: { '2xx': 200 }, failedWithoutResponse: 0, bytesReceived: 1000 });
    await p.close();
    expect(p.openConnections).toBe(0);
  });

  it('queues requests beyond the connection cap (FIFO) and never opens more connections', async () => {
    const server = await httpServer((_req, res) => setTimeout(() => res.end('x'), 2));
    const p = pool(server.port, { connections: 2 });
    const stats = newStats();
    const order: number[] = [];
    await Promise.all(Array.from({ length: 12 }, (_, i) => p.request(stats).then(() => order.push(i))));
    expect(server.connections()).toBe(2);
    expect(stats.completed).toBe(12);
    // Two connections: request i can only finish after request i-2 started, so completion order is nearly FIFO.
    for (let k = 2; k < order.length; k++) expect(order[k]!).toBeGreaterThanOrEqual(order[k - 2]! - 1);
  });

  it('reads chunked, empty and HEAD responses from node:http and counts body bytes', async () => {
    const server = await httpServer((req, res) => {
      if (req.method === 'HEAD') {
        res.setHeader('Content-Length', '1234');
        res.end();
        return;
      }
      if (req.url === '/x') {
        res.write('abc');
        setImmediate(() => {
          res.write('defgh');
          res.end('ij');
        });
      }
    });
    const stats = newStats();
    const get = pool(server.port);
    for (let i = 0; i < 5; i++) await get.request(stats);
    expect(stats.bytesReceived).toBe(50);
    const headStats = newStats();
    const head = pool(server.port, {}, 'HEAD');
    for (let i = 0; i < 5; i++) await head.request(headStats);
    expect(headStats).toEqual({ completed: 5, statusClasses: { '2xx': 5 }, failedWithoutResponse: 0, bytesReceived: 0 });
    expect(server.connections()).toBe(2);
  });

  it('follows Connection: close: each response ends its connection and the next request reconnects', async () => {
    const server = await httpServer((_req, res) => {
      res.setHeader('Connection', 'close');
      res.end('bye');
    });
    const p = pool(server.port, { connections: 1 });
    const stats = newStats();
    for (let i = 0; i < 10; i++) await p.request(stats);
    expect(stats).toEqual({ completed: 10, statusClasses: { '2xx': 10 }, failedWithoutResponse: 0, bytesReceived: 30 });
    expect(server.connections()).toBe(10);
  });

  it('parses responses the server writes a few bytes at a time', async () => {
    const response = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n';
    const server = await rawServer((socket) => {
      const pieces = response.match(/.{1,3}/gs)!;
      const next = (): void => {
        const piece = pieces.shift();
        if (piece !== undefined) socket.write(piece, () => setTimeout(next, 1));
      };
      next();
    });
    const p = pool(server.port, { connections: 1 });
    const stats = newStats();
    for (let i = 0; i < 3; i++) await p.request(stats);
    expect(stats).toMatchObject({ completed: 3, bytesReceived: 12 });
    expect(server.connections()).toBe(1);
  });

  it('rejects non-2xx/3xx with HttpStatusError and counts the status class', async () => {
    const server = await httpServer((_req, res) => {
      res.statusCode = 503;
      res.end('busy');
    });
    const p = pool(server.port);
    const stats = newStats();
    const err = await p.request(stats).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpStatusError);
    expect((err as HttpStatusError).code).toBe('HTTP 503');
    expect(stats).toMatchObject({ completed: 1, statusClasses: { '5xx': 1 }, failedWithoutResponse: 0 });
  });

  it('reports ECONNREFUSED with its code for every request', async () => {
    const probe = createNetServer();
    const port = await new Promise<number>((resolve) => probe.listen(0, '127.0.0.1', () => resolve((probe.address() as AddressInfo).port)));
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const p = pool(port, { connections: 2 });
    const stats = newStats();
    const codes = await Promise.all([1, 2, 3].map(() => codeOf(p.request(stats))));
    expect(codes).toEqual(['ECONNREFUSED', 'ECONNREFUSED', 'ECONNREFUSED']);
    expect(stats).toEqual({ completed: 3, statusClasses: {}, failedWithoutResponse: 3, bytesReceived: 0 });
  });

  it('reports ECONNRESET when the server resets mid-response, then recovers on a new connection', async () => {
    let served = 0;
    const server = await rawServer((socket) => {
      if (served++ === 0) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial', () => setTimeout(() => socket.resetAndDestroy(), 5));
      else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
    const p = pool(server.port, { connections: 1 });
    const stats = newStats();
    expect(await codeOf(p.request(stats))).toBe('ECONNRESET');
    expect(await codeOf(p.request(stats))).toBe('resolved');
    expect(stats).toEqual({ completed: 2, statusClasses: { '2xx': 1 }, failedWithoutResponse: 1, bytesReceived: 2 });
    expect(server.connections()).toBe(2);
  });

  it('reports a clean close mid-response as ECONNRESET (socket hang up)', async () => {
    const server = await rawServer((socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort'));
    const p = pool(server.port, { connections: 1 });
    const stats = newStats();
    expect(await codeOf(p.request(stats))).toBe('ECONNRESET');
    expect(stats.failedWithoutResponse).toBe(1);
  });

  it('fails a stalled request with ETIMEDOUT and keeps serving on a fresh connection', async () => {
    const server = await rawServer((socket, nth) => {
      if (nth === 0 && server.connections() === 1) return; // the first request never gets an answer
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
    const p = pool(server.port, { connections: 1, timeoutMs: 100 });
    const stats = newStats();
    expect(await codeOf(p.request(stats))).toBe('ETIMEDOUT');
    expect(await codeOf(p.request(stats))).toBe('resolved');
    expect(stats).toMatchObject({ completed: 2, failedWithoutResponse: 1 });
  });

  it('resends once, for idempotent methods only, a request lost on a keep-alive connection the server dropped', async () => {
    // The server answers the first request of each connection, then drops the connection when the
    // second arrives without answering (as a server closing an idle connection races a request).
    const handler = (socket: Socket, nth: number): void => {
      if (nth === 0) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      else socket.destroy();
    };
    const getServer = await rawServer(handler);
    const get = pool(getServer.port, { connections: 1 });
    const stats = newStats();
    expect(await codeOf(get.request(stats))).toBe('resolved');
    expect(await codeOf(get.request(stats))).toBe('resolved');
    expect(stats).toEqual({ completed: 2, statusClasses: { '2xx': 2 }, failedWithoutResponse: 0, bytesReceived: 4 });
    expect(getServer.connections()).toBe(2);

    const postServer = await rawServer(handler);
    const post = pool(postServer.port, { connections: 1 }, 'POST');
    const postStats = newStats();
    expect(await codeOf(post.request(postStats))).toBe('resolved');
    expect(await codeOf(post.request(postStats))).toBe('ECONNRESET');
    expect(postStats).toMatchObject({ completed: 2, failedWithoutResponse: 1 });
  });

  it('drops a connection that sends a response nobody asked for, keeping the answered one', async () => {
    const server = await rawServer((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
    const p = pool(server.port, { connections: 1 });
    const stats = newStats();
    expect(await codeOf(p.request(stats))).toBe('resolved');
    expect(await codeOf(p.request(stats))).toBe('resolved');
    expect(server.connections()).toBe(2);
  });

  it('close() waits for requests in flight; destroy() fails them with EDESTROYED', async () => {
    const server = await httpServer((_req, res) => setTimeout(() => res.end('late'), 30));
    const p = pool(server.port, { connections: 2 });
    const stats = newStats();
    const inFlight = [p.request(stats), p.request(stats), p.request(stats)];
    await p.close();
    expect(await Promise.all(inFlight.map(codeOf))).toEqual(['resolved', 'resolved', 'resolved']);
    expect(await codeOf(p.request(stats))).toBe('ECLOSED');

    const q = pool(server.port, { connections: 1 });
    const qStats = newStats();
    const pending = [codeOf(q.request(qStats)), codeOf(q.request(qStats))];
    await new Promise((r) => setTimeout(r, 5));
    await q.destroy();
    expect(await Promise.all(pending)).toEqual(['EDESTROYED', 'EDESTROYED']);
    expect(qStats).toMatchObject({ completed: 2, failedWithoutResponse: 2 });
  });
});
