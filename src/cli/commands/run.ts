/** `swarmperf run [suite...]`: runs registered suites and records one RunResult for all of them. */
import type { Command } from 'commander';
import { RealClock } from '../../measure/clock.js';
import { buildRunResult } from '../../results/run-result.js';
import type { SuiteResult } from '../../core/result.js';
import { getSuite, listSuites, type SuiteDefinition } from '../../suites/types.js';
import { addCommonFlags, commonConfig, finishRun, measurementOptions, resolveCommon, withInterrupt } from '../common.js';
import { parseIntFlag, UsageError } from '../../core/parse.js';
import { parseBackendSpec } from '../../targets/backend.js';

export function registerRunCommand(program: Command): void {
  const cmd = program
    .command('run')
    .description('run benchmark suites (default: the coordination suites) and record the result')
    .argument('[suites...]', 'suites to run; `swarmperf run --list` shows them')
    .option('--list', 'list the suites and exit')
    .option('--quick', 'short, small settings for a fast end-to-end check')
    .option('--agents <n>', 'worker processes (agents) per suite', '4')
    .option('--backend <spec>', 'backend: memory | sqlite[:PATH]', 'sqlite');
  addCommonFlags(cmd, { duration: '10s', warmup: '2s' });
  // Suite-specific flags: every suite's options are accepted; each suite reads its own.
  const seen = new Set<string>();
  for (const suite of listSuites()) {
    for (const opt of suite.options ?? []) {
      if (seen.has(opt.flags)) continue;
      seen.add(opt.flags);
      cmd.option(opt.flags, `[${suite.name}] ${opt.description}`, opt.defaultValue);
    }
  }
  cmd.action(async (names: string[], raw: Record<string, unknown>) => {
    if (raw.list) {
      for (const s of listSuites()) process.stdout.write(`${s.name.padEnd(12)} ${s.description}\n`);
      return;
    }
    const suites = selectSuites(names);
    const quick = raw.quick === true;
    // --quick shortens the defaults, never what the user set explicitly.
    if (quick && cmd.getOptionValueSource('duration') === 'default') raw.duration = '2s';
    if (quick && cmd.getOptionValueSource('warmup') === 'default') raw.warmup = '0.5s';
    const o = resolveCommon(raw);
    const agents = parseIntFlag('--agents', String(raw.agents), 1, 256);
    const backend = String(raw.backend);
    // Checked before anything runs; a --backend that no requested suite uses is refused, not ignored.
    parseBackendSpec(backend, o.dataDir);
    if (cmd.getOptionValueSource('backend') === 'cli' && suites.every((s) => s.name === 'selftest')) throw new UsageError('--backend: the selftest suite runs in-process and uses no backend');
    const startedAt = new Date();
    const results: SuiteResult[] = [];
    const clock = new RealClock();
    const aborted = await withInterrupt(o.progress, async (signal) => {
      for (const suite of suites) {
        if (signal.aborted) break;
        o.progress.log(`▶ ${suite.name} · backend ${backend} · ${agents} agents · seed ${o.seed}`);
        results.push(
          await suite.run({
            clock,
            ...measurementOptions(o),
            quick,
            agents,
            backend,
            dataDir: o.dataDir,
            signal,
            extra: raw,
          }),
        );
      }
      return signal.aborted;
    });
    const result = buildRunResult({
      startedAt,
      finishedAt: new Date(),
      partial: aborted,
      config: { command: 'run', suites: suites.map((s) => s.name), agents, backend, quick, ...commonConfig(o) },
      suites: results,
      tags: o.tags,
    });
    process.exitCode = await finishRun(result, o);
  });
}

function selectSuites(names: string[]): SuiteDefinition[] {
  if (names.length === 0) {
    const defaults = listSuites().filter((s) => s.runByDefault);
    return defaults.length > 0 ? defaults : listSuites();
  }
  return names.map((n) => {
    const s = getSuite(n);
    if (!s) throw new UsageError(`run: unknown suite "${n}"; known suites: ${listSuites().map((x) => x.name).join(', ')}`);
    return s;
  });
}
