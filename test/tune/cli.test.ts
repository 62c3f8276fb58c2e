/**
 * `swarmperf tune` end to end (the built CLI) on Raft in the simulator, and the MCP tool `tune`
 * with the same parameters: a tiny search runs, its trials land in the history tagged with the
 * session, --json writes the result, and a bad parameter exits 2 naming it.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, runCli, tempDir } from '../helpers/cli.js';

const RAFT = ['--protocol', 'raft', '--scenario', 'election', '--param', 'electionTimeout=50-100ms,150-300ms', '--param', 'heartbeat=10ms,20ms', '--set', 'trials=5', '--minimize', 'consensus.raft.election.mean', '--seed', '3'];

describe('swarmperf tune (CLI)', () => {
  it('tunes Raft in the simulator: every trial a run in the history, the result in --json', () => {
    const dir = tempDir('swarmperf-tune-cli-');
    const out = join(dir, 'tune.json');
    const r = runCli(['tune', ...RAFT, '--trials', '6', '--json', out, '--data-dir', dir], { timeoutMs: 180_000 });
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^best: electionTimeout=\S+ heartbeat=\S+$/m);
    expect(r.stdout).toMatch(/reproduce: swarmperf bench --protocol raft --scenario election --trials 5 --election-timeout \S+ --heartbeat \S+ --warmup 1s --seed 3/);
    const result = JSON.parse(readFileSync(out, 'utf8')) as { id: string; method: string; trials: number; best: { runIds: string[]; params: Record<string, string> } };
    expect(result.method).toBe('grid');
    expect(result.trials).toBeLessThanOrEqual(6);
    const history = runCli(['history', '--json', '--data-dir', dir, '--tag', `tune=${result.id}`]);
    expect(history.status).toBe(0);
    const tagged = JSON.parse(history.stdout) as Array<{ id: string; command: string; tags?: Record<string, string> }>;
    expect(tagged.every((x) => x.command === 'tune' && x.tags?.tuneParams !== undefined)).toBe(true);
    expect(tagged.length).toBe(result.trials);
    expect(tagged.map((x) => x.id)).toContain(result.best.runIds[0]);
  });

  it('exits 2 naming a bad parameter, before any trial runs', () => {
    const dir = tempDir('swarmperf-tune-cli-');
    const unknown = runCli(['tune', '--protocol', 'raft', '--param', 'electionTimout=50-100ms', '--minimize', 'p99', '--data-dir', dir]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/^swarmperf: --param: unknown parameter "electionTimout"; tunable here: .*electionTimeout/);
    const range = runCli(['tune', 'tasks', '--backend', 'sqlite', '--param', 'agents=0..16', '--maximize', 'throughput', '--data-dir', dir]);
    expect(range.status).toBe(2);
    expect(range.stderr).toMatch(/--param agents: 0 is outside the declared range \(from 1 to 256\)/);
    const choice = runCli(['tune', 'tasks', '--param', 'busyWait=sqlite,yield', '--maximize', 'throughput', '--data-dir', dir]);
    expect(choice.status).toBe(2);
    expect(choice.stderr).toMatch(/--param busyWait: expected one of sqlite, spin, got "yield"/);
    const timeout = runCli(['tune', '--protocol', 'raft', '--param', 'electionTimeout=300-150ms', '--minimize', 'p99', '--data-dir', dir]);
    expect(timeout.status).toBe(2);
    expect(timeout.stderr).toMatch(/--param electionTimeout: the maximum is below the minimum/);
    expect(runCli(['history', '--json', '--data-dir', dir]).stdout.trim()).toBe('[]');
  });
});

describe('MCP tune', () => {
  it('runs a tiny tune with the same parameters, and refuses a bad one naming it', async () => {
    const dir = tempDir('swarmperf-tune-mcp-');
    const client = new Client({ name: 'swarmperf-test', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp', '--data-dir', dir], stderr: 'pipe' }));
    try {
      const tool = (await client.listTools()).tools.find((t) => t.name === 'tune');
      expect(tool?.inputSchema.additionalProperties).toBe(false);
      const args = { protocol: 'raft', scenario: 'election', params: ['electionTimeout=50-100ms,150-300ms', 'heartbeat=10ms,20ms'], set: ['trials=5'], minimize: 'consensus.raft.election.mean', trials: 6, seed: 3 };
      const r = (await client.callTool({ name: 'tune', arguments: args }, undefined, { timeout: 180_000 })) as CallToolResult & { structuredContent?: Record<string, unknown> };
      expect(r.isError).toBeFalsy();
      const s = r.structuredContent as { trials: number; method: string; best: { params: Record<string, string>; command: string } };
      expect(s.method).toBe('grid');
      expect(s.trials).toBeLessThanOrEqual(6);
      expect(Object.keys(s.best.params)).toEqual(['electionTimeout', 'heartbeat']);
      expect(s.best.command).toMatch(/^swarmperf bench --protocol raft/);
      // The CLI on the same parameters and seed reaches the same best (deterministic simulator).
      const cli = runCli(['tune', ...RAFT, '--trials', '6', '--json', '-', '--quiet', '--no-history', '--data-dir', dir], { timeoutMs: 180_000 });
      expect((JSON.parse(cli.stdout) as { best: { params: Record<string, string> } }).best.params).toEqual(s.best.params);
      const bad = (await client.callTool({ name: 'tune', arguments: { ...args, params: ['heartbeet=10ms,20ms'] } })) as CallToolResult;
      expect(bad.isError).toBe(true);
      expect((bad.content[0] as { text: string }).text).toMatch(/^tune: --param: unknown parameter "heartbeet"/);
    } finally {
      await client.close();
    }
  });
});
