import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunResult } from '../../src/core/result.js';
import { runCli, tempDir } from '../helpers/cli.js';

const SHORT = ['run', 'selftest', '--duration', '300ms', '--warmup', '0s', '--seed', '7', '--quiet'];

/** The fallback file the message names; it must exist and hold the run's full result. */
function fallbackFrom(stderr: string, dataDir: string): string {
  const m = /the result was written to (\S+\.json)/.exec(stderr);
  expect(m, stderr).not.toBeNull();
  const path = (m as RegExpExecArray)[1] as string;
  expect(path.startsWith(join(dataDir, 'unsaved-results'))).toBe(true);
  const result = parseRunResult(JSON.parse(readFileSync(path, 'utf8')), path);
  expect(result.suites[0]?.name).toBe('selftest');
  expect(result.suites[0]?.operations.length).toBeGreaterThan(0);
  return path;
}

describe('a measured run is never thrown away when an output fails', () => {
  // An output path that cannot work is refused before anything is measured (exit 2, nothing run,
  // nothing created): no measurement exists to be lost. Outputs that fail once the run is measured
  // (the history cases below) send the result to the fallback file instead.
  it('--json to a file that cannot be written: refused before the run, exit 2, nothing measured', () => {
    const dir = tempDir();
    const r = runCli([...SHORT, '--json', '/proc/version', '--data-dir', dir]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/\/proc\/version/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(existsSync(join(dir, 'history.db'))).toBe(false);
  });

  it('--json into a folder that does not exist: refused before the run, and no folder is created', () => {
    const dir = tempDir();
    const missing = join(dir, 'no', 'such', 'folder');
    const r = runCli([...SHORT, '--json', join(missing, 'r.json'), '--data-dir', dir, '--no-history']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/does not exist/);
    expect(existsSync(join(dir, 'no'))).toBe(false);
  });

  it('history.db is a folder: fallback file, exit non-zero (no longer exit 0 with a warning)', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'history.db'));
    const r = runCli([...SHORT, '--data-dir', dir]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/history/);
    fallbackFrom(r.stderr, dir);
  });

  it('history.db is not a database: fallback file, exit non-zero, the file left as it was', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'history.db'), 'not a database at all, and it must stay this way\n'.repeat(200));
    const before = readFileSync(join(dir, 'history.db'));
    const r = runCli([...SHORT, '--data-dir', dir]);
    expect(r.status).not.toBe(0);
    fallbackFrom(r.stderr, dir);
    expect(readFileSync(join(dir, 'history.db')).equals(before)).toBe(true);
  });

  it('a history that cannot be written even by root (/proc): fallback file, exit non-zero', () => {
    const dir = tempDir();
    const r = runCli([...SHORT, '--history', '/proc/swarmperf-history.db', '--data-dir', dir]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/history/);
    fallbackFrom(r.stderr, dir);
  });

  it.skipIf(process.getuid?.() === 0)('history.db read-only: fallback file, exit non-zero', () => {
    const dir = tempDir();
    expect(runCli([...SHORT, '--data-dir', dir]).status).toBe(0);
    chmodSync(join(dir, 'history.db'), 0o444);
    chmodSync(dir, 0o555);
    const fallbackDir = tempDir();
    try {
      const r = runCli([...SHORT, '--history', join(dir, 'history.db'), '--data-dir', fallbackDir]);
      expect(r.status).not.toBe(0);
      fallbackFrom(r.stderr, fallbackDir);
    } finally {
      chmodSync(dir, 0o755);
    }
  });

  it('when every output works, no fallback file is written and the exit code is 0', () => {
    const dir = tempDir();
    const out = join(dir, 'r.json');
    const r = runCli([...SHORT, '--json', out, '--data-dir', dir]);
    expect(r.status).toBe(0);
    expect(existsSync(out)).toBe(true);
    expect(existsSync(join(dir, 'unsaved-results'))).toBe(false);
    expect(readdirSync(dir)).not.toContain('unsaved-results');
  });
});

describe('interval windows scale with the run', () => {
  it('a --quick 2 s run has windows of 200 ms (at least 10), not one 5 s window', () => {
    const dir = tempDir();
    const out = join(dir, 'r.json');
    const r = runCli(['run', 'selftest', '--quick', '--warmup', '0s', '--json', out, '--data-dir', dir, '--no-history', '--quiet']);
    expect(r.status).toBe(0);
    const result = parseRunResult(JSON.parse(readFileSync(out, 'utf8')), out);
    expect(result.config.intervalUs).toBe(200_000);
    for (const op of result.suites[0]?.operations ?? []) {
      expect(result.suites[0]?.intervals.filter((iv) => iv.operation === op.name).length, op.name).toBeGreaterThanOrEqual(10);
    }
  });
});

describe('every closed window reaches the outputs while the run goes', () => {
  it('run: the live file gets start, each window (adding up to the result), then finish', () => {
    const dir = tempDir();
    const out = join(dir, 'r.json');
    const r = runCli(['run', 'selftest', '--duration', '1s', '--warmup', '0s', '--json', out, '--data-dir', dir, '--no-history', '--quiet']);
    expect(r.status).toBe(0);
    const result = parseRunResult(JSON.parse(readFileSync(out, 'utf8')), out);
    const lines = readFileSync(join(dir, 'live', `${result.id}.jsonl`), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; startUs?: number; operations?: Array<{ name: string; count: number; histogram?: string }> });
    expect(lines[0]?.type).toBe('start');
    expect(lines[lines.length - 1]?.type).toBe('finish');
    const windows = lines.filter((l) => l.type === 'window');
    expect(windows.length).toBeGreaterThanOrEqual(10);
    // Windows arrive in order, and per operation they add up to the result's interval windows.
    const starts = windows.map((w) => w.startUs as number);
    expect([...starts].sort((a, b) => a - b)).toEqual(starts);
    for (const op of result.suites[0]?.operations ?? []) {
      const streamed = windows.reduce((n, w) => n + (w.operations?.find((o) => o.name === op.name)?.count ?? 0), 0);
      const intervals = result.suites[0]?.intervals.filter((iv) => iv.operation === op.name).reduce((n, iv) => n + iv.count, 0);
      expect(streamed, op.name).toBe(intervals);
    }
    expect(windows.some((w) => w.operations?.some((o) => typeof o.histogram === 'string' && o.histogram.length > 0))).toBe(true);
  });
});
