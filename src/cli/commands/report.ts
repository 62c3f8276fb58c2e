/**
 * `swarmperf report [RUN|--last N] --format markdown|html|json|csv|bmf|gab|prom [--charts] [--out FILE]`:
 * renders runs from the history (default: the latest) or from RunResult files (--input).
 */
import { dirname, join, basename, extname } from 'node:path';
import type { Command } from 'commander';
import { checkOutputPath, writeFileAtomic, writeOutputFile } from '../../results/atomic-write.js';
import { resolveDataDir } from '../../results/data-dir.js';
import { loadTrends } from '../../report/history-trends.js';
import type { ReportInput } from '../../report/model.js';
import { getReportFormat, listReportFormats, parseFormat, renderReport } from '../../report/render.js';
import { collect, parseIntFlag, UsageError } from '../../core/parse.js';
import { loadRuns, openHistoryForReading } from './report-source.js';
import { addResultFlags, jsonTarget, printNote, type ResultFlags } from '../result-flags.js';

interface ReportRaw extends ResultFlags {
  format: string;
  last?: string;
  input: string[];
  charts?: boolean;
  out?: string;
  dataDir?: string;
  trendRuns: string;
  history?: string | boolean;
}

export function registerReportCommand(program: Command): void {
  const cmd = program
    .command('report')
    .description('render a run (default: the latest) as markdown, html, json, csv, bmf (Bencher), gab (github-action-benchmark) or prom')
    .argument('[run]', 'run id, unique id prefix, latest or latest~N')
    .option('--format <fmt>', `output format: ${listReportFormats().join(' | ')}`, 'markdown')
    .option('--last <n>', 'report the N most recent runs (json/csv: all of them; others: the newest, with trends over N)')
    .option('--input <file>', 'read the run from a RunResult JSON file instead of the history (repeatable)', collect, [])
    .option('--charts', 'markdown: SVG charts beside --out FILE (Mermaid blocks when writing to stdout)')
    .option('--out <file>', 'write the report to FILE (atomically) instead of stdout')
    .option('--trend-runs <n>', 'how many runs the trend views span', '20')
    .option('--data-dir <dir>', 'where swarmperf keeps its data (default ./.swarmperf or $SWARMPERF_HOME)')
    .option('--history <file>', 'history database (default <data-dir>/history.db)')
    .option('--no-history', 'do not read the history (no trends; needs --input)');
  addResultFlags(cmd, 'the run(s) (the same as --format json; with FILE, as --out FILE)').action((ref: string | undefined, raw: ReportRaw) => {
      const json = jsonTarget(raw.json);
      if (json !== undefined) {
        if (cmd.getOptionValueSource('format') === 'cli' && raw.format !== 'json') throw new UsageError(`--json and --format ${raw.format}: give one of them`);
        raw.format = 'json';
        if (json !== '-') {
          if (raw.out !== undefined) throw new UsageError(`--json ${json} and --out ${raw.out}: give one of them`);
          raw.out = json;
        }
      }
      const format = parseFormat(raw.format);
      const last = raw.last !== undefined ? parseIntFlag('--last', raw.last, 1, 10_000) : undefined;
      const trendRuns = parseIntFlag('--trend-runs', raw.trendRuns, 2, 10_000);
      if (raw.out !== undefined) checkOutputPath('--out', raw.out);
      if (raw.charts && format !== 'markdown' && format !== 'html') throw new UsageError(`--charts: only the markdown format draws charts on request (html always has them), not ${format}`);
      const dataDir = resolveDataDir(raw.dataDir);
      const history = openHistoryForReading(raw as unknown as Record<string, unknown>, dataDir, raw.input.length === 0);
      try {
        const runs = loadRuns({ ...(ref !== undefined ? { ref } : {}), ...(last !== undefined ? { last } : {}), inputs: raw.input, raw: raw as unknown as Record<string, unknown>, dataDir }, history);
        if (getReportFormat(format)?.singleRun === true && runs.length > 1) {
          throw new UsageError(`--format ${format} describes one run; with --last ${runs.length} use json or csv, or drop --last`);
        }
        const run = runs[runs.length - 1]!;
        // Trends only where a renderer shows them: markdown and html.
        const trends = format === 'markdown' || format === 'html' ? loadTrends(run, runs, history, Math.max(trendRuns, runs.length)) : [];
        const input: ReportInput = { run, runs, trends };
        const chartsDir = raw.charts && raw.out ? `${basename(raw.out, extname(raw.out))}-charts` : undefined;
        const rendered = renderReport(format, input, { charts: raw.charts === true, ...(chartsDir ? { chartsDir } : {}) });
        if (raw.out) {
          // Charts first: a report never links to charts that failed to write.
          for (const f of rendered.files) writeFileAtomic(join(dirname(raw.out), f.path), f.content);
          writeOutputFile('--out', raw.out, rendered.text);
          printNote(raw, `report written to ${raw.out}${rendered.files.length ? ` (${rendered.files.length} charts in ${join(dirname(raw.out), chartsDir ?? '')})` : ''}`);
        } else {
          process.stdout.write(rendered.text);
        }
      } finally {
        history?.close();
      }
    });
}
