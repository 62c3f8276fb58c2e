/**
 * Every subcommand of every command group honours the flags its help shows, on either side of
 * the subcommand's name, or refuses them (issue 12 item 1, issue 11 item 5). The first test walks
 * commander's whole tree, so a new group or subcommand is covered without editing this file.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, type Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { buildProgram } from '../../src/cli/main.js';
import { openHistory } from '../../src/results/history/store.js';
import { syntheticRun } from '../results/fixtures.js';
import { runCli, tempDir } from '../helpers/cli.js';

interface Pair {
  group: string;
  sub: string;
}

/** Every (group, subcommand) pair; each command is loaded for real by naming it (commands load lazily). */
async function groups(): Promise<Array<{ group: Command; sub: Command }>> {
  const out: Array<{ group: Command; sub: Command }> = [];
  const walk = (cmd: Command): void => {
    for (const sub of cmd.commands) {
      if (cmd.parent) out.push({ group: cmd, sub });
      walk(sub);
    }
  };
  for (const entry of COMMANDS) {
    const program = await buildProgram(['node', 'swarmperf', entry.name]);
    walk(program.commands.find((c) => c.name() === entry.name) as Command);
  }
  return out;
}

function takesValue(o: Option): boolean {
  return o.required || o.optional;
}

/** Builds a fresh program whose `group sub` action only records the options it receives. */
async function probe(pair: Pair, argv: string[]): Promise<Record<string, unknown>> {
  const program = await buildProgram(['node', 'swarmperf', ...argv]);
  const silence = (c: Command): void => {
    c.exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
    c.commands.forEach(silence);
  };
  silence(program);
  const group = program.commands.find((c) => c.name() === pair.group) as Command;
  const sub = group.commands.find((c) => c.name() === pair.sub) as Command;
  let seen: Record<string, unknown> | undefined;
  sub.action(function (this: Command) {
    seen = this.opts();
  });
  return program.parseAsync(['node', 'swarmperf', ...argv]).then(() => {
    if (!seen) throw new Error(`${pair.group} ${pair.sub}: action did not run`);
    return seen;
  });
}

function requiredArgs(sub: Command): string[] {
  const args = sub.registeredArguments.filter((a) => a.required).map(() => 'arg-x');
  for (const o of sub.options) if (o.mandatory) args.push(o.long as string, 'mandatory-x');
  return args;
}

const pairs = await groups();

describe('flags of a command group reach the subcommand that runs', () => {

  it('finds the groups (history, memory, alerts, tools) in commander\'s tree', () => {
    const names = new Set(pairs.map((p) => p.group.name()));
    for (const g of ['history', 'memory', 'alerts', 'tools']) expect(names).toContain(g);
  });

  for (const { group, sub } of pairs) {
    const shared = group.options.filter((o) => sub.options.some((s) => s.attributeName() === o.attributeName()));
    const parentOnly = group.options.filter((o) => !sub.options.some((s) => s.attributeName() === o.attributeName()) && o.long !== '--version');
    const pair = { group: group.name(), sub: sub.name() };

    for (const o of shared) {
      // --json takes a file name (a bare word after it is refused as a likely argument).
      const probeValue = o.long === '--json' ? 'probe-value.json' : 'probe-value';
      const given = takesValue(o) ? [o.long as string, probeValue] : [o.long as string];
      const expected = takesValue(o) ? probeValue : !o.negate;
      for (const side of ['before', 'after'] as const) {
        it(`${pair.group} ${pair.sub}: ${o.long} ${side} the subcommand`, async () => {
          const argv = side === 'before' ? [pair.group, ...given, pair.sub, ...requiredArgs(sub)] : [pair.group, pair.sub, ...requiredArgs(sub), ...given];
          const opts = await probe(pair, argv);
          const value = opts[o.attributeName()];
          if (Array.isArray(value)) expect(value).toContain(expected);
          else expect(value).toBe(expected);
        });
      }
    }

    for (const o of parentOnly) {
      it(`${pair.group} ${pair.sub}: refuses ${o.long}, which its help does not show`, async () => {
        const given = takesValue(o) ? [o.long as string, '1'] : [o.long as string];
        await expect(probe(pair, [pair.group, pair.sub, ...requiredArgs(sub), ...given])).rejects.toThrow(/not an option of/);
        await expect(probe(pair, [pair.group, ...given, pair.sub, ...requiredArgs(sub)])).rejects.toThrow(/not an option of/);
      });
    }
  }
});

describe('history subcommands work on the history they are given', () => {
  function setup(): { cwd: string; scratch: string; file: string; ids: string[] } {
    const cwd = tempDir();
    const scratch = join(cwd, 'scratch');
    const runs = [
      syntheticRun({ seed: 1, startedAt: '2026-01-01T00:00:00.000Z', ops: [{ name: 'claim', medianUs: 1000, samples: 200 }], tags: { branch: 'main' } }),
      syntheticRun({ seed: 2, startedAt: '2026-01-02T00:00:00.000Z', ops: [{ name: 'claim', medianUs: 1000, samples: 200 }] }),
    ];
    const file = join(cwd, 'runs.json');
    writeFileSync(file, JSON.stringify(runs));
    return { cwd, scratch, file, ids: runs.map((r) => r.id) };
  }

  it('import and remove with --data-dir after the subcommand touch that folder only', () => {
    const { cwd, scratch, file, ids } = setup();
    const imported = runCli(['history', 'import', file, '--data-dir', scratch], { cwd });
    expect(imported.status, imported.stderr).toBe(0);
    const h = openHistory(join(scratch, 'history.db'));
    expect(h.count()).toBe(2);
    h.close();
    // Nothing was written to the default folder.
    expect(runCli(['history', '--json'], { cwd }).stdout.trim()).toBe('[]');
    const removed = runCli(['history', 'remove', ids[0] as string, '--data-dir', scratch], { cwd });
    expect(removed.status, removed.stderr).toBe(0);
    const after = openHistory(join(scratch, 'history.db'));
    expect(after.count()).toBe(1);
    after.close();
  });

  it('export honours --data-dir, --since and --tag after the subcommand', () => {
    const { cwd, scratch, file } = setup();
    expect(runCli(['history', '--data-dir', scratch, 'import', file], { cwd }).status).toBe(0);
    const all = runCli(['history', 'export', '--data-dir', scratch], { cwd });
    expect(JSON.parse(all.stdout)).toHaveLength(2);
    const tagged = runCli(['history', 'export', '--data-dir', scratch, '--tag', 'branch=main'], { cwd });
    expect(JSON.parse(tagged.stdout)).toHaveLength(1);
    const none = runCli(['history', 'export', '--data-dir', scratch, '--tag', 'nosuch=tag'], { cwd });
    expect(JSON.parse(none.stdout)).toHaveLength(0);
    const since = runCli(['history', 'export', '--data-dir', scratch, '--since', '2026-01-02'], { cwd });
    expect(JSON.parse(since.stdout)).toHaveLength(1);
  });

  it('export --since garbage is a usage error (exit 2), on either side', () => {
    const { cwd, scratch } = setup();
    for (const argv of [
      ['history', 'export', '--since', 'garbage', '--data-dir', scratch],
      ['history', '--since', 'garbage', 'export', '--data-dir', scratch],
      ['history', 'export', '--since', '99999999999999999999d'],
    ]) {
      const r = runCli(argv, { cwd });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/--since/);
      expect(r.stdout).toBe('');
    }
  });
});
