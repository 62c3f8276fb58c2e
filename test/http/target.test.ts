import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/parse.js';
import { runClosedLoop } from '../../src/load/closed-loop.js';
import { constantRate, runOpenLoop } from '../../src/load/open-loop.js';
import { RealClock } from '../../src/measure/clock.js';
import { Recorder } from '../../src/measure/recorder.js';
import { parseRequestSpec } from '../../src/targets/http/request-spec.js';
import { HttpTarget } from '../../src/targets/http/target.js';
import { startTestServer, type TestServer } from './test-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const spec = (url: string, extra: Partial<Parameters<typeof parseRequestSpec>[0]> = {}) => parseRequestSpec({ url, timeoutUs: 5_000_000, ...extra });

describe('HTTP target', () => {
  it('names the operation METHOD /path and its counts match what the server received', async () => {
    const target = new HttpTarget(spec(`${server.url}/flat?page=2`), { connections: 4 });
    expect(target.operation).toBe('GET /flat');
    const clock = new RealClock();
    const recorder = new Recorder({ startUs: clock.nowUs() });
    const before = server.counts.get('/flat') ?? 0;
    const out = await runClosedLoop(target.workload(), { concurrency: 4, iterations: 200 }, { clock, recorder, signal: new AbortController().signal });
    const stats = target.currentStats;
    await target.close();
    const op = recorder.finish(out.endUs).operations[0]!;
    expect(op.name).toBe('GET /flat');
    expect(op.count).toBe(200);
    expect(op.errors).toBe(0);
    expect((server.counts.get('/flat') ?? 0) - before).toBe(200);
    expect(stats).toMatchObject({ completed: 200, statusClasses: { '2xx': 200 }, bytesReceived: 200 * 'hello from the test server'.length });
  });

  it('counts non-2xx/3xx responses as errors with reason "HTTP <status>"', async () => {
    const target = new HttpTarget(spec(`${server.url}/status/503`), { connections: 2 });
    const clock = new RealClock();
    const recorder = new Recorder({ startUs: clock.nowUs() });
    const out = await runOpenLoop(target.workload(), { schedule: constantRate(500), iterations: 40, maxInFlight: 8, maxLagUs: 1e6 }, { clock, recorder, signal: new AbortController().signal });
    await target.close();
    const op = recorder.finish(out.endUs).operations[0]!;
    expect(op.count).toBe(40);
    expect(op.errors).toBe(40);
    expect(op.errorReasons).toEqual({ 'HTTP 503': 40 });
    expect(op.serviceTimeUs).toBeDefined();
  });

  it('counts a refused connection as an error with its code', async () => {
    const gone = await startTestServer();
    const url = gone.url;
    await gone.close();
    const target = new HttpTarget(spec(`${url}/flat`), { connections: 1 });
    const clock = new RealClock();
    const recorder = new Recorder({ startUs: clock.nowUs() });
    const out = await runClosedLoop(target.workload(), { concurrency: 1, iterations: 3 }, { clock, recorder, signal: new AbortController().signal });
    const stats = target.currentStats;
    await target.close();
    const op = recorder.finish(out.endUs).operations[0]!;
    expect(op.errorReasons).toEqual({ ECONNREFUSED: 3 });
    expect(stats.failedWithoutResponse).toBe(3);
  });

  it('sends the body (inline or @file) and headers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'swarmperf-http-'));
    const file = join(dir, 'body.json');
    writeFileSync(file, JSON.stringify({ hello: 'world'.repeat(100) }));
    const s = spec(`${server.url}/echo-length`, { method: 'post', body: `@${file}`, header: ['Content-Type: application/json'] });
    expect(s.method).toBe('POST');
    expect(s.headers).toEqual({ 'content-type': 'application/json' });
    const target = new HttpTarget(s, { connections: 1 });
    const before = server.bodyBytes;
    await target.request();
    await target.request();
    await target.close();
    expect(server.bodyBytes - before).toBe(2 * s.body!.length);
  });

  it.each([
    [{ url: 'not a url' }, /url "not a url": not a valid URL/],
    [{ url: 'ftp://127.0.0.1/' }, /only http:\/\/ and https:\/\/ URLs are supported, got ftp:\/\//],
    [{ url: 'http://u:p@127.0.0.1/' }, /put credentials in --header/],
    [{ url: 'http://127.0.0.1/', method: 'GE T' }, /--method: "GE T" is not an HTTP method/],
    [{ url: 'http://127.0.0.1/', header: ['NoColon'] }, /--header: expected "Name: value", got "NoColon"/],
    [{ url: 'http://127.0.0.1/', header: ['Host: x'] }, /--header: Host is set by swarmperf/],
    [{ url: 'http://127.0.0.1/', body: 'x' }, /--body: GET requests carry no body/],
    [{ url: 'http://127.0.0.1/', method: 'POST', body: '@/nonexistent/file' }, /--body: cannot read \/nonexistent\/file: ENOENT/],
  ])('rejects bad request flags: %j', (flags, message) => {
    expect(() => parseRequestSpec({ timeoutUs: 1, ...flags })).toThrow(UsageError);
    expect(() => parseRequestSpec({ timeoutUs: 1, ...flags })).toThrow(message);
  });
});
