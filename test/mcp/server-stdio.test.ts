/**
 * The swarmperf MCP server end to end: `swarmperf mcp` spawned over stdio (the built CLI), driven
 * by the official SDK client, as an agent host would.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult, Progress } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHistory } from '../../src/results/history/store.js';
import { writeSyntheticToolLog } from '../../src/timings/synthetic.js';
import { CLI, tempDir } from '../helpers/cli.js';

type Result = CallToolResult & { structuredContent?: Record<string, unknown> };

const text = (r: Result): string => (r.content[0] as { text: string }).text;

describe('swarmperf mcp over stdio', () => {
  let client: Client;
  let cwd: string;
  let dataDir: string;
  let stderr = '';
  const call = async (name: string, args: Record<string, unknown>): Promise<Result> => (await client.callTool({ name, arguments: args })) as Result;

  beforeAll(async () => {
    // The server runs in an empty folder whose only child should ever be the data folder. Tools
    // may read files from the data folder and from the folder above (where the test writes a log).
    cwd = tempDir('swarmperf-mcp-stdio-');
    dataDir = join(cwd, 'data');
    mkdirSync(dataDir);
    const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp', '--data-dir', dataDir, '--backend', 'sqlite', '--allow-path', join(cwd, '..')], cwd, stderr: 'pipe' });
    transport.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    client = new Client({ name: 'swarmperf-test', version: '1.0.0' });
    await client.connect(transport);
  });

  afterAll(async () => {
    await client?.close();
  });

  it('lists every tool, each with a strict input schema', async () => {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    for (const n of ['benchmark_run', 'agent_metrics', 'memory_usage', 'bottleneck_detect', 'performance_report', 'tool_timing_report', 'memory_store', 'memory_retrieve', 'memory_search', 'memory_list']) expect(names).toContain(n);
    for (const t of tools) expect(t.inputSchema.additionalProperties).toBe(false);
    expect(client.getServerVersion()?.name).toBe('swarmperf');
  });

  it('stores, retrieves, searches and lists shared memory under full keys', async () => {
    const stored = await call('memory_store', { key: 'performance/benchmarker/bench-1/results', value: { status: 'complete', latency_p99: 45 }, ttlSeconds: 600 });
    expect(stored.isError).toBeFalsy();
    expect(stored.structuredContent?.key).toBe('performance/benchmarker/bench-1/results');
    expect(stored.structuredContent?.expiresAt).not.toBeNull();
    await call('memory_store', { key: 'development/coder/impl-456/code', value: 'const x = 1; // HIGH latency path' });

    const got = await call('memory_retrieve', { key: 'performance/benchmarker/bench-1/results' });
    expect(JSON.parse(text(got))).toEqual({ status: 'complete', latency_p99: 45 });
    const missing = await call('memory_retrieve', { key: 'performance/none/x' });
    expect(missing.isError).toBeFalsy();
    expect(missing.structuredContent?.found).toBe(false);

    const search = await call('memory_search', { pattern: '*/*/*/*', query: 'high latency' });
    expect((search.structuredContent?.entries as Array<{ key: string }>).map((e) => e.key)).toEqual(['development/coder/impl-456/code']);
    const byPattern = await call('memory_search', { pattern: 'performance/*/bench-*/results' });
    expect(byPattern.structuredContent?.total).toBe(1);

    const list = await call('memory_list', { pattern: 'performance/**', limit: 10 });
    expect((list.structuredContent?.keys as Array<{ key: string; value?: string }>).map((k) => k.key)).toContain('performance/benchmarker/bench-1/results');
    expect((list.structuredContent?.keys as Array<{ value?: string }>)[0]?.value).toBeUndefined();
  });

  it.each([
    ['memory_store', { value: 'x' }, /Invalid arguments for tool memory_store.*key/s],
    ['memory_store', { key: 'a/b', value: 'x', ttlSeconds: -1 }, /ttlSeconds/],
    ['memory_store', { key: 'a/b', value: 'x', colour: 'red' }, /Unrecognized key.*colour/],
    ['memory_store', { key: 'nonamespace', value: 'x' }, /memory_store: key "nonamespace" must be "namespace\/key"/],
    ['memory_store', { key: 'a/b', value: 'x'.repeat(1024 * 1024 + 1) }, /limit is 1048576 bytes/],
    ['memory_retrieve', { key: 42 }, /Invalid arguments for tool memory_retrieve.*key/s],
    ['memory_search', { pattern: 'a/b\\' }, /memory_search: pattern "a\/b\\": trailing/],
    ['memory_list', { limit: 0 }, /limit/],
    ['benchmark_run', {}, /give a suite \(one of: .*selftest/],
    ['benchmark_run', { suite: 'nope' }, /unknown suite "nope"/],
    ['benchmark_run', { suite: 'selftest', duration: 'ten seconds' }, /duration: expected a duration/],
    ['benchmark_run', { suite: 'selftest', duration: '2h' }, /allows at most/],
    ['benchmark_run', { suite: 'selftest', backend: 'sqlite:/tmp/evil.db' }, /paths are not accepted/],
    ['benchmark_run', { suite: 'selftest', agents: 0 }, /agents/],
    ['benchmark_run', { protocol: 'paxos' }, /unknown protocol "paxos"; known: raft, pbft, gossip/],
    ['benchmark_run', { protocol: 'raft', protocolParams: { colour: 'red' } }, /protocolParams.colour: no protocol has this parameter/],
    ['benchmark_run', { suite: 'selftest', scenario: 'election' }, /apply to a protocol benchmark only/],
    ['benchmark_run', { suite: 'selftest', protocol: 'raft' }, /either suite or protocol/],
    ['agent_metrics', { run: 'no-such-run' }, /agent_metrics: .*no-such-run/],
    ['bottleneck_detect', { run: '../../etc' }, /run must be a run id/],
  ])('%s: bad input case %# is an MCP error saying what is wrong', async (tool, args, message) => {
    const r = await call(tool, args);
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(message);
  });

  it('keys are data: path-like keys write nothing outside the data folder', async () => {
    for (const key of ['ns/../../../escape.txt', 'ns/..\\..\\x', '../../escape/y', 'ns/%2e%2e/z']) {
      const r = await call('memory_store', { key, value: 'v' });
      if (!r.isError) {
        const back = await call('memory_retrieve', { key });
        expect(text(back)).toBe('v');
      }
    }
    expect(readdirSync(cwd)).toEqual(['data']);
    expect(existsSync(join(cwd, '..', 'escape.txt'))).toBe(false);
  });

  it('benchmark_run runs a suite with progress, records it in history and memory', async () => {
    const progress: Progress[] = [];
    const r = (await client.callTool({ name: 'benchmark_run', arguments: { suite: 'selftest', duration: '1500ms', warmup: '0s', interval: '500ms', seed: 42, agents: 1, tags: { branch: 'test' } } }, undefined, {
      onprogress: (p) => progress.push(p),
      timeout: 60_000,
    })) as Result;
    expect(r.isError).toBeFalsy();
    const s = r.structuredContent as { runId: string; partial: boolean; passed: boolean; memoryKey: string; suites: Array<{ name: string; operations: Array<{ name: string; count: number }> }> };
    expect(s.partial).toBe(false);
    expect(s.passed).toBe(true);
    expect(s.suites[0]?.name).toBe('selftest');
    expect(s.suites[0]?.operations.every((o) => o.count > 0)).toBe(true);
    expect(s.memoryKey).toBe(`performance/swarmperf/bench-${s.runId}/results`);
    // Progress: at least one notification, strictly increasing.
    expect(progress.length).toBeGreaterThanOrEqual(1);
    for (let i = 1; i < progress.length; i++) expect(progress[i]!.progress).toBeGreaterThan(progress[i - 1]!.progress);

    const stored = await call('memory_retrieve', { key: s.memoryKey });
    const summary = JSON.parse(text(stored)) as { runId: string; status: string; format: string; metrics: Record<string, number> };
    expect(summary.runId).toBe(s.runId);
    expect(summary.status).toBe('complete');
    // One document, one writer (the memory sink): the shape the CLI's runs store too.
    expect(summary.format).toBe('swarmperf-run-summary');
    expect(Object.keys(summary.metrics).length).toBeGreaterThan(0);
    // The seed convention's documented search finds it.
    const found = await call('memory_search', { pattern: 'performance/*/bench-*/results' });
    expect(JSON.stringify(found.structuredContent)).toContain(s.runId);

    const h = openHistory(join(dataDir, 'history.db'), { mustExist: true });
    try {
      const run = h.getRun(s.runId);
      expect(run.config.seed).toBe(42);
      expect(run.tags).toEqual({ branch: 'test' });
    } finally {
      h.close();
    }

    const metrics = await call('agent_metrics', { run: 'latest' });
    expect(metrics.structuredContent?.runId).toBe(s.runId);
    const procs = (metrics.structuredContent?.suites as Array<{ processes: Array<{ label: string }> }>)[0]?.processes ?? [];
    expect(procs.map((p) => p.label)).toContain('main');
    const bottlenecks = await call('bottleneck_detect', { run: s.runId.slice(0, 17) });
    expect(bottlenecks.isError).toBeFalsy();
    expect(Array.isArray(bottlenecks.structuredContent?.findings)).toBe(true);
  });

  it('benchmark_run runs a Raft election benchmark in the simulator, checks passing', async () => {
    const r = (await client.callTool({ name: 'benchmark_run', arguments: { protocol: 'raft', scenario: 'election', nodes: 3, duration: '1s', warmup: '0s', seed: 7 } }, undefined, { timeout: 60_000 })) as Result;
    expect(r.isError).toBeFalsy();
    const s = r.structuredContent as { runId: string; passed: boolean; suites: Array<{ name: string; backend: string; operations: Array<{ name: string; count: number }> }> };
    expect(s.passed).toBe(true);
    expect(s.suites[0]?.name).toBe('consensus.raft');
    expect(s.suites[0]?.backend).toMatch(/^sim:3-nodes/);
    const election = s.suites[0]?.operations.find((o) => o.name === 'election');
    expect(election?.count).toBeGreaterThan(0);
  });

  it('benchmark_run takes every registered protocol with the CLI\'s parameters: gossip convergence with a fanout', async () => {
    const r = (await client.callTool({ name: 'benchmark_run', arguments: { protocol: 'gossip', scenario: 'convergence', nodes: 30, protocolParams: { fanout: 2 }, duration: '1s', warmup: '0s', seed: 3 } }, undefined, { timeout: 60_000 })) as Result;
    expect(r.isError, text(r)).toBeFalsy();
    const s = r.structuredContent as { passed: boolean; suites: Array<{ name: string; backend: string }> };
    expect(s.passed).toBe(true);
    expect(s.suites[0]?.name).toBe('consensus.gossip');
    expect(s.suites[0]?.backend).toMatch(/^sim:30-nodes/);
  });

  it('runs one benchmark at a time', async () => {
    const first = client.callTool({ name: 'benchmark_run', arguments: { suite: 'selftest', duration: '1500ms', warmup: '0s', agents: 1 } }, undefined, { timeout: 60_000 });
    await new Promise((r) => setTimeout(r, 300));
    const second = await call('benchmark_run', { suite: 'selftest', duration: '1s', warmup: '0s' });
    expect(second.isError).toBe(true);
    expect(text(second)).toMatch(/a benchmark is already running/);
    expect(((await first) as Result).isError).toBeFalsy();
  });

  it('performance_report renders the latest run as markdown', async () => {
    const r = await call('performance_report', {});
    expect(r.isError).toBeFalsy();
    const runId = r.structuredContent?.runId as string;
    expect(text(r)).toContain(runId);
    expect(text(r)).toMatch(/\| *sleep-1ms *\|/);
    // Earlier selftest runs of this session are in the history: the report shows their trends.
    expect(text(r)).toMatch(/## Trends[\s\S]*selftest/);
  });

  it('tool_timing_report ingests a log (into the data folder) and reports per tool', async () => {
    const log = join(cwd, '..', `${cwd.split('/').pop()}-tools.jsonl`);
    const truth = writeSyntheticToolLog(log, { bytes: 20_000, seed: 5 });
    const r = await call('tool_timing_report', { file: log, slowest: 3 });
    expect(r.isError).toBeFalsy();
    const rows = r.structuredContent?.rows as Array<{ tool: string; count: number }>;
    expect(rows.reduce((a, x) => a + x.count, 0)).toBe(truth.distinctCalls);
    expect((r.structuredContent?.ingested as { records: number }).records).toBe(truth.distinctCalls);
    expect(readdirSync(cwd)).toEqual(['data']);
    const missing = await call('tool_timing_report', { file: join(cwd, 'nope.jsonl') });
    expect(missing.isError).toBe(true);
    expect(text(missing)).toMatch(/nope.jsonl/);
  });

  it('memory_usage reports the process and the backend', async () => {
    const r = await call('memory_usage', {});
    const u = r.structuredContent as { process: { rssBytes: number; heapUsedBytes: number }; backend: { memoryEntries: number; fileBytes: number } };
    expect(u.process.rssBytes).toBeGreaterThan(u.process.heapUsedBytes);
    expect(u.backend.memoryEntries).toBeGreaterThanOrEqual(3);
    expect(u.backend.fileBytes).toBeGreaterThan(0);
  });

  it('wrote nothing to stdout but protocol (logs on stderr)', () => {
    expect(stderr).toMatch(/swarmperf mcp: swarmperf MCP server on stdio/);
  });
});
