/**
 * The MCP stdio server survives messages over its limit (issue 12 item 7): each gets a JSON-RPC
 * error with its request id, later calls are answered, and the end of the session is logged.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_STDIO_MESSAGE_BYTES } from '../../src/mcp/limits.js';
import { TopLevelIdScanner } from '../../src/mcp/stdio.js';
import { CLI, tempDir } from '../helpers/cli.js';

function scan(text: string, chunk = 7): string | number | undefined {
  const s = new TopLevelIdScanner();
  const buf = Buffer.from(text);
  for (let i = 0; i < buf.length; i += chunk) s.feed(buf.subarray(i, i + chunk));
  return s.id;
}

describe('TopLevelIdScanner', () => {
  it.each([
    ['{"jsonrpc":"2.0","id":7,"method":"x"}', 7],
    ['{"jsonrpc":"2.0","method":"x","params":{"id":5,"a":[{"id":9}]},"id":"abc"}', 'abc'],
    ['{"params":{"s":"\\"id\\":3 } {"},"id":-12}', -12],
    ['{"id":"q\\"uote","x":1}', 'q"uote'],
    ['{"id":"✓-unicode"}', '✓-unicode'],
    ['{"method":"notify"}', undefined],
    ['{"id":null}', undefined],
    ['[{"id":1}]', undefined],
  ])('%s → %j', (text, id) => {
    expect(scan(text)).toBe(id);
    expect(scan(text, 1)).toBe(id);
  });
});

describe('swarmperf mcp over stdio, hostile sizes', () => {
  it('answers an oversized message with an error and goes on; logs its end', async () => {
    const cwd = tempDir();
    const child = spawn(process.execPath, [CLI, 'mcp', '--data-dir', join(cwd, 'data'), '--backend', 'memory'], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const responses = new Map<unknown, Record<string, unknown>>();
    let out = '';
    const waiters: Array<() => void> = [];
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      let nl: number;
      while ((nl = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        const msg = JSON.parse(line) as Record<string, unknown>;
        responses.set(msg.id, msg);
        waiters.splice(0).forEach((w) => w());
      }
    });
    const waitFor = async (id: unknown): Promise<Record<string, unknown>> => {
      while (!responses.has(id)) {
        if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}): ${stderr}`);
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
      return responses.get(id) as Record<string, unknown>;
    };
    const send = (msg: unknown): void => void child.stdin.write(JSON.stringify(msg) + '\n');
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.on('exit', () => waiters.splice(0).forEach((w) => w()));

    send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } });
    expect((await waitFor(1)).result).toBeDefined();
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });

    const huge = 'x'.repeat(MAX_STDIO_MESSAGE_BYTES + 1024);
    for (const id of [2, 4]) {
      // Written in pieces, as a pipe delivers it; the id comes last, after the huge value.
      child.stdin.write(`{"jsonrpc":"2.0","method":"tools/call","params":{"name":"memory_store","arguments":{"key":"a/b","value":"`);
      child.stdin.write(huge);
      child.stdin.write(`"}},"id":${id}}\n`);
      const refused = await waitFor(id);
      expect((refused.error as { code: number; message: string }).code).toBe(-32600);
      expect((refused.error as { message: string }).message).toMatch(/too large/);
      send({ jsonrpc: '2.0', id: id + 1, method: 'tools/list' });
      const listed = await waitFor(id + 1);
      expect((listed.result as { tools: unknown[] }).tools.length).toBeGreaterThan(0);
    }
    // A line that is not JSON gets a parse error, without an excerpt.
    child.stdin.write('root:*:20000:0:99999:7:::\n');
    const parseError = await waitFor(null);
    expect((parseError.error as { code: number }).code).toBe(-32700);
    expect(JSON.stringify(parseError)).not.toContain('root:');

    child.stdin.end();
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/refused a message of \d+ bytes .*request id 2/);
    expect(stderr).toMatch(/session ended: the client closed stdin/);
  });
});
