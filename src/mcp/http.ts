/**
 * The swarmperf MCP server over streamable HTTP, on 127.0.0.1 only. Stateful sessions (the SDK's
 * pattern): an initialize request without a session id opens a session with its own McpServer;
 * later requests carry `mcp-session-id`. Requests whose Host or Origin is not this loopback
 * server are refused — a web page could otherwise reach a localhost server by DNS rebinding.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { ServerContext } from './context.js';
import { createSwarmperfServer } from './server.js';

export const MCP_PATH = '/mcp';
const HOST = '127.0.0.1';
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const MAX_SESSIONS = 64;

export interface HttpServerHandle {
  port: number;
  url: string;
  sessions(): number;
  close(): Promise<void>;
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

export async function startHttpServer(ctx: ServerContext, port: number): Promise<HttpServerHandle> {
  const sessions = new Map<string, { transport: StreamableHTTPServerTransport; close: () => Promise<void> }>();
  // Filled in once the port is bound (a request cannot arrive before).
  let allowedHosts = new Set<string>();
  let allowedOrigins = new Set<string>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', `http://${HOST}`);
    if (url.pathname !== MCP_PATH) return jsonRpcError(res, 404, -32000, `not found: the MCP endpoint is ${MCP_PATH}`);
    if (!allowedHosts.has(req.headers.host ?? '')) return jsonRpcError(res, 403, -32000, `forbidden: Host "${req.headers.host ?? ''}" is not this loopback server`);
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins.has(origin)) return jsonRpcError(res, 403, -32000, `forbidden: Origin "${origin}" is not allowed`);

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
      return session.transport.handleRequest(req, res, body);
    }
    if (req.method !== 'POST' || !isInitializeRequest(body)) {
      return jsonRpcError(res, 400, -32000, 'bad request: no mcp-session-id header; the first request of a session must be initialize');
    }
    if (sessions.size >= MAX_SESSIONS) return jsonRpcError(res, 503, -32000, `too many sessions (${MAX_SESSIONS}); close one first`);
    const server = createSwarmperfServer(ctx);
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        sessions.set(id, { transport, close: () => server.close() });
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
  return {
    port: boundPort,
    url,
    sessions: () => sessions.size,
    async close() {
      for (const s of [...sessions.values()]) await s.close().catch(() => {});
      sessions.clear();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
