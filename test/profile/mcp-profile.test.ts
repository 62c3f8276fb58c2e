/** The MCP tool profile_run end to end: `swarmperf mcp` over stdio, reading runs recorded by the CLI. */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli, tempDir } from '../helpers/cli.js';

type Result = CallToolResult & { structuredContent?: Record<string, unknown> };
const text = (r: Result): string => (r.content[0] as { text: string }).text;

describe('MCP profile_run', () => {
  let client: Client;
  let dataDir: string;
  const call = async (args: Record<string, unknown>): Promise<Result> => (await client.callTool({ name: 'profile_run', arguments: args })) as Result;
  const record = (extra: string[]): void => {
    const r = runCli(['run', 'selftest', '--duration', '1s', '--warmup', '0s', '--data-dir', dataDir, '--quiet', ...extra]);
    expect(r.status).toBe(0);
  };

  beforeAll(async () => {
    dataDir = tempDir('swarmperf-mcp-profile-');
    record([]);
    record(['--profile']);
    const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp', '--data-dir', dataDir], stderr: 'pipe' });
    client = new Client({ name: 'swarmperf-test', version: '1.0.0' });
    await client.connect(transport);
  });

  afterAll(async () => {
    await client?.close();
  });

  it('lists the tool with a strict input schema', async () => {
    const tool = (await client.listTools()).tools.find((t) => t.name === 'profile_run');
    expect(tool?.inputSchema.additionalProperties).toBe(false);
  });

  it('gives the top functions of the latest (profiled) run', async () => {
    const r = await call({ limit: 5 });
    expect(r.isError).toBeFalsy();
    expect(text(r)).toMatch(/^CPU time [\d.]+ ms/);
    expect(r.structuredContent?.processes).toEqual(['main']);
    const top = r.structuredContent?.top as Array<{ function: string; selfUs: number; totalUs: number }>;
    expect(top.length).toBeGreaterThan(0);
    expect(top.length).toBeLessThanOrEqual(5);
    for (const row of top) expect(row.totalUs).toBeGreaterThanOrEqual(row.selfUs);
  });

  it('gives the flamegraph as SVG', async () => {
    const r = await call({ format: 'svg' });
    expect(r.isError).toBeFalsy();
    expect(text(r)).toMatch(/^<\?xml[\s\S]*<svg[\s\S]*<\/svg>/);
  });

  it('says so when the run was not profiled, and rejects a bad process name', async () => {
    const r = await call({ run: 'latest~1' });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/profile_run: run \S+ was not profiled/);
    const bad = await call({ process: '../etc' });
    expect(bad.isError).toBe(true);
  });
});
