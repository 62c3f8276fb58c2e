/** `swarmperf anomalies`: latest values that are outliers against their own history (robust z / MAD). */
import type { Command } from 'commander';
import { findAnomalies, type Anomaly } from '../../results/anomalies.js';
import { formatMetricValue } from '../../results/metrics.js';
import { scopeNote } from '../../results/comparable.js';
import { table } from '../../report/terminal.js';
import { parseIntFlag, parsePositiveNumber } from '../../core/parse.js';
import { addHistoryFlags, historyPathFromFlags, openHistoryFromFlags, parseSince, parseTags, type HistoryFlags } from './history-options.js';
import { printResults } from '../result-flags.js';

interface AnomalyFlags extends HistoryFlags {
  metric?: string;
  threshold?: string;
  last?: string;
  window?: string;
  worseOnly?: boolean;
  failOnAnomaly?: boolean;
  across?: boolean;
}

export function formatAnomalies(list: Anomaly[]): string {
  const rows = list.map((a) => [
    a.metric,
    a.runId,
    formatMetricValue(a.value, a.unit),
    formatMetricValue(a.median, a.unit),
    Number.isFinite(a.z) ? a.z.toFixed(1) : a.z > 0 ? '+∞' : '−∞',
    a.worse ? '✗ worse' : '✓ better',
    String(a.historySize),
  ]);
  return table(['metric', 'run', 'value', 'usual (median)', 'robust z', '', 'history'], rows, 2);
}

export function registerAnomaliesCommand(program: Command): void {
  const cmd = program
    .command('anomalies')
    .description('flag the latest values that are outliers against their own history (robust z-score, MAD)')
    .option('--metric <glob>', 'only metrics matching')
    .option('--threshold <z>', 'robust z-score beyond which a value is an anomaly', '3.5')
    .option('--last <n>', 'judge the last N runs of each metric, each against the runs before it', '1')
    .option('--window <n>', 'earlier runs to judge against', '30')
    .option('--worse-only', 'only anomalies for the worse (slower, fewer ops/s, more errors)')
    .option('--fail-on-anomaly', 'exit 1 when an anomaly for the worse is found')
    .option('--across', 'judge each value against runs of every configuration (fingerprint); prints a warning');
  addHistoryFlags(cmd, { since: true, tag: true });
  cmd.action((flags: AnomalyFlags) => {
    const threshold = parsePositiveNumber('--threshold', flags.threshold ?? '3.5');
    const last = parseIntFlag('--last', flags.last ?? '1', 1, 10_000);
    const window = parseIntFlag('--window', flags.window ?? '30', 3, 10_000);
    const since = parseSince(flags.since);
    const tags = parseTags(flags.tag);
    const h = openHistoryFromFlags(flags);
    let list: Anomaly[] = [];
    if (h) {
      try {
        list = findAnomalies(h, { threshold, last, window, worseOnly: flags.worseOnly === true, across: flags.across === true, ...(flags.metric ? { metric: flags.metric } : {}), ...(since ? { since } : {}), ...(tags ? { tags } : {}) });
      } finally {
        h.close();
      }
    }
    const scope = flags.across ? scopeNote(undefined, 0, true) : 'each value judged against earlier runs of its own configuration fingerprint (--across: against all runs)';
    printResults(flags, list, () =>
      !h ? `no runs recorded in ${historyPathFromFlags(flags)} yet` : (list.length > 0 ? formatAnomalies(list) + '\n' : `no anomalies (|robust z| ≤ ${threshold} for every latest value with ≥ 5 earlier runs)\n`) + scope,
    );
    if (flags.failOnAnomaly && list.some((a) => a.worse)) process.exitCode = 1;
  });
}
