/**
 * `swarmperf run [suite...]`: runs registered suites and records one RunResult for all of them.
 * The flags come from the declarations: the run settings from RUN_PARAMS, each suite's own from
 * its `params` (results/run-suites.ts runs them — the same function MCP benchmark_run calls).
 */
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { RUN_PARAMS, executeSuiteRun, planSuiteRun, suiteParamShape } from '../../results/run-suites.js';
import { listSuites } from '../../suites/types.js';
import { formatBackendComparison } from '../../report/backend-comparison.js';
import { addOutputFlags, exitCodeOf, finishRun, openRun, resolveOutputs, warnOnStderr, withInterrupt } from '../common.js';
import { addParamOptions } from '../params.js';
import { addProfileFlags, profileIntervalOf, profilingFor } from '../profile-flags.js';

export function registerRunCommand(program: Command): void {
  const cmd = program
    .command('run')
    .description('run benchmark suites (default: the coordination suites) and record the result')
    .argument('[suites...]', 'suites to run; `swarmperf run --list` shows them')
    .option('--list', 'list the suites and exit')
    .option('--quick', 'short, small settings for a fast end-to-end check');
  addProfileFlags(cmd);
  addParamOptions(cmd, RUN_PARAMS);
  addOutputFlags(cmd);
  // Suite flags: every suite's parameters are accepted; each suite takes its own.
  for (const suite of listSuites()) {
    const own = suiteParamShape([suite]);
    addParamOptions(cmd, own, `[${suite.name}] `);
  }
  cmd.action(async (names: string[], raw: Record<string, unknown>) => {
    if (raw.list) {
      for (const s of listSuites()) process.stdout.write(`${s.name.padEnd(12)} ${s.description}\n`);
      return;
    }
    const suiteKeys = new Set(listSuites().flatMap((s) => Object.keys(s.params.shape)));
    const params = Object.fromEntries(Object.entries(raw).filter(([k]) => suiteKeys.has(k)));
    // Everything is validated here, before the first suite starts (a bad flag of the last suite too).
    const profileIntervalUs = profileIntervalOf(raw);
    const plan = planSuiteRun({ suites: names, settings: raw, params, quick: raw.quick === true });
    const s = plan.settings;
    // A --backend no requested suite uses is refused, not silently ignored (selftest runs in-process).
    if (cmd.getOptionValueSource('backend') === 'cli' && plan.suites.every((p) => p.suite.name === 'selftest')) throw new UsageError('--backend: the selftest suite runs in-process and uses no backend');
    const history = raw.history === false ? false : typeof raw.history === 'string' ? raw.history : undefined;
    const o = resolveOutputs(raw, { durationUs: s.duration, warmupUs: s.warmup, intervalUs: s.interval, seed: s.seed, ...(s.iterations !== undefined ? { iterations: s.iterations } : {}) });
    // The run session: every suite reports into it (progress, each closed window, resource samples),
    // and the result goes out through the outputs (--json, summary, history, memory store, live file).
    const suiteNames = plan.suites.map((p) => p.suite.name);
    const run = await openRun(o, { command: 'run', suites: suiteNames, plannedDurationUs: suiteNames.length * (s.warmup + s.duration) });
    let exitCode: number | undefined;
    const profiling = await profilingFor(raw, profileIntervalUs, o.dataDir, run.runId);
    const result = await withInterrupt(o.progress, (signal) =>
      executeSuiteRun(plan, {
        dataDir: o.dataDir,
        signal,
        progress: o.progress,
        progressFor: (suite, durationUs) => run.monitor(suite, durationUs),
        tags: o.tags,
        command: 'run',
        ...(history !== undefined ? { history } : {}),
        warn: warnOnStderr,
        runId: run.runId,
        startedAt: run.startedAt,
        deliver: async (r) => {
          // The profiles are written before the enrichers run: the cpu-hotspot finding reads them.
          await profiling?.finish(r);
          exitCode = await finishRun(r, o, {}, run);
        },
      }),
    );
    if (!o.quiet && new Set(result.suites.map((x) => x.backend)).size > 1) (o.jsonPath === '-' ? process.stderr : process.stdout).write(`\n${formatBackendComparison(result.suites)}\n`);
    process.exitCode = exitCode ?? exitCodeOf(result);
  });
}
