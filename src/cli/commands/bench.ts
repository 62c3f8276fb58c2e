/**
 * `swarmperf bench --protocol P[,Q…] [--scenario S]`: the registered consensus protocols measured
 * in the deterministic simulator (`--mode sim`, the default) or over real TCP (`--mode real`).
 * The flags are derived from the protocols' parameter schemas (src/consensus/registry.ts), the
 * work is done by the library (`runConsensusBench`); this file is only commander wiring.
 */
import { Command, Option } from 'commander';
import type { z } from 'zod';
import { COMPARE_SUITE, comparisonTable, listProtocols, runConsensusBench, sharedParams } from '../../consensus/index.js';
import { buildRunResult } from '../../results/run-result.js';
import { addCommonFlags, finishRun, openRun, resolveCommon, withInterrupt } from '../common.js';
import { addProfileFlags, profileIntervalOf, profilingFor } from '../profile-flags.js';

const kebab = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** One commander option from one zod-declared parameter: its flag, help, default and kind. */
function optionFor(key: string, schema: z.ZodType): Option {
  const meta = (schema.meta() ?? {}) as { placeholder?: string; repeatable?: boolean; description?: string };
  const def = schema.def as { type: string; defaultValue?: unknown; innerType?: z.ZodType };
  const inner = def.type === 'default' || def.type === 'optional' ? (def.innerType?.def.type ?? def.type) : def.type;
  const help = meta.description ?? schema.description ?? '';
  if (inner === 'boolean') {
    // A switch that is on by default is turned off with --no-…
    return def.defaultValue === true ? new Option(`--no-${kebab(key)}`, help) : new Option(`--${kebab(key)}`, help);
  }
  const opt = new Option(`--${kebab(key)} <${meta.placeholder ?? 'value'}>`, help);
  if (meta.repeatable) return opt.argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), v]).default([]);
  if (def.type === 'default' && typeof def.defaultValue === 'string') opt.default(def.defaultValue);
  return opt;
}

/** Every parameter of every protocol once (shared ones first). */
function benchOptions(): Option[] {
  const seen = new Set<string>();
  const out: Option[] = [];
  for (const schema of [sharedParams, ...listProtocols().map((p) => p.params)]) {
    for (const [key, field] of Object.entries(schema.shape)) {
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(optionFor(key, field as z.ZodType));
    }
  }
  return out;
}

function protocolHelp(): string {
  return listProtocols()
    .map((p) => `  ${p.name}: ${p.description}\n    scenarios: ${p.scenarios.map((s) => s.name).join(', ')} (default ${p.defaultScenario}); modes: ${p.modes.join(', ')}`)
    .join('\n');
}

export function registerBenchCommand(program: Command): void {
  const cmd = program
    .command('bench')
    .description('benchmark consensus protocols in the deterministic simulator or over real TCP (see docs: consensus)')
    .requiredOption('--protocol <name[,name…]>', `protocol(s): ${listProtocols().map((p) => p.name).join(' | ')}; several → one comparison`)
    .addHelpText('after', `\nProtocols:\n${protocolHelp()}`);
  for (const o of benchOptions()) cmd.addOption(o);
  addCommonFlags(cmd, { duration: '10s', warmup: '1s' });
  addProfileFlags(cmd);
  cmd.action(async (raw: Record<string, unknown>) => {
    const durationIsDefault = cmd.getOptionValueSource('duration') === 'default';
    const o = resolveCommon(raw);
    const profileIntervalUs = profileIntervalOf(raw);
    const protocols = String(raw.protocol).split(',').map((p) => p.trim());
    // The run's outputs (terminal progress, the live file, --json, history) see it start, every
    // closed window as the scenarios record it, and its end.
    const handle = await openRun(o, { command: 'bench', suites: protocols.map((p) => `consensus.${p}`), plannedDurationUs: o.durationUs });
    const profiling = await profilingFor(raw, profileIntervalUs, o.dataDir, handle.runId);
    const progress = handle.monitor(protocols.length > 1 ? 'consensus' : `consensus.${protocols[0] ?? ''}`, o.durationUs);
    const { run } = await withInterrupt(progress, (signal) =>
      runConsensusBench(raw, { ...o, progress, signal, startedAt: handle.startedAt, durationIsDefault, ...(o.iterations !== undefined ? { iterations: o.iterations } : {}) }),
    );
    const result = buildRunResult({ ...run, id: handle.runId });
    // Written before the enrichers run: the cpu-hotspot finding reads them.
    await profiling?.finish(result);
    for (const s of result.suites) {
      for (const c of s.checks) {
        if (!c.passed) process.stderr.write(`swarmperf: ${s.backend}: check "${c.name}" failed: ${c.detail} (seed ${o.seed})\n`);
      }
    }
    const comparison = result.suites.find((s) => s.name === COMPARE_SUITE);
    if (comparison && !o.quiet) process.stderr.write(`${comparisonTable(comparison)}\n`);
    process.exitCode = await finishRun(result, o, {}, handle);
  });
}
