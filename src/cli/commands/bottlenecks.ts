/**
 * `swarmperf bottlenecks [RUN] [--component NAME]`: the bottleneck findings of a run (default: the
 * latest in the history, or --input FILE), recomputed with the current thresholds, optionally only
 * those about one suite or `suite/operation`. `--fail-on` makes it a CI gate.
 */
import type { Command } from 'commander';
import { filterFindings } from '../../analysis/bottlenecks.js';
import { withBottleneckFindings } from '../../analysis/enrich.js';
import { resolveDataDir } from '../../results/data-dir.js';
import type { Finding } from '../../core/result.js';
import { formatFindings } from '../../report/findings-text.js';
import { collect, UsageError } from '../../core/parse.js';
import { loadRuns, openHistoryForReading } from './report-source.js';
import { addResultFlags, checkResultFlags, printResults, type ResultFlags } from '../result-flags.js';

const LEVEL: Record<Finding['severity'], number> = { info: 0, warning: 1, critical: 2 };

interface BottlenecksRaw extends ResultFlags {
  component?: string;
  input: string[];
  failOn?: string;
  dataDir?: string;
  history?: string | boolean;
}

export function registerBottlenecksCommand(program: Command): void {
  const cmd = program
    .command('bottlenecks')
    .description('bottleneck findings of a run (default: the latest): what saturates, with the figures and what to do')
    .argument('[run]', 'run id, unique id prefix, latest or latest~N')
    .option('--component <name>', 'only findings about this suite or suite/operation')
    .option('--input <file>', 'read the run from a RunResult JSON file instead of the history', collect, [])
    .option('--fail-on <severity>', 'exit 1 when a finding at or above this severity exists: warning | critical')
    .option('--data-dir <dir>', 'where swarmperf keeps its data (default ./.swarmperf or $SWARMPERF_HOME)')
    .option('--history <file>', 'history database (default <data-dir>/history.db)')
    .option('--no-history', 'do not read the history (needs --input)');
  addResultFlags(cmd, 'the findings').action((ref: string | undefined, raw: BottlenecksRaw) => {
      checkResultFlags(raw);
      if (raw.failOn !== undefined && raw.failOn !== 'warning' && raw.failOn !== 'critical') {
        throw new UsageError(`--fail-on: expected warning or critical, got "${raw.failOn}"`);
      }
      if (raw.component !== undefined && raw.component.trim() === '') throw new UsageError('--component: expected a suite or suite/operation name');
      const dataDir = resolveDataDir(raw.dataDir);
      const history = openHistoryForReading(raw as unknown as Record<string, unknown>, dataDir, raw.input.length === 0);
      let findings: Finding[];
      let runId: string;
      try {
        const runs = loadRuns({ ...(ref !== undefined ? { ref } : {}), inputs: raw.input, raw: raw as unknown as Record<string, unknown>, dataDir }, history);
        if (runs.length > 1) throw new UsageError(`--input holds ${runs.length} runs; bottlenecks looks at one (give a file with one run)`);
        const run = runs[0]!;
        runId = run.id;
        // Recomputed, not read back: the thresholds of this swarmperf apply to old runs too.
        findings = withBottleneckFindings(run);
      } finally {
        history?.close();
      }
      if (raw.component !== undefined) {
        const c = raw.component.trim();
        findings = filterFindings(findings, c);
      }
      printResults(raw, { run: runId, findings }, () => `run ${runId}${raw.component ? ` · component ${raw.component}` : ''}\n\n${formatFindings(findings)}`);
      if (raw.failOn !== undefined) {
        const gate = LEVEL[raw.failOn as Finding['severity']];
        const hit = findings.filter((f) => LEVEL[f.severity] >= gate);
        if (hit.length > 0) {
          process.stderr.write(`swarmperf: ${hit.length} finding(s) at or above ${raw.failOn}\n`);
          process.exitCode = 1;
        }
      }
    });
}
