/**
 * Absurd values are refused at parse time (exit 2) instead of hanging or overflowing later
 * (issue 12 items 9 and 11): every range below has a test, and the run-time guards behind them
 * (open loop yields while dropping, long sleeps without TimeoutOverflowWarning, SIGINT honoured
 * at the highest rate allowed) are tested on their own.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_BYTES, MAX_DURATION_US, MAX_RATE_PER_SEC, parseBytes, parseDurationUs, parseIntFlag, parseKeyValue, parsePositiveNumber, UsageError } from '../../src/core/parse.js';
import { RealClock } from '../../src/measure/clock.js';
import { Recorder } from '../../src/measure/recorder.js';
import { constantRate, runOpenLoop } from '../../src/load/open-loop.js';
import { runCli, startCli, tempDir } from '../helpers/cli.js';
import { startTestServer } from '../http/test-server.js';

describe('range-checked parsers', () => {
  it.each([
    ['rate in hex', () => parsePositiveNumber('--rate', '0x10')],
    ['rate in binary', () => parsePositiveNumber('--rate', '0b11')],
    ['rate with separators', () => parsePositiveNumber('--rate', '1_000')],
    ['rate 1e308', () => parsePositiveNumber('--rate', '1e308')],
    ['rate 1e9', () => parsePositiveNumber('--rate', '1e9')],
    ['rate 1e-300', () => parsePositiveNumber('--start-rate', '1e-300')],
    ['empty rate', () => parsePositiveNumber('--rate', '')],
    ['duration past the timer limit', () => parseDurationUs('--think', '30d')],
    ['duration of 10^20 days', () => parseDurationUs('--since', '99999999999999999999d')],
    ['size of 10^14 GB', () => parseBytes('--value-size', '99999999999999gb')],
    ['size past the cap', () => parseBytes('--value-size', `${MAX_BYTES + 1}`)],
    ['whole number past 2^53', () => parseIntFlag('--iterations', '99999999999999999999', 1)],
    ['tag with an empty key', () => parseKeyValue('--tag', ' =v')],
    ['tag without a key', () => parseKeyValue('--tag', '=v')],
  ])('refuses %s with a UsageError naming the flag', (_what, parse) => {
    expect(parse).toThrow(UsageError);
    expect(parse).toThrow(/^--/);
  });

  it('accepts the edges of each range', () => {
    expect(parsePositiveNumber('--rate', '1e6')).toBe(MAX_RATE_PER_SEC);
    expect(parsePositiveNumber('--rate', '0.5')).toBe(0.5);
    expect(parsePositiveNumber('--rate', '.5')).toBe(0.5);
    expect(parseDurationUs('--duration', '24d')).toBe(MAX_DURATION_US);
    expect(parseDurationUs('--since', '365d', { max: 400 * 86_400_000_000 })).toBe(365 * 86_400_000_000);
    expect(parseBytes('--value-size', '64mb')).toBe(MAX_BYTES);
    expect(parseKeyValue('--tag', 'k=')).toEqual(['k', '']);
  });
});

describe('run-time guards', () => {
  it('the open loop gives the event loop a turn while it drops arrivals (Ctrl-C stays visible)', async () => {
    const clock = new RealClock();
    // The schedule started 10 s ago and no lag is allowed: every arrival is dropped at once. A
    // loop that yields only after starting operations would never give timers a turn here.
    const recorder = new Recorder({ startUs: clock.nowUs() - 10_000_000 });
    let turns = 0;
    let running = true;
    const tick = (): void => {
      if (!running) return;
      turns++;
      setImmediate(tick);
    };
    setImmediate(tick);
    const workload = { next: () => ({ name: 'op', run: () => undefined }) };
    const out = await runOpenLoop(workload, { schedule: constantRate(MAX_RATE_PER_SEC), iterations: 100_000, durationUs: 60_000_000, maxInFlight: 1, maxLagUs: 0 }, { clock, recorder, signal: new AbortController().signal });
    running = false;
    expect(out.dropped).toBe(100_000);
    expect(turns).toBeGreaterThan(0);
  });

  it('a sleep longer than setTimeout can hold raises no TimeoutOverflowWarning', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const clock = new RealClock();
      const controller = new AbortController();
      const slept = clock.sleepUntil(clock.nowUs() + 30 * 86_400_000_000, controller.signal);
      // Let the warning (emitted on a later tick) surface, then end the sleep.
      await new Promise((resolve) => setTimeout(resolve, 20));
      controller.abort();
      await slept;
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).not.toContain('TimeoutOverflowWarning');
  });

  it('load at the highest rate allowed stops on SIGINT and keeps a partial result', async () => {
    const server = await startTestServer();
    const cwd = tempDir();
    try {
      const child = startCli(['load', server.url, '--rate', '1e6', '--duration', '10m', '--quiet', '--json', 'out.json', '--no-history'], { cwd });
      let stderr = '';
      child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
      // Wait for the load to be under way (the server saw requests), then interrupt.
      await new Promise<void>((resolve, reject) => {
        const poll = setInterval(() => {
          if ([...server.counts.values()].reduce((a, b) => a + b, 0) > 0) {
            clearInterval(poll);
            resolve();
          }
          if (child.exitCode !== null) {
            clearInterval(poll);
            reject(new Error(`exited early: ${stderr}`));
          }
        }, 20);
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGINT');
      // A hang detector, not a speed assertion: the run must end on its own after one SIGINT.
      const code = await Promise.race([exited, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 45_000))]);
      if (code === 'hung') child.kill('SIGKILL');
      expect(code, stderr).toBe(130);
      expect(existsSync(join(cwd, 'out.json'))).toBe(true);
    } finally {
      await server.close();
    }
  });
});

describe('bad values on the command line exit 2 with one line', () => {
  it.each([
    [['load', 'http://127.0.0.1:9/', '--rate', '0x10', '--duration', '1s']],
    [['load', 'http://127.0.0.1:9/', '--rate', '1e9', '--duration', '1s']],
    [['load', 'http://127.0.0.1:9/', '--concurrency', '1', '--think', '30d']],
    [['stress', 'http://127.0.0.1:9/', '--start-rate', '1e-300']],
    [['mcp-bench', '--stdio', 'true', '--timeout', '30d']],
    [['bench', '--protocol', 'raft', '--rate', '1e308']],
    [['bench', '--protocol', 'raft', '--value-size', '99999999999999gb']],
    [['history', '--since', '99999999999999999999d']],
    [['run', 'selftest', '--quick', '--tag', ' =v']],
    [['run', 'selftest', '--quick', '--backend', 'memory']],
    [['compare', 'latest~99999999999999999999', 'latest']],
  ])('%j', (argv) => {
    const cwd = tempDir();
    // compare needs a history to reach the reference check.
    if (argv[0] === 'compare') expect(runCli(['run', 'selftest', '--quick', '--quiet'], { cwd }).status).toBe(0);
    const r = runCli(argv, { cwd, timeoutMs: 30_000 });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')[0]).toMatch(/^swarmperf: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('output files', () => {
  it.each([
    ['a folder', (cwd: string) => cwd, /is a folder/],
    ['a file under /proc', () => '/proc/version', /accepts no new file/],
    // A named pipe, not /dev/null: a regression must not be able to replace a real device.
    [
      'a named pipe',
      (cwd: string) => {
        execFileSync('mkfifo', [join(cwd, 'pipe')]);
        return join(cwd, 'pipe');
      },
      /not a regular file/,
    ],
    ['a missing folder', (cwd: string) => join(cwd, 'missing', 'deeper', 'x.json'), /does not exist/],
  ])('--json to %s is refused before the run, naming the path', (_what, pathOf, message) => {
    const cwd = tempDir();
    const path = pathOf(cwd);
    const r = runCli(['run', 'selftest', '--quick', '--json', path], { cwd });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain(path);
    expect(r.stderr).not.toMatch(/\.tmp/);
    expect(existsSync(join(cwd, 'missing'))).toBe(false);
    // Refused before measuring: nothing was recorded.
    expect(existsSync(join(cwd, '.swarmperf', 'history.db'))).toBe(false);
  });

  it('memory export to an empty name or a folder is a usage error', () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'd'));
    expect(runCli(['memory', 'export', ''], { cwd }).status).toBe(2);
    const r = runCli(['memory', 'export', 'd'], { cwd });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/is a folder/);
  });
});
