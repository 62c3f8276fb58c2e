/**
 * MCP against a hostile local client (issue 12 items 12 and 13): HTTP sessions expire when idle
 * and the longest-idle one makes room for a new one, a bearer token guards the HTTP transport,
 * and tools read files only inside the data folder (or --allow-path folders), with no file
 * excerpts in their errors. Time is moved by an injected clock, never waited for.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { ServerContext } from '../../src/mcp/context.js';
import { startHttpServer, type HttpServerHandle } from '../../src/mcp/http.js';
import { createSwarmperfServer } from '../../src/mcp/server.js';
import { tempDir } from '../helpers/cli.js';

const INIT = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } });

function post(url: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; session?: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, ...(typeof res.headers['mcp-session-id'] === 'string' ? { session: res.headers['mcp-session-id'] } : {}) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Opens the session's event stream (GET) and keeps it open: the session has a request in flight. */
function openStream(url: string, session: string): Promise<() => void> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: 'GET', headers: { accept: 'text/event-stream', 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' } }, (res) => {
      expect(res.statusCode).toBe(200);
      resolve(() => req.destroy());
    });
    req.on('error', (err) => {
      if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(err);
    });
    req.end();
  });
}

async function initialize(url: string, headers: Record<string, string> = {}): Promise<string> {
  const r = await post(url, INIT, headers);
  expect(r.status, r.body).toBe(200);
  return r.session as string;
}

function listTools(url: string, session: string): Promise<{ status: number; body: string }> {
  return post(url, JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }), { 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' });
}

describe('MCP over HTTP: sessions and token', () => {
  let handle: HttpServerHandle | undefined;
  let ctx: ServerContext | undefined;
  const logs: string[] = [];
  let now = 1_000_000;

  async function start(options: { token?: string; maxSessions?: number; sessionIdleUs?: number }): Promise<HttpServerHandle> {
    ctx = new ServerContext({ dataDir: tempDir(), backend: 'memory', historyPath: undefined, maxBenchmarkUs: 60_000_000, log: (l) => logs.push(l) });
    handle = await startHttpServer(ctx, 0, { ...options, nowMs: () => now });
    return handle;
  }

  afterEach(async () => {
    await handle?.close();
    await ctx?.close();
    handle = undefined;
  });

  it('a session idle past the limit is closed; one in use is kept', async () => {
    const h = await start({ sessionIdleUs: 60_000_000 });
    const idle = await initialize(h.url);
    const used = await initialize(h.url);
    now += 50_000;
    expect((await listTools(h.url, used)).status).toBe(200);
    now += 20_000; // idle: 70 s since its last request; used: 20 s
    expect(await h.closeIdleSessions()).toBe(1);
    expect(h.sessions()).toBe(1);
    expect((await listTools(h.url, idle)).status).toBe(404);
    expect((await listTools(h.url, used)).status).toBe(200);
  });

  it('when full, the longest-idle session is closed for a new one; busy sessions are never evicted', async () => {
    const h = await start({ maxSessions: 2 });
    const first = await initialize(h.url);
    now += 1000;
    const second = await initialize(h.url);
    now += 1000;
    await listTools(h.url, first); // first is now the more recently used
    now += 1000;
    const third = await initialize(h.url);
    expect(h.sessions()).toBe(2);
    expect((await listTools(h.url, second)).status).toBe(404);
    expect((await listTools(h.url, first)).status).toBe(200);
    // Both remaining sessions hold an open event stream: nothing can be evicted → 503.
    const closeA = await openStream(h.url, first);
    const closeB = await openStream(h.url, third);
    try {
      const refused = await post(h.url, INIT);
      expect(refused.status).toBe(503);
      expect(refused.body).toMatch(/too many sessions/);
    } finally {
      closeA();
      closeB();
    }
    expect(logs.join('\n')).toMatch(/closed session .* longest idle/);
  });

  it('with a token, every request needs it', async () => {
    const token = 'a-long-enough-secret-token-0123456789';
    const h = await start({ token });
    expect((await post(h.url, INIT)).status).toBe(401);
    expect((await post(h.url, INIT, { authorization: 'Bearer wrong-token' })).status).toBe(401);
    expect((await post(h.url, INIT, { authorization: `Basic ${token}` })).status).toBe(401);
    const session = await initialize(h.url, { authorization: `Bearer ${token}` });
    // A known session id is not enough without the token.
    expect((await listTools(h.url, session)).status).toBe(401);
    const client = new Client({ name: 't', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(h.url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    await client.close();
  });
});

describe('MCP tools read files only where allowed', () => {
  type Result = CallToolResult & { structuredContent?: Record<string, unknown> };

  async function serve(dataDir: string, allowedPaths: string[] = []): Promise<{ call: (args: Record<string, unknown>) => Promise<Result>; close: () => Promise<void> }> {
    const ctx = new ServerContext({ dataDir, backend: 'memory', historyPath: undefined, maxBenchmarkUs: 60_000_000, log: () => {}, allowedPaths });
    const server = createSwarmperfServer(ctx);
    const [a, b] = InMemoryTransport.createLinkedPair();
    await server.connect(a);
    const client = new Client({ name: 't', version: '1' });
    await client.connect(b);
    return {
      call: async (args) => (await client.callTool({ name: 'tool_timing_report', arguments: args })) as Result,
      close: async () => {
        await client.close();
        await server.close();
        await ctx.close();
      },
    };
  }
  const text = (r: Result): string => (r.content[0] as { text: string }).text;

  it('refuses paths outside the data folder alike, existing or not, with no excerpt', async () => {
    const root = tempDir();
    const dataDir = join(root, 'data');
    mkdirSync(dataDir);
    const secret = join(root, 'secret.json');
    writeFileSync(secret, 'root:*:20000:0:99999:7:::\n');
    symlinkSync(secret, join(dataDir, 'link.jsonl'));
    const s = await serve(dataDir);
    try {
      const existing = await s.call({ file: secret });
      const missing = await s.call({ file: join(root, 'no-such-file.json') });
      const viaDots = await s.call({ file: join(dataDir, '..', 'secret.json') });
      const viaLink = await s.call({ file: 'link.jsonl' });
      for (const r of [existing, missing, viaDots, viaLink]) {
        expect(r.isError).toBe(true);
        expect(text(r)).toMatch(/only files in the data folder or in a folder allowed with --allow-path/);
        expect(text(r)).not.toContain('root:');
      }
      // Same words whether the file exists or not: nothing to learn about the disk.
      expect(text(existing)).toBe(text(missing));
    } finally {
      await s.close();
    }
  });

  it('reads a file in an --allow-path folder, reporting bad lines without their text', async () => {
    const root = tempDir();
    const dataDir = join(root, 'data');
    const logs = join(root, 'logs');
    mkdirSync(dataDir);
    mkdirSync(logs);
    const file = join(logs, 'wrong.jsonl');
    writeFileSync(file, 'root:*:20000:0:99999:7:::\n{"not":"a tool event"}\n');
    const s = await serve(dataDir, [logs]);
    try {
      const r = await s.call({ file });
      const body = JSON.stringify(r);
      expect(body).not.toContain('root:*');
      expect(body).not.toContain('20000');
    } finally {
      await s.close();
    }
  });
});
