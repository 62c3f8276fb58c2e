/**
 * The swarmperf MCP server over streamable HTTP, on 127.0.0.1 only. Stateful sessions (the SDK's
 * pattern): an initialize request without a session id opens a session with its own McpServer;
 * later requests carry `mcp-session-id`. Requests whose Host or Origin is not this loopback
 * server are refused — a web page could otherwise reach a localhost server by DNS rebinding.
 *
 * Any local process can reach a loopback port, so: an optional bearer token guards every request
 * (as Jupyter does), and sessions cannot be hoarded — one with no request for `sessionIdleUs` is
 * closed, and when all slots are taken the longest-idle session is closed to make room (a session
 * with a request in flight, e.g. an open event stream, is never evicted).
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { ServerContext } from './context.js';
import { createSwarmperfServer } from './server.js';
import { DEFAULT_SESSION_IDLE_US, MAX_HTTP_SESSIONS } from './limits.js';

export const MCP_PATH = '/mcp';
const HOST = '127.0.0.1';
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface HttpServerOptions {
  /** Every request must carry `Authorization: Bearer <token>`; undefined: no token asked. */
  token?: string;
  /** Close a session after this long without a request, µs (default 10 min). */
  sessionIdleUs?: number;
  /** Most sessions at once (default 64). */
  maxSessions?: number;
  /** Milliseconds clock, for tests that move time instead of waiting. */
  nowMs?: () => number;
}

export interface HttpServerHandle {
  port: number;
  url: string;
  sessions(): number;
  /** Closes the sessions idle for longer than the limit now (also runs on a timer); returns how many. */
  closeIdleSessions(): Promise<number>;
  close(): Promise<void>;
}

interface Session {
  transport: StreamableHTTPServerTransport;
  close: () => Promise<void>;
  lastSeenMs: number;
  /** Requests of this session still open (a GET event stream stays open). */
  active: number;
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!m) return false;
  const given = Buffer.from(m[1] as string);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function jsonRpcError(res: ServerResponse, status: number, code: number, message: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error(`request body over ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startHttpServer(ctx: ServerContext, port: number, options: HttpServerOptions = {}): Promise<HttpServerHandle> {
  const sessions = new Map<string, Session>();
  const nowMs = options.nowMs ?? Date.now;
  const idleMs = (options.sessionIdleUs ?? DEFAULT_SESSION_IDLE_US) / 1000;
  const maxSessions = options.maxSessions ?? MAX_HTTP_SESSIONS;

  const closeSession = async (id: string, why: string): Promise<void> => {
    const s = sessions.get(id);
    if (!s) return;
    sessions.delete(id);
    ctx.config.log(`http: closed session ${id.slice(0, 8)}… (${why})`);
    await s.close().catch(() => {});
  };
  const closeIdleSessions = async (): Promise<number> => {
    const now = nowMs();
    const expired = [...sessions].filter(([, s]) => s.active === 0 && now - s.lastSeenMs >= idleMs).map(([id]) => id);
    for (const id of expired) await closeSession(id, `idle for over ${Math.round(idleMs / 1000)} s`);
    return expired.length;
  };
  /** Makes room for one more session: the longest-idle one goes; false when every session is busy. */
  const makeRoom = async (): Promise<boolean> => {
    await closeIdleSessions();
    if (sessions.size < maxSessions) return true;
    let oldest: [string, Session] | undefined;
    for (const entry of sessions) if (entry[1].active === 0 && (!oldest || entry[1].lastSeenMs < oldest[1].lastSeenMs)) oldest = entry;
    if (!oldest) return false;
    await closeSession(oldest[0], `the longest idle of ${maxSessions}, closed for a new session`);
    return true;
  };
  /** Counts a request against its session until its response ends. */
  const track = (session: Session, res: ServerResponse): void => {
    session.active++;
    session.lastSeenMs = nowMs();
    res.once('close', () => {
      session.active--;
      session.lastSeenMs = nowMs();
    });
  };
  // Filled in once the port is bound (a request cannot arrive before).
  let allowedHosts = new Set<string>();
  let allowedOrigins = new Set<string>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', `http://${HOST}`);
    if (url.pathname !== MCP_PATH) return jsonRpcError(res, 404, -32000, `not found: the MCP endpoint is ${MCP_PATH}`);
    if (!allowedHosts.has(req.headers.host ?? '')) return jsonRpcError(res, 403, -32000, `forbidden: Host "${req.headers.host ?? ''}" is not this loopback server`);
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins.has(origin)) return jsonRpcError(res, 403, -32000, `forbidden: Origin "${origin}" is not allowed`);
    if (options.token !== undefined && !tokenMatches(req.headers.authorization, options.token)) {
      res.setHeader('www-authenticate', 'Bearer realm="swarmperf-mcp"');
      return jsonRpcError(res, 401, -32000, 'unauthorized: send "Authorization: Bearer <token>" with the token swarmperf mcp printed at start');
    }

    const sessionHeader = req.headers['mcp-session-id'];
    const sessionId = Array.isArray(sessionHeader) ? sessionHeader[0] : sessionHeader;
    let body: unknown;
    if (req.method === 'POST') {
      let text: string;
      try {
        text = await readBody(req);
      } catch (err) {
        return jsonRpcError(res, 413, -32600, err instanceof Error ? err.message : String(err));
      }
      try {
        body = JSON.parse(text);
      } catch (err) {
        return jsonRpcError(res, 400, -32700, `parse error: the body is not JSON (${err instanceof Error ? err.message : String(err)})`);
      }
    }
    if (sessionId !== undefined) {
      const session = sessions.get(sessionId);
      if (!session) return jsonRpcError(res, 404, -32001, `unknown session "${sessionId}" (expired or closed); initialize a new one`);
      track(session, res);
      return session.transport.handleRequest(req, res, body);
    }
    if (req.method !== 'POST' || !isInitializeRequest(body)) {
      return jsonRpcError(res, 400, -32000, 'bad request: no mcp-session-id header; the first request of a session must be initialize');
    }
    if (sessions.size >= maxSessions && !(await makeRoom())) return jsonRpcError(res, 503, -32000, `too many sessions (${maxSessions}), each with a request in flight; try again later`);
    const server = createSwarmperfServer(ctx);
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        const session: Session = { transport, close: () => server.close(), lastSeenMs: nowMs(), active: 0 };
        sessions.set(id, session);
        track(session, res);
      },
      onsessionclosed: (id) => {
        sessions.delete(id);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  };

  const http: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      ctx.config.log(`http: ${err instanceof Error ? err.message : String(err)}`);
      jsonRpcError(res, 500, -32603, 'internal error');
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, HOST, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const boundPort = (http.address() as AddressInfo).port;
  allowedHosts = new Set([`${HOST}:${boundPort}`, `localhost:${boundPort}`]);
  allowedOrigins = new Set([`http://${HOST}:${boundPort}`, `http://localhost:${boundPort}`]);
  const url = `http://${HOST}:${boundPort}${MCP_PATH}`;
  // Sweep often enough that a session outlives its limit by at most a quarter of it.
  const sweep = setInterval(() => void closeIdleSessions(), Math.max(1000, Math.min(60_000, idleMs / 4)));
  sweep.unref();
  return {
    port: boundPort,
    url,
    sessions: () => sessions.size,
    closeIdleSessions,
    async close() {
      clearInterval(sweep);
      for (const s of [...sessions.values()]) await s.close().catch(() => {});
      sessions.clear();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
