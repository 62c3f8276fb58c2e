/**
 * The `--json [FILE]` and `--quiet` flags every command that prints results takes. A module of its
 * own, light to load: commands that only print results (`tools`, `memory`, `history`, `alerts` …)
 * import it without the run machinery of common.ts (the result schema, the progress renderer, the
 * summary table).
 */
import type { Command } from 'commander';
import { checkOutputPath, writeOutputFile } from '../results/atomic-write.js';
import { UsageError } from '../core/parse.js';

/**
 * Every command that prints results takes `--json [FILE]` and `--quiet`, meaning the same
 * everywhere: `--json` alone (or `--json -`) prints the results as JSON on stdout instead of the
 * text; `--json FILE` writes them to FILE (atomically) and still prints the text unless --quiet;
 * `--quiet` drops progress and notes on stderr, and the text too when the JSON went to a file.
 * (Measuring commands drop their summary table with --quiet: the run is in the history.)
 */
export interface ResultFlags {
  json?: string | boolean;
  quiet?: boolean;
}

export function addResultFlags(cmd: Command, what = 'the results'): Command {
  return cmd
    .option('--json [file]', `${what} as JSON: on stdout (alone or -), or written to FILE`)
    .option('--quiet', 'no notes on stderr (and no text on stdout when --json writes a FILE)');
}

/**
 * Where --json sends the results: undefined (not given), '-' (stdout) or a file name. An optional
 * value takes the next word, so `bottlenecks --json latest` would write a file named "latest": a
 * bare word (no dot, no slash) is refused rather than guessed at. The path itself is not probed
 * here (jsonTarget does, once, before the work; writeOutputFile checks it again when writing).
 */
function jsonDestination(raw: string | boolean | undefined): string | undefined {
  if (raw === undefined || raw === false) return undefined;
  if (raw === true || raw === '-') return '-';
  if (raw === '') throw new UsageError('--json: expected a file name (or - for stdout)');
  if (!/[./\\]/.test(raw)) throw new UsageError(`--json ${raw}: not a file name (no dot or slash); put --json after the arguments, or give a FILE such as ${raw}.json`);
  return raw;
}

/** The --json value: undefined (not given), '-' (stdout) or a file path checked for writing. */
export function jsonTarget(raw: string | boolean | undefined): string | undefined {
  const target = jsonDestination(raw);
  if (target !== undefined && target !== '-') checkOutputPath('--json', target);
  return target;
}

/** Checks --json before any work is done (a bad path fails first, as usage). */
export function checkResultFlags(flags: ResultFlags): void {
  jsonTarget(flags.json);
}

/** True when the results go out as JSON on stdout (the text must then stay off stdout). */
export function jsonOnStdout(flags: ResultFlags): boolean {
  return jsonDestination(flags.json) === '-';
}

/**
 * Prints a command's results per --json/--quiet: JSON on stdout instead of the text, or JSON to a
 * file and the text unless --quiet. `text` is only built when it is shown.
 */
export function printResults(flags: ResultFlags, value: unknown, text: () => string): void {
  const target = jsonDestination(flags.json);
  if (target !== undefined) {
    const json = JSON.stringify(value, null, 2) + '\n';
    if (target === '-') return void process.stdout.write(json);
    writeOutputFile('--json', target, json);
    if (flags.quiet) return;
  }
  const t = text();
  if (t !== '') process.stdout.write(t.endsWith('\n') ? t : `${t}\n`);
}

/** A note on stderr (what was written where, hints), unless --quiet. */
export function printNote(flags: ResultFlags, message: string): void {
  if (!flags.quiet) process.stderr.write(message.endsWith('\n') ? message : `${message}\n`);
}

