/**
 * Flags shared by every command that measures (run, load, stress, bench, mcp-bench), their
 * parsing, Ctrl-C handling, and what happens to the result at the end (JSON file, summary, sinks,
 * exit code).
 */
import type { Command } from 'commander';
import { writeOutputFile } from '../results/atomic-write.js';
import { resolveDataDir } from '../results/data-dir.js';
import { allChecksPassed } from '../results/run-result.js';
import type { RunResult } from '../core/result.js';
import { createProgress, type ProgressSink } from '../report/progress.js';
import { defaultIntervalUs } from '../runner/interval.js';
import { formatRunSummary } from '../report/terminal.js';
import { withInterrupt as interruptible } from './interrupt.js';
import { jsonTarget } from './result-flags.js';
import { collect, parseDurationUs, parseIntFlag, parseKeyValue, parsePositiveDurationUs } from '../core/parse.js';

export interface CommonRawOptions {
  duration?: string;
  warmup?: string;
  interval?: string;
  iterations?: string;
  seed?: string;
  json?: string | boolean;
  quiet?: boolean;
  dataDir?: string;
  tag?: string[];
  history?: string | boolean;
}

export interface CommonOptions {
  durationUs: number;
  warmupUs: number;
  intervalUs: number;
  iterations?: number;
  seed: number;
  jsonPath?: string;
  quiet: boolean;
  dataDir: string;
  tags: Record<string, string>;
  progress: ProgressSink;
  raw: CommonRawOptions & Record<string, unknown>;
}

export interface CommonDefaults {
  duration: string;
  warmup: string;
}

export function addCommonFlags(cmd: Command, defaults: CommonDefaults): Command {
  cmd
    .option('--duration <d>', 'measured duration, e.g. 30s, 2m', defaults.duration)
    .option('--warmup <d>', 'warmup before measuring, excluded from results (0s for none)', defaults.warmup)
    .option('--interval <d>', 'interval window for per-window figures (default: a tenth of --duration, at most 5s)')
    .option('--iterations <n>', 'stop after this many operations (if sooner than --duration)')
    .option('--seed <n>', 'seed for every random choice (printed; reproduces the run)');
  return addOutputFlags(cmd);
}

/** Where a measured result goes: --json, --quiet, the data folder, tags and the history. */
export function addOutputFlags(cmd: Command): Command {
  return cmd
    .option('--json [file]', 'the RunResult as JSON: on stdout (alone or -), or written to FILE')
    .option('--quiet', 'no progress and no summary table')
    .option('--data-dir <dir>', 'where swarmperf keeps its data (default ./.swarmperf or $SWARMPERF_HOME)')
    .option('--tag <k=v>', 'tag the run (repeatable), e.g. --tag branch=main', collect, [])
    .option('--history <file>', 'history database (default <data-dir>/history.db)')
    .option('--no-history', 'do not record this run in the history');
}

export function resolveCommon(raw: CommonRawOptions & Record<string, unknown>): CommonOptions {
  const durationUs = parsePositiveDurationUs('--duration', raw.duration ?? '10s');
  const measure: MeasureSettings = {
    durationUs,
    warmupUs: parseDurationUs('--warmup', raw.warmup ?? '0s'),
    // At least 10 windows per run unless asked otherwise: a 2 s run never gets one 5 s window.
    intervalUs: raw.interval !== undefined ? parsePositiveDurationUs('--interval', raw.interval) : defaultIntervalUs(durationUs),
    seed: raw.seed !== undefined ? parseIntFlag('--seed', raw.seed, 0, 2 ** 32 - 1) : Math.floor(Math.random() * 2 ** 31),
  };
  if (raw.iterations !== undefined) measure.iterations = parseIntFlag('--iterations', raw.iterations, 1);
  return resolveOutputs(raw, measure);
}

export interface MeasureSettings {
  durationUs: number;
  warmupUs: number;
  intervalUs: number;
  iterations?: number;
  seed: number;
}

