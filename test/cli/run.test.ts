import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunResult } from '../../src/core/result.js';
import { runCli, startCli, tempDir } from '../helpers/cli.js';

describe('swarmperf CLI basics', () => {
  it('--help lists every command with one line each', () => {
    const r = runCli(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/run \[options\] \[suites\.\.\.\]/);
    const commands = ['run', 'load', 'stress', 'bench', 'mcp-bench', 'tools', 'memory', 'history', 'compare', 'trends', 'anomalies', 'alerts', 'bottlenecks', 'report', 'mcp'];
    const lines = r.stdout.split('\n');
    for (const name of commands) {
      // The command and its description on one line, and no continuation line after it.
      const i = lines.findIndex((l) => new RegExp(`^ {2}${name}( |$)`).test(l));
      expect(i, name).toBeGreaterThan(0);
      expect(lines[i]!.trim().length, name).toBeGreaterThan(name.length + 10);
      expect(lines[i + 1]!, name).toMatch(/^ {2}\S|^$/);
    }
  });

  it('runs the selftest suite end to end and writes a valid RunResult', () => {
    const dir = tempDir();
    const out = join(dir, 'r.json');
    const r = runCli(['run', 'selftest', '--duration', '1s', '--warmup', '0s', '--interval', '250ms', '--seed', '42', '--json', out, '--data-dir', dir, '--no-history']);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/); // no stack traces
    expect(r.status).toBe(0);
    const result = parseRunResult(JSON.parse(readFileSync(out, 'utf8')), out);
    expect(result.partial).toBe(false);
    expect(result.config.seed).toBe(42);
    const suite = result.suites[0]!;
    expect(suite.name).toBe('selftest');
    expect(suite.operations.map((o) => o.name).sort()).toEqual(['noop', 'sha256-1k', 'sleep-1ms', 'sort-1k']);
    expect(suite.checks.every((c) => c.passed)).toBe(true);
    for (const op of suite.operations) {
      expect(op.count).toBeGreaterThan(0);
      expect(op.latencyUs.p50).toBeLessThanOrEqual(op.latencyUs.p99);
    }
    expect(suite.intervals.length).toBeGreaterThanOrEqual(4 * 4);
    expect(suite.resources.samples.length).toBeGreaterThan(0);
    expect(r.stdout).toMatch(/sleep-1ms/);
    expect(r.stdout).toMatch(/seed 42/);
  });

  it.each([
    [['run', 'selftest', '--duration', 'ten'], /--duration: expected a duration/],
    [['run', 'selftest', '--warmup', '-1s'], /--warmup: expected a duration/],
    [['run', 'selftest', '--seed', 'x'], /--seed: expected a whole number/],
    [['run', 'selftest', '--agents', '0'], /--agents: expected a whole number from 1/],
    [['run', 'no-such-suite'], /unknown suite "no-such-suite"/],
    [['run', '--no-such-flag'], /unknown option '--no-such-flag'/],
    [['no-such-command'], /unknown command/],
  ])('bad usage %j exits 2 with one clear line', (args, message) => {
    const r = runCli(args as string[]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message as RegExp);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('accepts --warmup 0s', () => {
    const dir = tempDir();
    const r = runCli(['run', 'selftest', '--duration', '200ms', '--warmup', '0s', '--quiet', '--data-dir', dir, '--no-history']);
    expect(r.status).toBe(0);
  });

  it('Ctrl-C stops the run and still writes the result, marked partial', async () => {
    const dir = tempDir();
    const out = join(dir, 'partial.json');
    const child = startCli(['run', 'selftest', '--duration', '60s', '--warmup', '0s', '--json', out, '--data-dir', dir, '--no-history']);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    // Wait until the measured phase is under way (the progress line names it), then interrupt.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no progress seen: ${stderr}`)), 30_000);
      child.stderr!.on('data', () => {
        if (/selftest \(4 workers\):/.test(stderr) || /▶ selftest/.test(stderr)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    await new Promise((r) => setTimeout(r, 700));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(130);
    expect(existsSync(out)).toBe(true);
    const result = parseRunResult(JSON.parse(readFileSync(out, 'utf8')), out);
    expect(result.partial).toBe(true);
    const total = result.suites[0]!.operations.reduce((a, o) => a + o.count, 0);
    expect(total).toBeGreaterThan(0);
  });
});
