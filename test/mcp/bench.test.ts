/**
 * mcp-bench against real servers: the fixture (tools of known behaviour, over stdio and HTTP) and a
 * third-party server from npm (@modelcontextprotocol/server-everything). Counts are checked
 * against what the servers themselves report; nothing asserts speed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RealClock } from '../../src/measure/clock.js';
import { silentProgress } from '../../src/report/progress.js';
import { SuiteSchema } from '../../src/core/result.js';
import { runMcpBench, type McpBenchOptions } from '../../src/targets/mcp/bench.js';
import { parseHttpTarget, parseStdioTarget, type McpTargetSpec } from '../../src/targets/mcp/spec.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/fixture-server.mjs', import.meta.url));
const require = createRequire(import.meta.url);
const EVERYTHING = join(dirname(require.resolve('@modelcontextprotocol/server-everything/package.json')), 'dist/index.js');

function options(target: McpTargetSpec, tools: McpBenchOptions['tools'], over: Partial<McpBenchOptions> = {}): McpBenchOptions {
  return {
    target,
    tools,
    load: { model: 'closed', concurrency: 2 },
    clock: new RealClock(),
    durationUs: 400_000,
    warmupUs: 0,
    intervalUs: 200_000,
    seed: 7,
    timeoutMs: 5_000,
    coldStarts: 1,
    signal: new AbortController().signal,
    progress: silentProgress,
    ...over,
  };
}

/** How many tools/call the fixture process has served (its own count, not ours). */
async function fixtureCount(client: Client): Promise<number> {
  const r = await client.callTool({ name: 'count', arguments: {} });
  return Number((r.content as Array<{ text: string }>)[0]?.text);
}

describe('mcp-bench on the fixture server (stdio)', () => {
  const target = parseStdioTarget('--stdio', `${process.execPath} ${FIXTURE}`);

  it('measures a tool; every call counted matches a call the server served', async () => {
    const out = await runMcpBench(options(target, { mode: 'one', tool: 'echo', args: { text: 'hi' } }, { iterations: 300, durationUs: 30_000_000 }));
    expect(SuiteSchema.safeParse(out.suite).success).toBe(true);
    expect(out.suite.name).toBe('mcp');
    expect(out.suite.backend).toBe(target.display);
    const op = out.suite.operations.find((o) => o.name === 'echo');
    expect(op?.count).toBe(300);
    expect(op?.errors).toBe(0);
    expect(out.suite.checks.every((c) => c.passed)).toBe(true);
    expect(out.serverName).toBe('swarmperf-fixture');
    const m = out.suite.metrics ?? {};
    for (const k of ['coldStartMs', 'initializeMs', 'toolsListMs', 'spawnMs']) expect(m[k]).toBeGreaterThan(0);
    expect(m.coldStartMs).toBeGreaterThanOrEqual((m.initializeMs ?? 0) + (m.toolsListMs ?? 0));
    expect(m.toolsListed).toBe(5);
    expect(out.suite.resources.samples.some((s) => s.label === 'mcp-server') || out.suite.resources.samples.length <= 1).toBe(true);
  });

  it('cross-checks the count against the server: one process, N calls served', async () => {
    // Benchmark `count` itself: the last call's answer is the server's own tally.
    const transport = new StdioClientTransport({ command: process.execPath, args: [FIXTURE], stderr: 'ignore' });
    const client = new Client({ name: 't', version: '1' });
    await client.connect(transport);
    try {
      for (let i = 0; i < 5; i++) await client.callTool({ name: 'echo', arguments: { text: String(i) } });
      expect(await fixtureCount(client)).toBe(6);
    } finally {
      await client.close();
    }
  });

  it('counts isError results and protocol errors apart', async () => {
    const out = await runMcpBench(
      options(target, { mode: 'all', argsByTool: new Map([['echo', { text: 'x' }], ['sleep', { ms: 5 }]]), exclude: ['count'], argsSource: '--args-file' }, { iterations: 200, durationUs: 30_000_000 }),
    );
    const by = new Map(out.suite.operations.map((o) => [o.name, o]));
    expect([...by.keys()].sort()).toEqual(['echo', 'fail', 'protocol_error', 'sleep']);
    expect(by.get('fail')?.errorReasons).toEqual({ isError: 50 });
    expect(by.get('protocol_error')?.errorReasons).toEqual({ 'protocol: -32603 InternalError': 50 });
    expect(by.get('echo')?.errors).toBe(0);
    // Node timers may fire up to ~1 ms early by a monotonic clock: 5 ms asked, at least 4 ms seen.
    expect(by.get('sleep')?.latencyUs.min).toBeGreaterThanOrEqual(4000);
    expect(out.suite.metrics?.isErrorResults).toBe(50);
    expect(out.suite.metrics?.protocolErrors).toBe(50);
    const checks = new Map(out.suite.checks.map((c) => [c.name, c]));
    expect(checks.get('no protocol errors')?.passed).toBe(false);
    expect(checks.get('no tool errors (isError)')?.passed).toBe(false);
    expect(checks.get('no tool errors (isError)')?.detail).toMatch(/this tool always fails/);
    expect(checks.get('server stayed up')?.passed).toBe(true);
  });

  it('a per-call timeout is a protocol error, not a success', async () => {
    const out = await runMcpBench(options(target, { mode: 'one', tool: 'sleep', args: { ms: 400 } }, { iterations: 2, timeoutMs: 50, load: { model: 'closed', concurrency: 1 } }));
    expect(out.suite.operations[0]?.errorReasons).toEqual({ 'protocol: -32001 RequestTimeout': 2 });
  });

  it('cold start includes the server startup, reported as the median of several starts', async () => {
    const slow = parseStdioTarget('--stdio', `${process.execPath} ${FIXTURE} --startup-delay-ms 150`);
    const out = await runMcpBench(options(slow, { mode: 'one', tool: 'echo', args: { text: 'x' } }, { iterations: 10, coldStarts: 3 }));
    const m = out.suite.metrics ?? {};
    expect(out.coldStarts).toHaveLength(3);
    expect(m.coldStarts).toBe(3);
    // A lower bound the server enforces itself (it sleeps before answering initialize).
    expect(m.initializeMs).toBeGreaterThanOrEqual(150);
    expect(m.coldStartMinMs).toBeLessThanOrEqual(m.coldStartMs as number);
    expect(m.coldStartMaxMs).toBeGreaterThanOrEqual(m.coldStartMs as number);
  });

  it('open loop: every arrival is counted as completed or dropped', async () => {
    const out = await runMcpBench(options(target, { mode: 'one', tool: 'echo', args: { text: 'x' } }, { load: { model: 'open', rate: 200 }, durationUs: 500_000 }));
    const op = out.suite.operations[0];
    // 200/s for 0.5 s schedules 100 arrivals (offsets 0, 5 ms, … 495 ms).
    expect((op?.count ?? 0) + (op?.dropped ?? 0)).toBe(100);
    expect(op?.serviceTimeUs).toBeDefined();
  });

  it('a server that cannot start is reported with its stderr', async () => {
    const bad = parseStdioTarget('--stdio', `${process.execPath} -e "console.error('boom: no config'); process.exit(3)"`);
    await expect(runMcpBench(options(bad, { mode: 'one', tool: 'echo', args: {} }))).rejects.toThrow(/cannot connect to MCP server[\s\S]*boom: no config/);
  });
});

