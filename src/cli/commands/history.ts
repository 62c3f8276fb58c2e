/**
 * `swarmperf history`: list the recorded runs; `history show RUN`, `history import FILE...`,
 * `history export [RUN...]`, `history remove RUN`. The same SQLite file every command records into.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { checkOutputPath, writeOutputFile } from '../../results/atomic-write.js';
import type { RunSummary } from '../../results/history/store.js';
import { parseRunResult, type RunResult } from '../../core/result.js';
import { formatRunSummary, table } from '../../report/terminal.js';
import { runListing, type RunListing } from '../../results/comparable.js';
import { formatUs } from '../../core/units.js';
import { parseIntFlag, UsageError } from '../../core/parse.js';
import { shareGroupFlags } from './group-flags.js';
import { addHistoryFlags, asUsage, historyPathFromFlags, openHistoryFromFlags, parseSince, parseTags, type HistoryFlags } from './history-options.js';
import { printResults } from '../result-flags.js';

interface ListFlags extends HistoryFlags {
  limit?: string;
}

function summaryRow(r: RunSummary & RunListing): string[] {
  const git = r.gitSha ? `${r.gitSha.slice(0, 7)}${r.gitBranch ? ` (${r.gitBranch})` : ''}` : '';
  const tags = Object.entries(r.tags).map(([k, v]) => `${k}=${v}`).join(' ');
  const result = r.partial ? 'partial' : r.passed === null ? '' : r.passed ? 'pass' : 'FAIL';
  return [r.id, r.startedAt.replace('T', ' ').slice(0, 19), r.command ?? '', r.suites.join(','), r.backend, r.agents === null ? '' : String(r.agents), r.durationUs === null ? '' : formatUs(r.durationUs), result, r.fingerprint, git, tags];
}

/** Reads RunResults from a file: one RunResult, an array of them, or JSON lines. */
export function readRunsFile(file: string): RunResult[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${file}: cannot read (${err instanceof Error ? err.message : String(err)})`);
  }
  const validate = (value: unknown, where: string): RunResult => {
    try {
      return parseRunResult(value, where);
    } catch (err) {
      throw new UsageError(err instanceof Error ? err.message : String(err));
    }
  };
  let whole: unknown;
  try {
    whole = JSON.parse(text);
  } catch {
    // Not one JSON document: try JSON lines, naming the line that fails.
    const runs: RunResult[] = [];
    text.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch (err) {
        throw new UsageError(`${file}:${i + 1}: not valid JSON (${err instanceof Error ? err.message : String(err)}); expected a RunResult, an array of them, or JSON lines`);
      }
      runs.push(validate(v, `${file}:${i + 1}`));
    });
    return runs;
  }
  if (Array.isArray(whole)) return whole.map((v, i) => validate(v, `${file}[${i}]`));
  return [validate(whole, file)];
}

export function registerHistoryCommand(program: Command): void {
  const cmd = shareGroupFlags(program.command('history').description('list the runs recorded in the history (and show, import, export, remove them)'));
  addHistoryFlags(cmd, { since: true, tag: true }).option('--limit <n>', 'only the most recent N runs');
  cmd.action((flags: ListFlags) => {
    const since = parseSince(flags.since);
    const tags = parseTags(flags.tag);
    const limit = flags.limit !== undefined ? parseIntFlag('--limit', flags.limit, 1) : undefined;
    const h = openHistoryFromFlags(flags);
    let runs: Array<RunSummary & RunListing> = [];
    try {
      runs = h ? h.listRuns({ ...(since ? { since } : {}), ...(tags ? { tags } : {}), ...(limit ? { limit } : {}) }).map((r) => ({ ...r, ...runListing(h.getRun(r.id)) })) : [];
    } finally {
      h?.close();
    }
    printResults(flags, runs, () =>
      runs.length === 0
        ? `no runs recorded in ${historyPathFromFlags(flags)} yet`
        : table(['id', 'started (UTC)', 'command', 'suites', 'backend', 'agents', 'duration', 'result', 'config', 'git', 'tags'], runs.map(summaryRow), 11) + `\n${runs.length} run(s) · ${historyPathFromFlags(flags)}`,
    );
  });

  addHistoryFlags(cmd.command('show').description('show one run (id, unique prefix, latest or latest~N)').argument('<run>', 'run to show')).action((ref: string, flags: HistoryFlags) => {
    const h = openHistoryFromFlags(flags);
    if (!h) throw new UsageError(`run "${ref}": no history at ${historyPathFromFlags(flags)} yet`);
    try {
      const run = asUsage(() => h.getRun(ref));
      printResults(flags, run, () => formatRunSummary(run));
    } finally {
      h.close();
    }
  });

  addHistoryFlags(cmd.command('import').description('add RunResult JSON files (a result, an array, or JSON lines) to the history').argument('<files...>', 'files to import')).action(
    (files: string[], flags: HistoryFlags) => {
      // Every file is read and validated before anything is written: a bad file imports nothing.
      const runs = files.flatMap((f) => readRunsFile(f));
      const h = openHistoryFromFlags(flags, true) as NonNullable<ReturnType<typeof openHistoryFromFlags>>;
      let added = 0;
      try {
        for (const r of runs) if (h.record(r).inserted) added++;
      } finally {
        h.close();
      }
      const skipped = runs.length - added;
      printResults(flags, { imported: added, alreadyPresent: skipped, history: h.path }, () => `imported ${added} run(s)${skipped > 0 ? `, ${skipped} already in the history` : ''} into ${h.path}`);
    },
  );

  addHistoryFlags(
    cmd
      .command('export')
      .description('write runs as a JSON array, oldest first (default: every run)')
      .argument('[runs...]', 'runs to export (ids, prefixes, latest~N)')
      .option('-o, --output <file>', 'write to FILE (atomically) instead of stdout'),
    { json: false, since: true, tag: true },
  ).action((refs: string[], flags: HistoryFlags & { output?: string }) => {
    const since = parseSince(flags.since);
    const tags = parseTags(flags.tag);
    if (flags.output !== undefined) checkOutputPath('--output', flags.output);
    const h = openHistoryFromFlags(flags);
    let runs: RunResult[] = [];
    if (h) {
      try {
        const ids = refs.length > 0 ? refs.map((r) => asUsage(() => h.resolveRef(r))) : h.listRuns({ ...(since ? { since } : {}), ...(tags ? { tags } : {}) }).map((s) => s.id);
        runs = ids.map((id) => h.getRun(id));
      } finally {
        h.close();
      }
    } else if (refs.length > 0) throw new UsageError(`no history at ${historyPathFromFlags(flags)} yet`);
    const body = JSON.stringify(runs, null, 2) + '\n';
    if (flags.output) {
      writeOutputFile('--output', flags.output, body);
      if (!flags.quiet) process.stderr.write(`exported ${runs.length} run(s) to ${flags.output}\n`);
    } else process.stdout.write(body);
  });

  addHistoryFlags(cmd.command('remove').description('remove a run from the history').argument('<run>', 'run to remove')).action((ref: string, flags: HistoryFlags) => {
    const h = openHistoryFromFlags(flags);
    if (!h) throw new UsageError(`run "${ref}": no history at ${historyPathFromFlags(flags)} yet`);
    try {
      const id = asUsage(() => h.removeRun(ref));
      printResults(flags, { removed: id }, () => `removed run ${id}`);
    } finally {
      h.close();
    }
  });
}
