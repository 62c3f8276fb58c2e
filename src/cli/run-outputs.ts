/**
 * The CLI's outputs of a measuring command, wired to one run session: terminal progress, --json,
 * the summary table, then every registered output (history, memory store). openRun() announces the
 * run; finishRun() enriches and delivers the result and decides the exit code. When an output that
 * was asked for fails, the result is written to a fallback file in the data folder, the message
 * names it, and the exit code is non-zero: a measured run always lands somewhere durable.
 */
import type { Output, ProgressSink } from '../core/events.js';
import type { RunResult } from '../core/result.js';
import { formatRunSummary } from '../report/terminal.js';
import { progressOutput } from '../report/progress.js';
import { jsonOutput, type JsonOutput } from '../results/json-output.js';
import { createOutputs, enrichRunResult, writeFallback, type RunContext } from '../results/pipeline.js';
import { allChecksPassed, newRunId } from '../results/run-result.js';
import { RunSession, type OutputFailure } from '../runner/session.js';

/** What of the common options the outputs need. */
export interface RunOutputOptions {
  dataDir: string;
  raw: Record<string, unknown>;
  jsonPath?: string;
  quiet: boolean;
  seed: number;
  progress: ProgressSink;
}

export interface RunMeta {
  command: string;
  suites: string[];
  plannedDurationUs?: number;
}

export interface RunHandle {
  readonly runId: string;
  readonly startedAt: Date;
  readonly session: RunSession;
  /** The channel a suite's engine reports into (progress, windows, samples → every output). */
  monitor(suite: string, plannedUs?: number): ProgressSink;
  /** A line to every output that shows lines. */
  log(line: string): void;
}

export interface FinishOptions {
  /** Exit 1 for reasons beyond failed checks (e.g. a broken SLO). */
  failed?: boolean;
  failReason?: string;
}

/** Exit code when an output asked for failed (the result is in the fallback file). */
export const EXIT_OUTPUT_FAILED = 1;

function runContext(o: RunOutputOptions): RunContext {
  return { dataDir: o.dataDir, options: o.raw, warn: (m) => process.stderr.write(`swarmperf: warning: ${m}\n`) };
}

/** The summary table and the seed line, after the result is enriched (it shows findings). */
function summaryOutput(o: RunOutputOptions, json: JsonOutput | undefined): Output {
  return {
    name: 'summary',
    finish(result) {
      const out = o.jsonPath === '-' ? process.stderr : process.stdout;
      out.write(formatRunSummary(result) + '\n');
      out.write(`seed ${o.seed}${json?.written && o.jsonPath !== '-' ? ` · result written to ${o.jsonPath}` : ''}\n`);
    },
  };
}

/** The outputs of a CLI run, in delivery order. */
export function cliOutputs(o: RunOutputOptions, ctx: RunContext): Output[] {
  const outputs: Output[] = [progressOutput(o.progress)];
  const json = o.jsonPath !== undefined ? jsonOutput(o.jsonPath) : undefined;
  if (json) outputs.push(json);
  if (!o.quiet) outputs.push(summaryOutput(o, json));
  outputs.push(...createOutputs(ctx));
  return outputs;
}

/** Announces a run to its outputs and returns the handle its engines report into. */
export async function openRun(o: RunOutputOptions, meta: RunMeta, startedAt = new Date()): Promise<RunHandle> {
  const ctx = runContext(o);
  const runId = newRunId(startedAt);
  const session = await RunSession.start({
    runId,
    command: meta.command,
    suites: meta.suites,
    startedAt,
    ...(meta.plannedDurationUs !== undefined ? { plannedDurationUs: meta.plannedDurationUs } : {}),
    outputs: cliOutputs(o, ctx),
    beforeFinish: (result) => enrichRunResult(result, ctx),
    warn: ctx.warn,
  });
  return {
    runId,
    startedAt,
    session,
    monitor: (suite, plannedUs) => session.monitor(suite, plannedUs),
    log: (line) => session.log(line),
  };
}

/**
 * Delivers the result to every output and returns the exit code: 0 ok, 1 a failed check, SLO or
 * output (the result then sits in the fallback file), 130 interrupted (the partial result is still
 * delivered). Without a handle (a command not yet on the runner) a session is opened for the result.
 */
export async function finishRun(result: RunResult, o: RunOutputOptions, extra: FinishOptions = {}, handle?: RunHandle): Promise<number> {
  const session =
    handle?.session ??
    (await RunSession.start({
      runId: result.id,
      command: String(result.config.command ?? 'run'),
      suites: result.suites.map((s) => s.name),
      startedAt: new Date(result.startedAt),
      outputs: cliOutputs(o, runContext(o)),
      beforeFinish: (r) => enrichRunResult(r, runContext(o)),
      warn: runContext(o).warn,
    }));
  const failures = (await session.finish(result)).filter((f) => f.event === 'finish' && !f.bestEffort);
  const outputFailed = failures.length > 0 && keepInFallback(result, o, failures);
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
  return outputFailed ? EXIT_OUTPUT_FAILED : 0;
}

/** Writes the fallback file and says where it is; returns true (the run failed to land where asked). */
function keepInFallback(result: RunResult, o: RunOutputOptions, failures: readonly OutputFailure[]): boolean {
  const what = failures.map((f) => `${f.output} (${f.message})`).join('; ');
  try {
    const path = writeFallback(result, o.dataDir);
    process.stderr.write(`swarmperf: error: ${failures.length} output(s) failed: ${what}; the result was written to ${path} (swarmperf history import ${path} records it)\n`);
  } catch (err) {
    process.stderr.write(`swarmperf: error: ${failures.length} output(s) failed: ${what}; ${err instanceof Error ? err.message : String(err)}\n`);
  }
  return true;
}
