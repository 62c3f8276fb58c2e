/**
 * Every command that prints results takes `--json [FILE]` and `--quiet` (src/cli/common.ts): walks
 * the whole command table, so a new command cannot forget them, and runs each one with --json to
 * show its output parses. A command outside both lists below fails this test until it is added to
 * one — the exceptions are few and each says why.
 */
import { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerAllCommands } from '../../src/cli/commands/index.js';
import { runCli, startCli, tempDir } from '../helpers/cli.js';

/** Commands that print no results, so take neither flag. */
const NO_RESULTS: Record<string, string> = {
  mcp: 'an MCP server: it answers MCP requests on stdio or HTTP and prints nothing else',
  'tools record': 'a Claude Code hook: prints nothing, and must never exit 2 on a usage error (that blocks the tool call)',
  'history export': 'its output is the JSON array of runs already (stdout or -o FILE)',
  agent: 'an agent process for runs started on another host: it serves runs until stopped; the coordinating `run` prints and writes their results',
};

/** Commands that take both flags but are not run here: they need a server to measure (their flags are the measuring commands' addOutputFlags, run below through `run`). */
const NOT_RUN_HERE: Record<string, string> = {
  load: 'needs an HTTP server (test/load)',
  stress: 'needs an HTTP server (test/load)',
  'mcp-bench': 'needs an MCP server (test/mcp)',
  bench: 'a consensus benchmark; its --json is the RunResult of addOutputFlags, as for run (test/consensus)',
  tune: 'a search over many runs; its --json output is parsed in test/tune/cli.test.ts',
};

/** Leaf commands (those that run something), by their full name, e.g. "alerts add". */
function leafCommands(program: Command): Array<{ name: string; cmd: Command }> {
  const out: Array<{ name: string; cmd: Command }> = [];
  const visit = (cmd: Command, prefix: string): void => {
    const name = prefix ? `${prefix} ${cmd.name()}` : cmd.name();
    const runs = (cmd as unknown as { _actionHandler: unknown })._actionHandler != null;
    if (runs) out.push({ name, cmd });
    for (const sub of cmd.commands) visit(sub, name);
  };
  for (const c of program.commands) visit(c, '');
  return out;
}

