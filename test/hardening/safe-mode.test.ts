/**
 * Safe mode connects to the addresses it checked (issue 12 item 14): the name `rebind.invalid`
 * does not resolve in DNS, so a connection succeeds only when it goes to the address the check
 * was given (a fake resolver answering 127.0.0.1, as a rebinding name would the first time).
 * And every command that opens a connection applies the loopback rule, mcp-bench --url included.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LookupAddress } from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveHttpTarget } from '../../src/cli/commands/http-options.js';
import { RealClock } from '../../src/measure/clock.js';
import { HttpTarget } from '../../src/targets/http/target.js';
import { pinnedLookup } from '../../src/targets/http/safety.js';
import { connectMcp } from '../../src/targets/mcp/connect.js';
import { parseHttpTarget } from '../../src/targets/mcp/spec.js';
import { runCli } from '../helpers/cli.js';
import { startTestServer, type TestServer } from '../http/test-server.js';

const FIXTURE = fileURLToPath(new URL('../mcp/fixtures/fixture-server.mjs', import.meta.url));
const firstAnswer = (): Promise<string[]> => Promise.resolve(['127.0.0.1']);

describe('pinnedLookup', () => {
  it('answers with the checked addresses, one or all, by family', async () => {
    const lookup = pinnedLookup(['127.0.0.1', '::1']);
    const one = await new Promise<[string, number]>((resolve, reject) => lookup('anything', {}, (err, address, family) => (err ? reject(err) : resolve([address as string, family as number]))));
    expect(one).toEqual(['127.0.0.1', 4]);
    const all = await new Promise<LookupAddress[]>((resolve, reject) => lookup('anything', { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses as unknown as LookupAddress[]))));
    expect(all.map((a) => a.address)).toEqual(['127.0.0.1', '::1']);
    const v6 = await new Promise<string>((resolve, reject) => lookup('anything', { family: 6 }, (err, address) => (err ? reject(err) : resolve(address as string))));
    expect(v6).toBe('::1');
  });
});

describe('load connects to the address safe mode checked', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('a name checked as loopback is not resolved again at connect time (raw client)', async () => {
    const spec = await resolveHttpTarget(`http://rebind.invalid:${server.port}/pinned`, {}, firstAnswer);
    expect(spec.addresses).toEqual(['127.0.0.1']);
    const target = new HttpTarget(spec, { connections: 1 });
    try {
      await target.request();
      expect(server.counts.get('/pinned')).toBe(1);
    } finally {
      await target.close();
    }
  });

  it('a name that resolves off-host is refused before any socket opens', async () => {
    await expect(resolveHttpTarget('http://rebind.invalid:1/', {}, () => Promise.resolve(['10.0.0.1']))).rejects.toThrow(/refused: .*10\.0\.0\.1/);
  });
});

describe('mcp-bench --url applies safe mode', () => {
  it('refuses a remote URL with exit 2 before connecting', () => {
    const r = runCli(['mcp-bench', '--url', 'http://10.0.0.1:3000/mcp', '--tool', 'echo', '--duration', '1s', '--no-history'], { timeoutMs: 30_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--url http:\/\/10\.0\.0\.1:3000\/mcp: refused: 10\.0\.0\.1 is not a loopback address/);
  });

  let child: ChildProcess;
  let port = '';
  beforeAll(async () => {
    child = spawn(process.execPath, [FIXTURE, '--http'], { stdio: ['ignore', 'pipe', 'inherit'] });
    port = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /PORT (\d+)/.exec(out);
        if (m) resolve(m[1] as string);
      });
      child.once('exit', (code) => reject(new Error(`fixture exited ${code}`)));
    });
  });
  afterAll(() => {
    child.kill('SIGTERM');
  });

  it('connects to the checked address of a name (no second DNS answer)', async () => {
    const spec = parseHttpTarget('--url', `http://rebind.invalid:${port}/mcp`);
    if (spec.kind !== 'http') throw new Error('expected an http target');
    spec.addresses = ['127.0.0.1'];
    const conn = await connectMcp(spec, { clock: new RealClock(), timeoutMs: 20_000 });
    try {
      expect(conn.tools.map((t) => t.name)).toContain('echo');
    } finally {
      await conn.close();
    }
  });
});
