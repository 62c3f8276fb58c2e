/** End to end: the built CLI (`node bin/swarmperf.js`) against a loopback server in this process. */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRunResult, StressSchema } from '../../src/core/result.js';
import { startCli, tempDir } from '../helpers/cli.js';
import { startTestServer, type TestServer } from './test-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

interface Exit {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI without blocking this process's event loop (the test server lives here). */
function cli(args: string[], onStart?: (child: ChildProcess) => void): Promise<Exit> {
  const child = startCli(args);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  onStart?.(child);
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
}

const common = (dir: string): string[] => ['--data-dir', dir, '--no-history', '--quiet'];

describe('swarmperf load', () => {
  it('drives an open-loop rate end to end; counts match what the server received', async () => {
    const dir = tempDir('swarmperf-load-');
    const out = join(dir, 'r.json');
    const r = await cli(['load', `${server.url}/path?q=1`, '--rate', '200', '--duration', '1s', '--warmup', '0s', '--json', out, ...common(dir)]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const result = parseRunResult(JSON.parse(readFileSync(out, 'utf8')), out);
    expect(result.partial).toBe(false);
    const suite = result.suites[0]!;
    expect(suite.name).toBe('http');
    expect(suite.backend).toBe(server.url);
    const op = suite.operations[0]!;
    expect(op.name).toBe('GET /path');
    // 200/s for 1 s: arrivals at 0, 5, …, 995 ms.
    expect(op.count + op.dropped).toBe(200);
    expect(op.dropped).toBe(0);
    expect(server.counts.get('/path')).toBe(op.count);
    expect(op.serviceTimeUs).toBeDefined();
    expect(op.serviceTimeUs!.p50).toBeLessThanOrEqual(op.latencyUs.p50);
    expect(suite.checks.every((c) => c.passed)).toBe(true);
    expect(suite.metrics).toMatchObject({ status2xx: 200 });
    expect(result.config).toMatchObject({ command: 'load', model: 'open', rate: 200, method: 'GET' });
  });

  it('runs closed loop with --concurrency and fails the run when --slo is broken', async () => {
    const dir = tempDir('swarmperf-load-');
    const out = join(dir, 'r.json');
    const r = await cli(['load', `${server.url}/status/503`, '--concurrency', '2', '--iterations', '50', '--duration', '5s', '--warmup', '0s', '--slo', 'success>=99%', '--json', out, ...common(dir)]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/check\(s\) failed: http: slo success>=99%/);
    const result = parseRunResult(JSON.parse(readFileSync(out, 'utf8')), out);
    const op = result.suites[0]!.operations[0]!;
    expect(op.count).toBe(50);
    expect(op.errorReasons).toEqual({ 'HTTP 503': 50 });
    expect(op.serviceTimeUs).toBeUndefined();
  });

  it('keeps a partial result when interrupted with Ctrl-C', async () => {
    const dir = tempDir('swarmperf-load-');
    const out = join(dir, 'r.json');
    const r = await cli(['load', `${server.url}/sigint`, '--rate', '100', '--duration', '30s', '--warmup', '0s', '--json', out, '--data-dir', dir, '--no-history'], (child) => {
      // Interrupt once the run is under way (the progress line says it started).
      child.stderr?.once('data', () => setTimeout(() => child.kill('SIGINT'), 800));
    });
    expect(r.status).toBe(130);
    expect(r.stderr).toMatch(/SIGINT: stopping/);
    const result = parseRunResult(JSON.parse(readFileSync(out, 'utf8')), out);
    expect(result.partial).toBe(true);
    const op = result.suites[0]!.operations[0]!;
    expect(op.count).toBeGreaterThan(20);
    expect(op.count).toBeLessThan(3000);
    expect(server.counts.get('/sigint')).toBe(op.count);
  });

  it.each([
    [['--rate', 'fast'], /^swarmperf: --rate: expected a number greater than zero, got "fast"\n$/],
    [['--ramp', '10s'], /^swarmperf: --ramp: stage 1 "10s": expected DURATION:RATE such as 30s:1000\n$/],
    [[], /^swarmperf: load: give --rate N or --ramp STAGES/],
    [['--rate', '10', '--concurrency', '2'], /^swarmperf: --concurrency: choose open loop/],
    [['--ramp', '1s:10', '--duration', '5s'], /^swarmperf: --duration: not used with --ramp/],
    [['--rate', '10', '--slo', 'p99<5'], /^swarmperf: --slo: clause 1 "p99<5": give "5" a unit/],
    [['--concurrency', '2', '--max-in-flight', '5'], /^swarmperf: --max-in-flight: only for open loop/],
  ])('rejects bad flags %j with one line and exit 2', async (flags, message) => {
    const dir = tempDir('swarmperf-load-');
    const r = await cli(['load', `${server.url}/bad`, ...flags, ...common(dir)]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(server.counts.get('/bad')).toBeUndefined();
  });

  it('refuses a non-loopback target with exit 2 before sending anything', async () => {
    const dir = tempDir('swarmperf-load-');
    const out = join(dir, 'r.json');
    for (const url of ['http://example.com/', 'http://192.0.2.1:8080/x']) {
      const r = await cli(['load', url, '--rate', '10', '--duration', '1s', '--json', out, ...common(dir)]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^swarmperf: url http:\/\/.*: refused: .*only loads loopback targets .* unless --allow-remote is given\n$/);
      expect(existsSync(out)).toBe(false);
    }
  });
});

describe('swarmperf stress', () => {
  it('steps the rate up to --max-rate and records each step', async () => {
    const dir = tempDir('swarmperf-stress-');
    const out = join(dir, 'r.json');
    const r = await cli(['stress', `${server.url}/stress`, '--start-rate', '50', '--max-rate', '100', '--duration', '400ms', '--warmup', '0s', '--slo', 'p99<2s,success>=99%', '--json', out, ...common(dir)]);
    expect(r.status).toBe(0);
    const result = parseRunResult(JSON.parse(readFileSync(out, 'utf8')), out);
    const op = result.suites[0]!.operations[0]!;
    expect(op.name).toBe('GET /stress');
    const stress = StressSchema.parse(op.stress);
    expect(stress.steps.map((s) => s.rate)).toEqual([50, 75, 100]);
    expect(stress.steps.every((s) => s.passed)).toBe(true);
    expect(stress.maxSustainableRate).toBe(100);
    expect(result.config).toMatchObject({ command: 'stress', stopReason: 'max-rate' });
    // Each step's arrivals reached the server: 20 + 30 + 40.
    expect(server.counts.get('/stress')).toBe(90);
  });

  it('exits 1 when even the first step breaks the SLO', async () => {
    const dir = tempDir('swarmperf-stress-');
    const out = join(dir, 'r.json');
    const r = await cli(['stress', `${server.url}/status/500`, '--start-rate', '50', '--duration', '300ms', '--warmup', '0s', '--json', out, ...common(dir)]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/stress: the SLO broke at the first step/);
    const result = parseRunResult(JSON.parse(readFileSync(out, 'utf8')), out);
    const stress = result.suites[0]!.operations[0]!.stress!;
    expect(stress.maxSustainableRate).toBe(0);
    expect(stress.steps).toHaveLength(1);
    expect(stress.steps[0]!.violations).toContain('success>=99%'); // p99 may break too on a busy machine
  });
});