describe('mcp-bench over streamable HTTP (fixture --http)', () => {
  let child: ChildProcess;
  let url = '';
  beforeAll(async () => {
    child = spawn(process.execPath, [FIXTURE, '--http'], { stdio: ['ignore', 'pipe', 'inherit'] });
    url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /PORT (\d+)/.exec(out);
        if (m) resolve(`http://127.0.0.1:${m[1]}/mcp`);
      });
      child.once('exit', (code) => reject(new Error(`fixture exited ${code}`)));
    });
  });
  afterAll(() => {
    child.kill('SIGTERM');
  });

  it('measures tools over HTTP; no spawn figure', async () => {
    const out = await runMcpBench(options(parseHttpTarget('--url', url), { mode: 'one', tool: 'echo', args: { text: 'hi' } }, { iterations: 100, durationUs: 30_000_000 }));
    expect(out.suite.backend).toBe(url);
    expect(out.suite.operations[0]?.count).toBe(100);
    expect(out.suite.operations[0]?.errors).toBe(0);
    expect(out.suite.metrics?.spawnMs).toBeUndefined();
    expect(out.suite.metrics?.initializeMs).toBeGreaterThan(0);
  });
});

describe('mcp-bench against @modelcontextprotocol/server-everything (third party, from npm)', () => {
  const target = parseStdioTarget('--stdio', `${process.execPath} ${EVERYTHING} stdio`);

  it('benchmarks get-sum with arguments checked against its schema', async () => {
    const out = await runMcpBench(options(target, { mode: 'one', tool: 'get-sum', args: { a: 2, b: 3 } }, { iterations: 200, durationUs: 30_000_000 }));
    expect(out.serverName).toMatch(/everything/i);
    const op = out.suite.operations[0];
    expect(op?.name).toBe('get-sum');
    expect(op?.count).toBe(200);
    expect(op?.errors).toBe(0);
    expect(out.suite.metrics?.toolsListed).toBeGreaterThan(5);
    expect(out.suite.checks.every((c) => c.passed)).toBe(true);
  });

  it('rejects arguments that do not match the server-declared schema before measuring', async () => {
    await expect(runMcpBench(options(target, { mode: 'one', tool: 'get-sum', args: { a: 'two' } }, { iterations: 1 }))).rejects.toThrow(/--args: arguments do not match the input schema of tool "get-sum"/);
  });
});
