/** `--backend` specs of the server backends: parsed, namespaced, and wrong ones rejected with a usage error. */
import { describe, expect, it, onTestFinished } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import type { SuiteResult } from '../../src/core/result.js';
import { clientBackendSpec } from '../../src/mcp/tools/benchmark.js';
import { formatBackendComparison } from '../../src/report/backend-comparison.js';
import { openBackend, parseBackendSpec } from '../../src/targets/backend.js';
import { defaultNamespace } from '../../src/targets/remote/spec.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { cleaningUp, describeServer, freshSpec } from './servers.js';

describe('server backend specs', () => {
  it('keep the URL, take tuning after "?", and default the namespace to one derived from the data folder', () => {
    expect(parseBackendSpec('redis://127.0.0.1:6379', '/data')).toEqual({ kind: 'redis', location: 'redis://127.0.0.1:6379', tuning: { namespace: defaultNamespace('/data') } });
    expect(parseBackendSpec('redis://127.0.0.1:6379?bus=pubsub&ns=run_1', '/data').tuning).toEqual({ bus: 'pubsub', namespace: 'run_1' });
    expect(parseBackendSpec('postgres://postgres@127.0.0.1:5432/test?claim=update-returning&poolSize=2', '/d').tuning).toMatchObject({ claim: 'update-returning', poolSize: 2 });
    expect(parseBackendSpec('nats://127.0.0.1:4222', '/d').location).toBe('nats://127.0.0.1:4222');
    expect(parseBackendSpec('etcd://127.0.0.1:2379?ns=x', '/d')).toMatchObject({ kind: 'etcd', tuning: { namespace: 'x' } });
    // Two data folders never share a namespace by accident; one folder always gets the same one.
    expect(defaultNamespace('/a')).not.toBe(defaultNamespace('/b'));
    expect(defaultNamespace('/a')).toBe(defaultNamespace('/a'));
  });

  it.each([
    ['redis:127.0.0.1', /needs a server address, e\.g\. redis:\/\/127\.0\.0\.1:6379/],
    ['etcd', /needs a server address/],
    ['redis://h?ns=Bad-Name', /ns in .* must be 1-40 characters of a-z, 0-9 and _, got "Bad-Name"/],
    ['redis://h?ns=', /ns in .* got ""/],
    ['redis://h?bus=kafka', /bus in .* must be one of streams, pubsub, got "kafka"/],
    ['postgres://h/db?claim=random', /claim in .* must be one of skip-locked, update-returning/],
    ['nats://h?poolSize=2', /unknown nats option "poolSize"/],
    ['sqlite?ns=x', /unknown sqlite option "ns"/],
  ])('rejects %j with a UsageError naming --backend', async (spec, message) => {
    const err = await openBackend(spec, '/data').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/^--backend: /);
    expect((err as Error).message).toMatch(message);
  });

  it('over MCP a client cannot point the server at a host (server URLs are refused like paths)', () => {
    expect(() => clientBackendSpec('redis://10.0.0.1:6379', '/tmp/d')).toThrow(/paths are not accepted over MCP/);
    expect(() => clientBackendSpec('etcd://127.0.0.1:2379?ns=x', '/tmp/d')).toThrow(/paths are not accepted over MCP/);
  });

  it('an unreachable server fails the open with a message naming it and how to start it', async () => {
    const err = (await openBackend('redis://127.0.0.1:1?ns=x&connectTimeout=500', '/d').catch((e: unknown) => e)) as Error & { code?: string };
    expect(err.code).toBe('SERVER_UNREACHABLE');
    expect(err.message).toMatch(/redis server at redis:\/\/127\.0\.0\.1:1 is not reachable .*bash scripts\/services\.sh start/);
  });

  it('run --backend with a bad spec in a comma list exits 2 before running anything', () => {
    const r = runCli(['run', 'tasks', '--backend', 'sqlite,redis:nohost', '--quick', '--no-history', '--data-dir', tempDir()]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--backend: "redis:nohost" needs a server address/);
    expect(r.stdout).not.toMatch(/▶ tasks/);
  });
});

await describeServer('redis', () => {
  it('run --backend a,b runs the suite on each backend with the same seed, one result', () => {
    const dir = tempDir();
    const spec = freshSpec('redis');
    onTestFinished(async () => cleaningUp(await openBackend(spec, '/unused')).close());
    const r = runCli(['run', 'tasks', '--backend', `sqlite,${spec}`, '--quick', '--agents', '2', '--duration', '0.5s', '--warmup', '0s', '--seed', '7', '--no-history', '--data-dir', dir, '--json', '-', '--quiet'], { timeoutMs: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as { config: { seed: number }; suites: Array<{ name: string; backend: string; checks: Array<{ passed: boolean }> }> };
    expect(result.suites.map((s) => [s.name, s.backend.split(':')[0]])).toEqual([
      ['tasks', 'sqlite'],
      ['tasks', 'redis'],
    ]);
    expect(result.suites.every((s) => s.checks.every((c) => c.passed))).toBe(true);
    expect(result.config.seed).toBe(7);
  });
});

describe('run --backend a,b: the side-by-side table', () => {
  const suite = (backend: string, claims: number, agentOps: number[], passed: boolean[]): SuiteResult =>
    ({
      name: 'tasks',
      backend,
      operations: [{ name: 'claim', count: claims, errors: 1, dropped: 0, throughput: claims / 2, latencyUs: { min: 1, mean: 2, stddev: 1, p50: 20, p75: 30, p90: 40, p95: 50, p99: 900, p999: 1000, p9999: 1000, max: 1000 } }],
      intervals: [],
      checks: passed.map((p, i) => ({ name: `c${i}`, passed: p, detail: '' })),
      resources: { sampleIntervalMs: 1000, samples: [] },
      workers: agentOps.map((operations, i) => ({ agent: `agent-${i}`, pid: 100 + i, operations })),
    }) as unknown as SuiteResult;

  it('has a row per backend with ops/s relative to the first, the busiest operation, fairness and checks', () => {
    const text = formatBackendComparison([suite('sqlite:/x.db', 2000, [10, 20], [true, true]), suite('redis://h?ns=a', 500, [5, 5], [true, false])]);
    const lines = text.split('\n');
    expect(lines[0]).toBe('■ tasks: backends side by side');
    expect(lines[3]).toMatch(/^sqlite:\/x\.db\s+1000\/s\s+1\.0×\s+claim\s+20µs\s+900µs\s+1\s+0\.50\s+2\/2$/);
    expect(lines[4]).toMatch(/^redis:\/\/h\?ns=a\s+250\/s\s+0\.25×\s+claim\s+.*\s+1\.00\s+1\/2 FAILED$/);
  });
});
