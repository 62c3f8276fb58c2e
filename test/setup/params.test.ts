/**
 * Parameters declared once (core/params.ts) reach both front ends: `swarmperf run`'s flags and MCP
 * benchmark_run's input schema derive from the same declaration, so a default changed there
 * changes in both. Every requested suite's flags are validated before the first suite starts.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Help } from 'commander';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setup } from '../../src/setup.js';
import { registerRunCommand } from '../../src/cli/commands/run.js';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { benchmarkRunInput } from '../../src/mcp/tools/benchmark.js';
import { RUN_PARAMS, planSuiteRun, suiteParamShape } from '../../src/results/run-suites.js';
import { busParams } from '../../src/suites/coordination/bus.js';
import { defineParams, durationParam, intParam, type Param } from '../../src/core/params.js';
import { jsonShape } from '../../src/core/params-json.js';
import { UsageError } from '../../src/core/errors.js';
import { runCli, tempDir } from '../helpers/cli.js';

beforeAll(() => setup());

/** What `swarmperf run <argv>` would plan, from the real command's parsed flags (nothing runs). */
async function planFromCli(argv: string[]) {
  const program = new Command().exitOverride();
  registerRunCommand(program);
  const run = program.commands.find((c) => c.name() === 'run')!;
  run.action(() => {});
  await program.parseAsync(['run', ...argv], { from: 'user' });
  const raw = run.opts();
  // As the command does: the suite flags are the keys the suites declare.
  const keys = new Set(Object.keys(suiteParamShape().shape));
  const params = Object.fromEntries(Object.entries(raw).filter(([k]) => keys.has(k)));
  return { plan: planSuiteRun({ suites: run.args, settings: raw, params, quick: raw.quick === true }), help: run.options };
}

/** What MCP benchmark_run would plan from a client's arguments (its zod schema first, as the SDK does). */
function planFromMcp(args: Record<string, unknown>) {
  const input = benchmarkRunInput().parse(args);
  return planSuiteRun({ suites: [input.suite as string], settings: input, params: input.params ?? {}, quick: input.quick, naming: 'field' });
}

function mcpJsonSchema(): { properties: Record<string, { default?: unknown; properties?: Record<string, { default?: unknown }> }> } {
  return z.toJSONSchema(benchmarkRunInput(), { io: 'input', unrepresentable: 'any' }) as never;
}

/** Sets a declared default for the length of `body` (the declarations are plain objects). */
async function withDefault(p: Param<unknown>, value: string, body: () => Promise<void>): Promise<void> {
  const mutable = p as { default?: string };
  const before = mutable.default;
  mutable.default = value;
  try {
    await body();
  } finally {
    mutable.default = before;
  }
}

