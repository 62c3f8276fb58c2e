/**
 * `swarmperf tune SUITE|--protocol P --param NAME=LO..HI|a,b,c … --maximize|--minimize METRIC`:
 * a search over declared parameters (src/tune/). Commander wiring only: each trial is delivered
 * through a run session of its own (openRun/finishRun, as `run` and `bench` do), so the live file,
 * the history and the dashboard see every trial as it happens.
 */
import type { Command } from 'commander';
import { collect } from '../../core/parse.js';
import type { RunResult } from '../../core/result.js';
import { writeOutputFile } from '../../results/atomic-write.js';
import { formatTuneResult } from '../../report/tune.js';
import { planTune, runTune, type TrialDelivery } from '../../tune/index.js';
import { createProgress } from '../../report/progress.js';
import { finishRun, openRun, resolveOutputs, warnOnStderr, withInterrupt, type CommonOptions } from '../common.js';

export function registerTuneCommand(program: Command): void {
  program
    .command('tune')
    .description('search parameters of a suite, protocol or backend for the best settings under SLOs (grid or successive halving, repeats where noisy)')
    .argument('[suite]', 'the suite to tune (or --protocol)')
    .option('--protocol <name>', 'tune a consensus protocol in the simulator instead of a suite')
    .option('--scenario <name>', 'the protocol scenario each trial runs (default: the protocol\'s first)')
    .option('--backend <spec>', 'suites: the backend (default sqlite); its tuning (e.g. busyWait, busyTimeout) may be searched by name')
    .option('--param <NAME=LO..HI|a,b,c>', 'a parameter to search: a range of a number or duration, or listed values (repeatable)', collect, [])
    .option('--set <NAME=VALUE>', 'a parameter held fixed in every trial, e.g. latency=lognormal:5ms,0.8 (repeatable)', collect, [])
    .option('--maximize <metric>', 'what to make largest: throughput, a metric name (tasks.claim.throughput) or a suite metric (availabilityLeader)')
    .option('--minimize <metric>', 'what to make smallest: p99, a metric name (consensus.raft.election.mean), …')
    .option('--slo <rule>', 'a constraint every chosen setting must meet, e.g. "tasks.claim.p99<5ms" (repeatable; the alert-rule syntax)', collect, [])
    .option('--budget <d>', 'wall time for the search, e.g. 5m (default 5m unless --trials)')
    .option('--trials <n>', 'most trials (runs) for the search')
    .option('--repeats <n>', 'base repeats per configuration (default 1; more where the leaders\' intervals overlap)')
    .option('--seed <n>', 'seed of repeat 0 (repeat r uses seed+r) and of the sample')
    .option('--duration <d>', 'measured duration of each trial (default: 3s for suites, the scenario\'s own for protocols)')
    .option('--warmup <d>', 'warmup of each trial (default 0.5s for suites, 1s for protocols)')
    .option('--json [file]', 'the tuning result as JSON: on stdout (alone or -), or written to FILE')
    .option('--quiet', 'no progress and no summary')
    .option('--data-dir <dir>', 'where swarmperf keeps its data (default ./.swarmperf or $SWARMPERF_HOME)')
    .option('--tag <k=v>', 'tag every trial (repeatable)', collect, [])
    .option('--history <file>', 'history database (default <data-dir>/history.db)')
    .option('--no-history', 'do not record the trials in the history')
    .action(async (suite: string | undefined, raw: Record<string, unknown>) => {
      const str = (k: string): string | undefined => (typeof raw[k] === 'string' ? (raw[k] as string) : undefined);
      const plan = await planTune({
        ...(suite !== undefined ? { suite } : {}),
        ...optional('protocol', str('protocol')),
        ...optional('scenario', str('scenario')),
        ...optional('backend', str('backend')),
        params: raw.param as string[],
        set: raw.set as string[],
        ...optional('maximize', str('maximize')),
        ...optional('minimize', str('minimize')),
        slo: raw.slo as string[],
        ...optional('budget', str('budget')),
        ...optional('trials', str('trials')),
        ...optional('repeats', str('repeats')),
        ...optional('seed', str('seed')),
        ...optional('duration', str('duration')),
        ...optional('warmup', str('warmup')),
      });
      const o = resolveOutputs(raw, { durationUs: 0, warmupUs: 0, intervalUs: 1, seed: plan.seed });
      const history = raw.history === false ? false : typeof raw.history === 'string' ? raw.history : undefined;
      const result = await withInterrupt(o.progress, (signal) =>
        runTune(plan, {
          dataDir: o.dataDir,
          ...(history !== undefined ? { history } : {}),
          tags: o.tags,
          signal,
          warn: warnOnStderr,
          delivery: trialSessions(o),
          log: (line) => o.progress.log(line),
        }),
      );
      const json = `${JSON.stringify(result, null, 2)}\n`;
      if (o.jsonPath === '-') process.stdout.write(json);
      else if (o.jsonPath !== undefined) writeOutputFile('--json', o.jsonPath, json);
      if (!o.quiet) (o.jsonPath === '-' ? process.stderr : process.stdout).write(`${formatTuneResult(result)}\n`);
      if (result.stoppedBy === 'interrupted') process.exitCode = 130;
      else if (!result.bestFeasible) {
        process.stderr.write(`swarmperf: no configuration met every SLO (${result.slos.join(', ')})\n`);
        process.exitCode = 1;
      }
    });
}

function optional<K extends string>(key: K, v: string | undefined): Partial<Record<K, string>> {
  return v === undefined ? {} : ({ [key]: v } as Record<K, string>);
}

/**
 * Each trial in a run session of its own: quiet (the tune command prints one line per trial),
 * no --json (that is the tuning result), the registered outputs (history, live file, memory store).
 */
function trialSessions(o: CommonOptions): TrialDelivery {
  const { jsonPath: _json, ...rest } = o;
  const trial = { ...rest, quiet: true, progress: createProgress({ quiet: true }) };
  return {
    async open(meta) {
      const handle = await openRun(trial, meta);
      return {
        runId: handle.runId,
        startedAt: handle.startedAt,
        progress: (suite: string, plannedUs: number) => handle.monitor(suite, plannedUs),
        deliver: async (result: RunResult) => void (await finishRun(result, trial, {}, handle)),
      };
    },
  };
}
