/**
 * Every way a glob reaches the matcher (each backend's memory search, MCP memory_search, the
 * `memory search` command) survives the pattern that froze the server (issue 12 item 6): with a
 * backtracking matcher each of these would run for minutes; linear, they answer at once.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { ServerContext } from '../../src/mcp/context.js';
import { createSwarmperfServer } from '../../src/mcp/server.js';
import { openBackend } from '../../src/targets/backend.js';
import { runCli, tempDir } from '../helpers/cli.js';

const KEY = 'a'.repeat(200);
const EVIL = 'x/*a*a*a*a*a*a*a*a*a*b';

describe('adversarial globs through every user of the matcher', () => {
  it.each(['memory', 'sqlite', 'jsonfile'])('%s backend: search answers', async (kind) => {
    const backend = await openBackend(kind, tempDir());
    try {
      await backend.memory.store('x', KEY, 'v');
      await backend.memory.store('x', `${KEY}b`, 'v');
      const found = await backend.memory.search(EVIL);
      expect(found.map((e) => e.key)).toEqual([`${KEY}b`]);
    } finally {
      await backend.close();
    }
  });

  it('MCP memory_search answers', async () => {
    const ctx = new ServerContext({ dataDir: tempDir(), backend: 'memory', historyPath: undefined, maxBenchmarkUs: 60_000_000, log: () => {} });
    const server = createSwarmperfServer(ctx);
    const [a, b] = InMemoryTransport.createLinkedPair();
    await server.connect(a);
    const client = new Client({ name: 't', version: '1' });
    await client.connect(b);
    try {
      await client.callTool({ name: 'memory_store', arguments: { key: `x/${KEY}`, value: 'v' } });
      const r = (await client.callTool({ name: 'memory_search', arguments: { pattern: EVIL } })) as CallToolResult & { structuredContent?: Record<string, unknown> };
      expect(r.isError).toBeFalsy();
      expect(r.structuredContent?.total).toBe(0);
    } finally {
      await client.close();
      await server.close();
      await ctx.close();
    }
  });

  it('swarmperf memory search answers', () => {
    const dir = tempDir();
    expect(runCli(['memory', 'store', `x/${KEY}`, '--value', 'v', '--data-dir', dir]).status).toBe(0);
    const r = runCli(['memory', 'search', EVIL, '--data-dir', dir, '--json'], { timeoutMs: 30_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
  });
});