describe('one declaration, two front ends', () => {
  it('run and benchmark_run have the same defaults (agents, duration, suite parameters)', async () => {
    const cli = await planFromCli(['bus']);
    const mcp = planFromMcp({ suite: 'bus' });
    expect(cli.plan.settings.agents).toBe(4);
    expect(mcp.settings.agents).toBe(cli.plan.settings.agents);
    expect({ ...mcp.settings, seed: 0, backend: '' }).toEqual({ ...cli.plan.settings, seed: 0, backend: '' });
    expect(mcp.suites[0]!.params).toEqual(cli.plan.suites[0]!.params);
    expect(cli.plan.suites[0]!.params.publishRate).toBe(200);
  });

  it('changing a default in the declaration changes the CLI and MCP alike', async () => {
    await withDefault(RUN_PARAMS.shape.agents, '7', async () => {
      const cli = await planFromCli(['bus']);
      expect(cli.plan.settings.agents).toBe(7);
      expect(cli.help.find((o) => o.long === '--agents')?.description).toMatch(/\(default 7\)/);
      expect(planFromMcp({ suite: 'bus' }).settings.agents).toBe(7);
      expect(mcpJsonSchema().properties.agents?.default).toBe(7);
    });
    await withDefault(busParams.shape.publishRate, '333', async () => {
      const cli = await planFromCli(['bus']);
      expect(cli.plan.suites[0]!.params.publishRate).toBe(333);
      expect(cli.help.find((o) => o.long === '--publish-rate')?.description).toMatch(/\(default 333\)/);
      expect(planFromMcp({ suite: 'bus' }).suites[0]!.params.publishRate).toBe(333);
      expect(mcpJsonSchema().properties.params?.properties?.publishRate?.default).toBe(333);
    });
    // Restored: back to the shipped defaults.
    expect((await planFromCli(['bus'])).plan.settings.agents).toBe(4);
  });

  it('--quick defaults apply to both, and an explicit value wins over them', async () => {
    const cli = await planFromCli(['registry', '--quick']);
    expect(cli.plan.settings.duration).toBe(2_000_000);
    expect(cli.plan.suites[0]!.params.staleAfter).toBe(300);
    expect(planFromMcp({ suite: 'registry', quick: true }).suites[0]!.params.staleAfter).toBe(300);
    expect((await planFromCli(['registry', '--quick', '--stale-after', '2s'])).plan.suites[0]!.params.staleAfter).toBe(2000);
    expect(planFromMcp({ suite: 'registry', quick: true, params: { staleAfter: '2s' } }).suites[0]!.params.staleAfter).toBe(2000);
  });

  it('durations and sizes keep their flag syntax on both sides; errors name the flag or the field', async () => {
    const cli = await planFromCli(['bus', '--payload-size', '64,1kb']);
    expect(cli.plan.suites[0]!.params.payloadSize).toEqual([64, 1024]);
    expect(planFromMcp({ suite: 'bus', params: { payloadSize: '64,1kb' } }).suites[0]!.params.payloadSize).toEqual([64, 1024]);
    await expect(planFromCli(['election', '--lease-ttl', '100ms', '--renew-interval', '200ms'])).rejects.toThrow(/--renew-interval: must be shorter than --lease-ttl/);
    expect(() => planFromMcp({ suite: 'election', params: { leaseTtl: '100ms', renewInterval: '200ms' } })).toThrow(/params\.renewInterval: must be shorter than params\.leaseTtl/);
    expect(() => planFromMcp({ suite: 'selftest', duration: 'soon' })).toThrow(/^duration: expected a duration/);
    expect(() => benchmarkRunInput().parse({ suite: 'bus', params: { nosuch: 1 } })).toThrow();
  });

  it('a declaration checks its own defaults and ranges', () => {
    const set = defineParams({ n: intParam({ help: 'n', default: 5, min: 1, max: 10 }), d: durationParam({ help: 'd', default: '1s', unit: 'ms', min: 1, max: 5000 }) });
    expect(set.parse({})).toEqual({ n: 5, d: 1000 });
    expect(set.parse({ n: 10, d: '5s' })).toEqual({ n: 10, d: 5000 });
    expect(() => set.parse({ n: 11 })).toThrow(UsageError);
    expect(() => set.parse({ d: '6s' })).toThrow(/--d: expected a duration from 1 ms to 5000 ms, got "6s"/);
    expect(() => set.parse({ n: { x: 1 } })).toThrow(/--n: expected a value/);
    const broken = defineParams({ n: intParam({ help: 'n', default: 50, min: 1, max: 10 }) });
    expect(() => broken.parse({})).toThrow(/declared default "50" does not parse/);
    expect(Object.keys(jsonShape(set))).toEqual(['n', 'd']);
  });
});

describe('all flags of all requested suites are validated before the first starts', () => {
  it('a bad flag of the last default suite exits 2 with nothing run and nothing recorded', () => {
    const dataDir = tempDir();
    const r = runCli(['run', '--quick', '--publish-rate', '0', '--data-dir', dataDir]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--publish-rate: expected a number greater than 0/);
    expect(r.stderr).not.toMatch(/▶/); // no suite started
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(dataDir, 'history.db'))).toBe(false);
    expect(existsSync(join(dataDir, 'coordination.db'))).toBe(false);
  });

  it('a cross-flag rule of a later suite is checked up front too', () => {
    const dataDir = tempDir();
    const r = runCli(['run', 'registry', 'election', '--backend', 'memory', '--lease-ttl', '50ms', '--renew-interval', '60ms', '--data-dir', dataDir]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--renew-interval: must be shorter than --lease-ttl/);
    expect(existsSync(join(dataDir, 'history.db'))).toBe(false);
  });
});

describe('lazy commands', () => {
  let program: Command;
  afterAll(() => undefined);
  it('--help lists each command with the description its module gives it', async () => {
    program = new Command();
    for (const entry of COMMANDS) (await entry.load())(program);
    const help = new Help();
    for (const entry of COMMANDS) {
      const real = program.commands.find((c) => c.name() === entry.name)!;
      expect(real.description(), entry.name).toBe(entry.description);
      expect(help.subcommandTerm(real), entry.name).toBe(`${entry.name}${entry.usage ? ` ${entry.usage}` : ''}`);
    }
    expect(program.commands.map((c) => c.name())).toEqual(COMMANDS.map((c) => c.name));
  });

  it('--version and --help answer without loading a command', () => {
    const v = runCli(['--version']);
    expect(v.status).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const h = runCli(['--help']);
    expect(h.status).toBe(0);
    for (const entry of COMMANDS) expect(h.stdout).toContain(entry.name);
    const typo = runCli(['histroy']);
    expect(typo.status).toBe(2);
    expect(typo.stderr).toMatch(/unknown command 'histroy'/);
    expect(typo.stderr).toMatch(/history/);
  });
});
