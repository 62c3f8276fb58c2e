/**
 * CLI consistency (issue 11 item 12, the parts in this area): `memory retrieve KEY` as the docs
 * show it, --json and --quiet on the history and memory subcommands that print something,
 * `report --quiet`, and `load --connections` as the autocannon/wrk name for --concurrency.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { syntheticRun } from '../results/fixtures.js';
import { runCli, startCli, tempDir, type CliResult } from '../helpers/cli.js';

/** The CLI without blocking this process (the test server answers from it). */
function cliAsync(args: string[]): Promise<CliResult> {
  const child = startCli(args);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
}
import { startTestServer } from '../http/test-server.js';

describe('CLI consistency', () => {
  it('memory KEY as an argument, or --key; both must agree', () => {
    const dir = tempDir();
    expect(runCli(['memory', 'store', 'notes/mine', '--value', 'keep me', '--data-dir', dir]).status).toBe(0);
    const byArg = runCli(['memory', 'retrieve', 'notes/mine', '--data-dir', dir]);
    expect(byArg.stdout).toBe('keep me\n');
    expect(runCli(['memory', 'retrieve', '--key', 'notes/mine', '--data-dir', dir]).stdout).toBe('keep me\n');
    const both = runCli(['memory', 'retrieve', 'notes/mine', '--key', 'notes/other', '--data-dir', dir]);
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/--key: key given twice/);
    expect(JSON.parse(runCli(['memory', 'delete', 'notes/mine', '--data-dir', dir, '--json']).stdout)).toMatchObject({ deleted: true });
  });

  it('history import/remove print JSON with --json; --quiet silences notes', () => {
    const dir = tempDir();
    const run = syntheticRun({ seed: 3, ops: [{ name: 'claim', medianUs: 1000, samples: 100 }] });
    const file = join(dir, 'run.json');
    writeFileSync(file, JSON.stringify(run));
    const imported = runCli(['history', 'import', file, '--json', '--data-dir', dir]);
    expect(JSON.parse(imported.stdout)).toMatchObject({ imported: 1, alreadyPresent: 0 });
    const out = join(dir, 'export.json');
    const exported = runCli(['history', 'export', '-o', out, '--quiet', '--data-dir', dir]);
    expect(exported.status).toBe(0);
    expect(exported.stderr).toBe('');
    const removed = runCli(['history', 'remove', run.id, '--json', '--data-dir', dir]);
    expect(JSON.parse(removed.stdout)).toEqual({ removed: run.id });
    const empty = runCli(['memory', 'list', '--quiet', '--data-dir', dir]);
    expect(empty.status).toBe(0);
    expect(empty.stderr).toBe('');
    const report = runCli(['report', '--input', file, '--format', 'json', '--out', join(dir, 'r.json'), '--quiet', '--no-history']);
    expect(report.status, report.stderr).toBe(0);
    expect(report.stderr).toBe('');
  });

  it('load --connections N is --concurrency N', async () => {
    const server = await startTestServer();
    try {
      const r = await cliAsync(['load', server.url, '--connections', '2', '--iterations', '20', '--duration', '10s', '--warmup', '0s', '--json', '-', '--quiet', '--no-history']);
      expect(r.status, r.stderr).toBe(0);
      const result = JSON.parse(r.stdout) as { config: Record<string, unknown> };
      expect(result.config.model).toBe('closed');
      expect(result.config.concurrency).toBe(2);
      const both = await cliAsync(['load', server.url, '--connections', '2', '--concurrency', '3', '--duration', '1s']);
      expect(both.status).toBe(2);
    } finally {
      await server.close();
    }
  });
});