describe('--json [FILE] and --quiet on every command that prints results', () => {
  it('every command has both (json with an optional FILE), except the few that print no results', async () => {
    const program = new Command();
    await registerAllCommands(program);
    const leaves = leafCommands(program);
    expect(leaves.length).toBeGreaterThan(30);
    const missing: string[] = [];
    for (const { name, cmd } of leaves) {
      if (name in NO_RESULTS) continue;
      const json = cmd.options.find((o) => o.long === '--json');
      const quiet = cmd.options.find((o) => o.long === '--quiet');
      if (!json || !json.optional) missing.push(`${name}: --json [file]`);
      if (!quiet) missing.push(`${name}: --quiet`);
    }
    expect(missing).toEqual([]);
    // The exceptions name real commands (a renamed command must not leave a stale exception).
    const names = new Set(leaves.map((l) => l.name));
    for (const n of [...Object.keys(NO_RESULTS), ...Object.keys(NOT_RUN_HERE)]) expect(names.has(n), n).toBe(true);
  });

  describe('--json output parses', () => {
    const dir = tempDir();
    const data = ['--data-dir', join(dir, 'data')];
    const runFile = join(dir, 'run.json');
    const log = join(dir, 'tools.jsonl');
    const memFile = join(dir, 'memory.json');

    beforeAll(() => {
      // Two recorded runs (compare needs two) and a RunResult file.
      for (let i = 0; i < 2; i++) {
        const r = runCli(['run', 'selftest', '--duration', '300ms', '--warmup', '0s', '--seed', String(i + 1), '--json', runFile, '--quiet', ...data]);
        expect(r.status, r.stderr).toBe(0);
      }
      writeFileSync(log, `${JSON.stringify({ tool: 'read', call_id: 'c1', end_time: Date.UTC(2026, 0, 2, 9), duration_ms: 5, success: true })}\n`);
    }, 180_000);

    // In order: later commands use what earlier ones made (an alert rule, a memory entry).
    const INVOCATIONS: Array<[string, string[]]> = [
      ['run', ['run', 'selftest', '--duration', '200ms', '--warmup', '0s', '--no-history', '--json', '--quiet']],
      ['history', ['history', '--json']],
      ['history show', ['history', 'show', 'latest', '--json']],
      ['history import', ['history', 'import', runFile, '--json']],
      ['compare', ['compare', '--json']],
      ['trends', ['trends', '--json']],
      ['anomalies', ['anomalies', '--json']],
      ['alerts add', ['alerts', 'add', 'selftest.noop.p99 < 1s', '--json']],
      ['alerts list', ['alerts', 'list', '--json']],
      ['alerts check', ['alerts', 'check', '--json']],
      ['alerts remove', ['alerts', 'remove', '1', '--json']],
      ['bottlenecks', ['bottlenecks', '--json']],
      ['report', ['report', '--json']],
      ['profile', ['profile', '--cmd', `${process.execPath} -e 0`, '--json']],
      ['tools ingest', ['tools', 'ingest', log, '--json']],
      ['tools report', ['tools', 'report', '--json']],
      ['contract', ['contract', 'memory', '--rounds', '1', '--concurrency', '2', '--json']],
      ['memory store', ['memory', 'store', '--key', 'notes/a', '--value', 'v', '--json']],
      ['memory retrieve', ['memory', 'retrieve', 'notes/a', '--json']],
      ['memory search', ['memory', 'search', 'notes/*', '--json']],
      ['memory list', ['memory', 'list', '--json']],
      ['memory export', ['memory', 'export', memFile, '--json']],
      ['memory import', ['memory', 'import', memFile, '--json']],
      ['memory delete', ['memory', 'delete', 'notes/a', '--json']],
      ['memory clear', ['memory', 'clear', '--namespace', 'notes', '--json']],
      ['history remove', ['history', 'remove', 'latest', '--json']],
    ];

    it('every command that prints results is run here or says why not', async () => {
      const program = new Command();
      await registerAllCommands(program);
      const covered = new Set([...INVOCATIONS.map(([n]) => n), 'dashboard', ...Object.keys(NO_RESULTS), ...Object.keys(NOT_RUN_HERE)]);
      expect(leafCommands(program).map((l) => l.name).filter((n) => !covered.has(n))).toEqual([]);
    });

    it.each(INVOCATIONS)('%s --json prints JSON on stdout', (_name, args) => {
      const r = runCli([...args, ...data], { timeoutMs: 120_000 });
      expect(r.status, r.stderr).toBe(0);
      expect(() => JSON.parse(r.stdout), r.stdout.slice(0, 300)).not.toThrow();
    });

    it('--json FILE writes the file and --quiet keeps stdout empty', () => {
      const out = join(dir, 'findings.json');
      const r = runCli(['bottlenecks', '--json', out, '--quiet', ...data]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toBe('');
      expect(JSON.parse(readFileSync(out, 'utf8'))).toHaveProperty('findings');
      // A bare word after --json is an argument, not a file name: refused, nothing written.
      const bare = runCli(['bottlenecks', '--json', 'latest', ...data]);
      expect(bare.status).toBe(2);
      expect(bare.stderr).toMatch(/--json latest: not a file name/);
    });

    it('dashboard --json prints {url, port}; --quiet prints only the URL', async () => {
      for (const flag of ['--json', '--quiet']) {
        const child = startCli(['dashboard', '--port', '0', flag, ...data]);
        const line = await new Promise<string>((resolve, reject) => {
          let buf = '';
          let err = '';
          child.stdout!.on('data', (d: Buffer) => {
            buf += d.toString();
            // --json: the whole (pretty-printed) object; --quiet: the first line.
            if (flag === '--quiet' && buf.includes('\n')) resolve(buf.split('\n')[0]!);
            else if (flag === '--json' && /\n\}\n$/.test(buf)) resolve(buf);
          });
          child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
          child.once('exit', (code) => reject(new Error(`dashboard exited ${code}: ${err}`)));
        });
        const stderr: string[] = [];
        child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
        if (flag === '--json') {
          const v = JSON.parse(line) as { url: string; port: number };
          expect(v.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
          expect(v.port).toBe(Number(new URL(v.url).port));
        } else {
          expect(line).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
          expect(stderr.join('')).not.toMatch(/swarmperf dashboard:/);
        }
      }
    });
  });
});
