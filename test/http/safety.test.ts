import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveHttpTarget } from '../../src/cli/commands/http-options.js';
import { UsageError } from '../../src/core/parse.js';
import { checkLoopbackTarget, isLoopbackAddress } from '../../src/targets/http/safety.js';
import { startTestServer } from './test-server.js';

describe('loopback check', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.255.3.4', true],
    ['::1', true],
    ['[::1]', true],
    ['0:0:0:0:0:0:0:1', true],
    ['::ffff:127.0.0.1', true],
    ['128.0.0.1', false],
    ['10.0.0.1', false],
    ['0.0.0.0', false],
    ['::', false],
    ['::ffff:10.0.0.1', false],
    ['2001:db8::1', false],
    ['localhost', false], // a name, not an address: names are resolved first
  ])('%s is loopback: %s', (addr, expected) => {
    expect(isLoopbackAddress(addr)).toBe(expected);
  });

  it('resolves names and requires every address to be loopback', async () => {
    const resolver = (map: Record<string, string[]>) => async (h: string) => {
      const a = map[h];
      if (!a) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
      return a;
    };
    const r = resolver({ localhost: ['127.0.0.1', '::1'], sneaky: ['127.0.0.1', '93.184.215.14'], 'example.com': ['93.184.215.14'] });
    expect((await checkLoopbackTarget(new URL('http://localhost:8080/'), r)).allowed).toBe(true);
    expect(await checkLoopbackTarget(new URL('http://sneaky/'), r)).toMatchObject({ allowed: false, reason: 'sneaky resolves to 93.184.215.14, not a loopback address' });
    expect(await checkLoopbackTarget(new URL('http://nowhere.invalid/'), r)).toMatchObject({ allowed: false, reason: expect.stringContaining('could not be resolved to check it is loopback (ENOTFOUND)') });
    expect(await checkLoopbackTarget(new URL('http://192.0.2.1:9/'), r)).toMatchObject({ allowed: false, reason: '192.0.2.1 is not a loopback address' });
    expect((await checkLoopbackTarget(new URL('http://[::1]:9/'), r)).allowed).toBe(true);
  });
});

describe('safe mode refuses before sending anything', () => {
  const seen: string[] = [];
  const onSocket = (): void => void seen.push('net.client.socket');
  const onConnect = (): void => void seen.push('undici:client:beforeConnect');
  afterEach(() => {
    unsubscribe('net.client.socket', onSocket);
    unsubscribe('undici:client:beforeConnect', onConnect);
    seen.length = 0;
  });

  it('throws a UsageError for a remote URL and opens no connection', async () => {
    subscribe('net.client.socket', onSocket);
    subscribe('undici:client:beforeConnect', onConnect);
    const remote = async (): Promise<string[]> => ['93.184.215.14'];
    await expect(resolveHttpTarget('http://example.com/', {}, remote)).rejects.toThrow(UsageError);
    await expect(resolveHttpTarget('http://example.com/', {}, remote)).rejects.toThrow(
      'url http://example.com/: refused: example.com resolves to 93.184.215.14, not a loopback address; swarmperf only loads loopback targets (127.0.0.0/8, ::1) unless --allow-remote is given',
    );
    await expect(resolveHttpTarget('http://192.0.2.1:8080/x', {})).rejects.toThrow(/refused: 192.0.2.1 is not a loopback address/);
    expect(seen).toEqual([]);
    // The probe works: a real connection is seen on the same channel.
    const server = await startTestServer();
    await new Promise<void>((resolve, reject) => connect(server.port, '127.0.0.1', resolve).on('error', reject));
    await server.close();
    expect(seen).toContain('net.client.socket');
  });

  it('lets --allow-remote through without resolving, and keeps loopback allowed', async () => {
    const spec = await resolveHttpTarget('http://192.0.2.1:8080/x', { allowRemote: true });
    expect(spec.url.host).toBe('192.0.2.1:8080');
    const local = await resolveHttpTarget('http://127.0.0.1:1/', {});
    expect(local.method).toBe('GET');
  });
});
