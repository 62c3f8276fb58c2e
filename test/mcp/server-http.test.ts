/**
 * The swarmperf MCP server over streamable HTTP: in-process (the library's startHttpServer) for
 * sessions and the loopback guards, and `swarmperf mcp --http 0` spawned for the CLI path.
 */
import { request } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServerContext } from '../../src/mcp/context.js';
import { startHttpServer, type HttpServerHandle } from '../../src/mcp/http.js';
import { startCli, tempDir } from '../helpers/cli.js';

type Result = CallToolResult & { structuredContent?: Record<string, unknown> };

async function connect(url: string, headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: 'swarmperf-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

/** A raw HTTP request, to send what a well-behaved client never would. */
function raw(url: string, options: { method?: string; path?: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: u.hostname, port: u.port, path: options.path ?? u.pathname, method: options.method ?? 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...options.headers } },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body ?? '');
  });
}

describe('swarmperf MCP server over HTTP (in-process)', () => {
  let handle: HttpServerHandle;
  let ctx: ServerContext;
  beforeAll(async () => {
    const dataDir = tempDir('swarmperf-mcp-http-');
    ctx = new ServerContext({ dataDir, backend: 'memory', historyPath: undefined, maxBenchmarkUs: 60_000_000, log: () => {} });
    handle = await startHttpServer(ctx, 0);
  });
  afterAll(async () => {
    await handle?.close();
    await ctx?.close();
  });

  it('binds 127.0.0.1 only', () => {
    expect(handle.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
  });

  it('two sessions share the one backend', async () => {
    const a = await connect(handle.url);
    const b = await connect(handle.url);
    try {
      expect(handle.sessions()).toBe(2);
      const stored = (await a.callTool({ name: 'memory_store', arguments: { key: 'swarm/leader', value: 'agent-7' } })) as Result;
      expect(stored.isError).toBeFalsy();
      const got = (await b.callTool({ name: 'memory_retrieve', arguments: { key: 'swarm/leader' } })) as Result;
      expect(got.structuredContent?.value).toBe('agent-7');
      const bad = (await b.callTool({ name: 'memory_store', arguments: { key: 'swarm/x' } })) as Result;
      expect(bad.isError).toBe(true);
      expect((bad.content[0] as { text: string }).text).toMatch(/value/);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('refuses a foreign Host or Origin (DNS rebinding), other paths, and requests without a session', async () => {
    const init = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } });
    const host = new URL(handle.url).host;
    expect((await raw(handle.url, { headers: { host: 'evil.example:80' }, body: init })).status).toBe(403);
    expect((await raw(handle.url, { headers: { host, origin: 'http://evil.example' }, body: init })).status).toBe(403);
    expect((await raw(handle.url, { path: '/other', body: init })).status).toBe(404);
    const noSession = await raw(handle.url, { body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }) });
    expect(noSession.status).toBe(400);
    expect(noSession.body).toMatch(/must be initialize/);
    const unknown = await raw(handle.url, { headers: { 'mcp-session-id': 'nope' }, body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/list' }) });
    expect(unknown.status).toBe(404);
    const notJson = await raw(handle.url, { body: '{oops' });
    expect(notJson.status).toBe(400);
    expect(notJson.body).toMatch(/parse error/);
  });
});

describe('swarmperf mcp --http (CLI)', () => {
  it('prints its URL and token and serves tools until stopped', async () => {
    const dataDir = tempDir('swarmperf-mcp-cli-');
    const child = startCli(['mcp', '--http', '0', '--data-dir', dataDir, '--backend', 'memory', '--no-history']);
    try {
      const [url, authorization] = await new Promise<[string, string]>((resolve, reject) => {
        let out = '';
        child.stdout?.on('data', (c: Buffer) => {
          out += c.toString();
          const m = /^(http:\/\/127\.0\.0\.1:\d+\/mcp)\nAuthorization: (Bearer \S+)$/m.exec(out);
          if (m) resolve([m[1] as string, m[2] as string]);
        });
        child.once('exit', (code) => reject(new Error(`swarmperf mcp exited ${code}`)));
      });
      // Without the printed token the server answers 401.
      expect((await raw(url, { body: '{}' })).status).toBe(401);
      const client = await connect(url, { Authorization: authorization });
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain('memory_search');
      const usage = (await client.callTool({ name: 'memory_usage', arguments: {} })) as Result;
      expect((usage.structuredContent?.backend as { name: string }).name).toBe('memory');
      await client.close();
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    expect(child.exitCode ?? 0).toBe(0);
  });
});
