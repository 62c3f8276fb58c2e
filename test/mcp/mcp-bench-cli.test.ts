/** `swarmperf mcp-bench` from the command line: usage errors, and a run that lands in the history. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openHistory } from '../../src/results/history/store.js';
import { parseRunResult } from '../../src/core/result.js';
import { runCli, tempDir } from '../helpers/cli.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/fixture-server.mjs', import.meta.url));
const STDIO = `${process.execPath} ${FIXTURE}`;

describe('swarmperf mcp-bench (CLI)', () => {
  it('records a RunResult with the tool as operation and cold start as suite metrics', () => {
    const dir = tempDir('swarmperf-mcpbench-');
    const out = join(dir, 'r.json');
    const r = runCli(['mcp-bench', '--stdio', STDIO, '--tool', 'echo', '--args', '{"text":"hi"}', '--iterations', '200', '--duration', '30s', '--warmup', '0s', '--concurrency', '2', '--seed', '3', '--data-dir', dir, '--json', out]);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(r.status).toBe(0);
    const run = parseRunResult(JSON.parse(readFileSync(out, 'utf8')), out);
    expect(run.config.command).toBe('mcp-bench');
    expect(run.config.loadModel).toBe('closed');
    const suite = run.suites[0]!;
    expect(suite.name).toBe('mcp');
    expect(suite.backend).toBe(STDIO);
    expect(suite.operations.map((o) => [o.name, o.count])).toEqual([['echo', 200]]);
    expect(suite.metrics?.coldStartMs).toBeGreaterThan(0);
    const h = openHistory(join(dir, 'history.db'), { mustExist: true });
    try {
      expect(h.getRun('latest').id).toBe(run.id);
    } finally {
      h.close();
    }
  });

  it('exits 1 when tools answered isError, and says which', () => {
    const dir = tempDir('swarmperf-mcpbench-');
    const r = runCli(['mcp-bench', '--stdio', STDIO, '--tool', 'fail', '--iterations', '20', '--duration', '30s', '--warmup', '0s', '--data-dir', dir, '--no-history']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no tool errors \(isError\)/);
  });

  const dir = tempDir('swarmperf-mcpbench-');
  const argsFile = join(dir, 'args.json');
  writeFileSync(argsFile, '{"echo": {"text": 1}}');
  it.each([
    [['mcp-bench', '--tool', 'echo'], /give the server to benchmark: --stdio "CMD ARGS" or --url URL/],
    [['mcp-bench', '--stdio', STDIO, '--url', 'http://127.0.0.1:1/mcp', '--tool', 'echo'], /either --stdio or --url/],
    [['mcp-bench', '--stdio', STDIO], /give the tool to call/],
    [['mcp-bench', '--stdio', STDIO, '--tool', 'echo', '--args', '{bad'], /--args: not valid JSON/],
    [['mcp-bench', '--stdio', STDIO, '--tool', 'echo', '--args', '"x"'], /--args: expected a JSON object/],
    [['mcp-bench', '--stdio', STDIO, '--tool', 'echo', '--rate', '5', '--concurrency', '2'], /either --rate .* or --concurrency/],
    [['mcp-bench', '--stdio', STDIO, '--all-tools', '--args', '{}'], /--args: only with --tool/],
    [['mcp-bench', '--stdio', STDIO, '--tool', 'echo', '--args-file', argsFile], /--args-file: only with --all-tools/],
    [['mcp-bench', '--stdio', STDIO, '--all-tools', '--args-file', join(dir, 'none.json')], /--args-file .*none.json: cannot read the file \(ENOENT\)/],
    [['mcp-bench', '--stdio', STDIO, '--all-tools', '--args-file', argsFile, '--duration', '1s'], /--args-file .*args.json: arguments for tool "echo" do not match its input schema/],
    [['mcp-bench', '--stdio', STDIO, '--tool', 'nope', '--duration', '1s'], /--tool: the server has no tool "nope"; its tools: echo, sleep, fail, protocol_error, count/],
    [['mcp-bench', '--stdio', 'node "unterminated', '--tool', 'echo'], /--stdio: unterminated double quote/],
    [['mcp-bench', '--url', 'ftp://x', '--tool', 'echo'], /--url: expected an http/],
    [['mcp-bench', '--url', 'http://127.0.0.1:1/mcp', '--tool', 'echo', '--cold-starts', '3'], /--cold-starts: only with --stdio/],
  ])('usage error %#: exit 2 with one clear line', (args, message) => {
    const r = runCli([...args, '--data-dir', dir, '--no-history']);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(r.status).toBe(2);
  });

  it('a server that cannot start: exit 1, its stderr shown', () => {
    const r = runCli(['mcp-bench', '--stdio', `${process.execPath} -e "console.error('missing API key'); process.exit(1)"`, '--tool', 'x', '--data-dir', dir, '--no-history']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/cannot connect to MCP server[\s\S]*missing API key/);
  });
});