/** The output flags (addOutputFlags) with measurement settings parsed elsewhere (e.g. from a parameter declaration). */
export function resolveOutputs(raw: CommonRawOptions & Record<string, unknown>, measure: MeasureSettings): CommonOptions {
  const tags: Record<string, string> = {};
  for (const t of raw.tag ?? []) {
    const [k, v] = parseKeyValue('--tag', t);
    tags[k] = v;
  }
  const options: CommonOptions = {
    ...measure,
    quiet: raw.quiet === true,
    dataDir: resolveDataDir(raw.dataDir),
    tags,
    progress: createProgress({ quiet: raw.quiet === true }),
    raw,
  };
  const json = jsonTarget(raw.json);
  if (json !== undefined) options.jsonPath = json;
  return options;
}

/**
 * The measurement settings a suite or load model takes straight from the common flags (the
 * fields SuiteRunOptions and McpBenchOptions share).
 */
export function measurementOptions(o: CommonOptions): {
  durationUs: number;
  warmupUs: number;
  intervalUs: number;
  iterations?: number;
  seed: number;
  progress: ProgressSink;
} {
  return {
    durationUs: o.durationUs,
    warmupUs: o.warmupUs,
    intervalUs: o.intervalUs,
    ...(o.iterations !== undefined ? { iterations: o.iterations } : {}),
    seed: o.seed,
    progress: o.progress,
  };
}

/** The config block recorded in the RunResult for the common flags. */
export function commonConfig(o: CommonOptions): Record<string, unknown> {
  const config: Record<string, unknown> = {
    durationUs: o.durationUs,
    warmupUs: o.warmupUs,
    intervalUs: o.intervalUs,
    seed: o.seed,
  };
  if (o.iterations !== undefined) config.iterations = o.iterations;
  return config;
}

/**
 * Runs `fn` with an AbortSignal that Ctrl-C (SIGINT) or SIGTERM triggers: the load stops, what
 * was measured is kept and the result is marked partial. A second Ctrl-C exits at once.
 */
export function withInterrupt<T>(progress: ProgressSink, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  return interruptible((line) => progress.log(line), 'what was measured is kept (partial)', fn);
}

export interface FinishOptions {
  /** Exit 1 for reasons beyond failed checks (e.g. a broken SLO). */
  failed?: boolean;
  failReason?: string;
}

// Measuring commands deliver their result through a run session and its outputs (progress,
// --json, summary, history, memory store, live file), with a fallback file when one fails.
export { finishRun, openRun, type RunHandle } from './run-outputs.js';

export function warnOnStderr(message: string): void {
  process.stderr.write(`swarmperf: warning: ${message}\n`);
}

/** --json (file or stdout) and, unless --quiet, the summary table and the seed. */
export function printResult(result: RunResult, o: CommonOptions): void {
  const json = JSON.stringify(result, null, 2) + '\n';
  if (o.jsonPath === '-') process.stdout.write(json);
  else if (o.jsonPath) writeOutputFile('--json', o.jsonPath, json);
  if (!o.quiet) {
    const out = o.jsonPath === '-' ? process.stderr : process.stdout;
    out.write(formatRunSummary(result) + '\n');
    out.write(`seed ${o.seed}${o.jsonPath && o.jsonPath !== '-' ? ` · result written to ${o.jsonPath}` : ''}\n`);
  }
}

/** 0 ok, 1 a failed check or SLO (said on stderr), 130 interrupted. */
export function exitCodeOf(result: RunResult, extra: FinishOptions = {}): number {
  if (result.partial) return 130;
  if (!allChecksPassed(result)) {
    const failedChecks = result.suites.flatMap((s) => s.checks.filter((c) => !c.passed).map((c) => `${s.name}: ${c.name}`));
    process.stderr.write(`swarmperf: ${failedChecks.length} check(s) failed: ${failedChecks.join('; ')}\n`);
    return 1;
  }
  if (extra.failed) {
    process.stderr.write(`swarmperf: ${extra.failReason ?? 'failed'}\n`);
    return 1;
  }
  return 0;
}
