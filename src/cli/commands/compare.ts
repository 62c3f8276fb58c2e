/**
 * `swarmperf compare [BASE] [HEAD]`: per metric base, head, change, a 95 % interval and a verdict
 * decided by a statistical test on the recorded distributions (src/results/compare.ts).
 * Default: HEAD is the latest run, BASE the latest earlier run with the same configuration
 * fingerprint; runs of different configurations are refused unless --across is given.
 */
import type { Command } from 'commander';
import { compareRuns, MIN_PRIOR, type Comparison, type MetricComparison } from '../../results/compare.js';
import { FingerprintIndex, scopeNote } from '../../results/comparable.js';
import { fingerprintDifferences, fingerprintOfMetric, fingerprintOfRun } from '../../results/env.js';
import type { HistoryStore } from '../../results/history/store.js';
import { formatMetricValue, metricMatcher } from '../../results/metrics.js';
import type { RunResult } from '../../core/result.js';
import { table } from '../../report/terminal.js';
import { UsageError } from '../../core/parse.js';
import { addHistoryFlags, historyPathFromFlags, loadRun, openHistoryFromFlags, type HistoryFlags } from './history-options.js';
import { printResults } from '../result-flags.js';

interface CompareFlags extends HistoryFlags {
  failOnRegression?: boolean;
  alpha?: string;
  threshold?: string;
  metric?: string;
  changed?: boolean;
  correction?: string;
  noise?: string;
  across?: boolean;
}

function parseFraction(flag: string, raw: string, max: number): number {
  const m = /^(\d+(?:\.\d+)?)\s*(%)?$/.exec(raw.trim());
  const v = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN;
  if (!m || !(v > 0) || v >= max) throw new UsageError(`${flag}: expected a number above 0 and below ${max} (or a percentage such as 5%), got "${raw}"`);
  return v;
}

function pct(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return '—';
  const v = x * 100;
  return `${v >= 0 ? '+' : ''}${Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(1)}%`;
}

function ciText(m: MetricComparison): string {
  if (m.changeCi95) return `[${pct(m.changeCi95.low)}, ${pct(m.changeCi95.high)}]`;
  if (!m.ci95) return '—';
  return `[${formatMetricValue(m.ci95.low, m.unit)}, ${formatMetricValue(m.ci95.high, m.unit)}]`;
}

function pText(p: number | null): string {
  if (p === null) return '—';
  return p < 0.0001 ? '<0.0001' : p.toFixed(4);
}

const MARK = { regressed: '✗ regressed', improved: '✓ improved', unchanged: '  unchanged', 'not-tested': '  not tested' } as const;

const NOISE_TEXT = { history: 'from earlier runs', assumed: 'assumed (--noise)', mixed: 'from earlier runs where ≥ 3 exist, else assumed (--noise)', none: 'unknown' } as const;

export function formatComparison(c: Comparison, onlyChanged = false, scope = ''): string {
  const rows = c.metrics
    .filter((m) => !onlyChanged || m.verdict === 'regressed' || m.verdict === 'improved')
    .map((m) => [m.metric, formatMetricValue(m.base, m.unit), formatMetricValue(m.head, m.unit), pct(m.change), ciText(m), pText(m.pAdjusted), m.test, m.verdict === 'not-tested' ? `${MARK[m.verdict]}: ${m.reason ?? ''}` : MARK[m.verdict]]);
  const lines = [
    `base ${c.base.id}${c.base.gitSha ? ` (${c.base.gitSha.slice(0, 7)})` : ''}  →  head ${c.head.id}${c.head.gitSha ? ` (${c.head.gitSha.slice(0, 7)})` : ''}`,
    '',
    rows.length > 0 ? table(['metric', 'base', 'head', 'change', '95% CI of change', 'p (Holm)', 'test', 'verdict'], rows, 1) : '(no metric changed)',
    '',
    `${c.counts.regressed} regressed · ${c.counts.improved} improved · ${c.counts.unchanged} unchanged · ${c.counts['not-tested']} not tested  (α = ${c.alpha} family-wise over ${c.metrics.length - c.counts['not-tested']} tested metrics, minimum effect ${(c.minEffect * 100).toFixed(1)}%, ${c.correction === 'holm' ? 'Holm-corrected' : 'uncorrected'}; run-to-run noise: ${NOISE_TEXT[c.runToRunNoise]})`,
  ];
  if (c.onlyInBase.length > 0) lines.push(`only in base: ${c.onlyInBase.length} metric(s), e.g. ${c.onlyInBase.slice(0, 3).join(', ')}`);
  if (c.onlyInHead.length > 0) lines.push(`only in head: ${c.onlyInHead.length} metric(s), e.g. ${c.onlyInHead.slice(0, 3).join(', ')}`);
  for (const w of c.warnings) lines.push(`warning: ${w}`);
  if (scope) lines.push(scope);
  return lines.join('\n');
}

/**
 * Base and head from the arguments and the history (see the module comment). Without --across,
 * the default base shares the head's configuration fingerprint, and two named runs of different
 * configurations are a usage error naming the differences.
 */
export function pickRuns(args: string[], h: HistoryStore | undefined, historyPath: string, across = false): { base: RunResult; head: RunResult } {
  const checked = (base: RunResult, head: RunResult): { base: RunResult; head: RunResult } => {
    const diff = fingerprintDifferences(fingerprintOfRun(base), fingerprintOfRun(head));
    if (!across && diff.length > 0) {
      throw new UsageError(`compare: ${base.id} and ${head.id} ran different configurations (${diff.join('; ')}); compare runs of one configuration, or pass --across to compare them anyway`);
    }
    return { base, head };
  };
  if (args.length === 2) return checked(loadRun(args[0] as string, h, historyPath), loadRun(args[1] as string, h, historyPath));
  if (!h) throw new UsageError(`compare: no history at ${historyPath} yet; record two runs first, or give two RunResult .json files`);
  const head = loadRun('latest', h, historyPath);
  if (args.length === 1) return checked(loadRun(args[0] as string, h, historyPath), head);
  const suites = head.suites.map((s) => s.name);
  const index = new FingerprintIndex(h);
  const want = fingerprintOfRun(head).id;
  const candidates = h.listRuns(across ? { suites } : {}).filter((r) => r.id !== head.id && (across || index.ofRun(r.id).id === want));
  const prev = candidates[candidates.length - 1];
  if (!prev) {
    throw new UsageError(
      across
        ? `compare: the history holds no earlier run with the same suites as the latest run ${head.id} (${suites.join(', ')}); name BASE explicitly`
        : `compare: the history holds no earlier run of the latest run's configuration (${head.id}, fingerprint ${want}); name BASE explicitly, or pass --across`,
    );
  }
  return { base: h.getRun(prev.id), head };
}

export function registerCompareCommand(program: Command): void {
  const cmd = program
    .command('compare')
    .description('compare two runs metric by metric: change, 95 % interval and a statistical verdict')
    .argument('[base]', 'base run: id, prefix, latest~N or a RunResult .json file (default: the previous run with the same suites)')
    .argument('[head]', 'head run (default: the latest run)')
    .option('--fail-on-regression', 'exit 1 when any metric regressed (for CI)')
    .option('--alpha <p>', 'significance level', '0.05')
    .option('--threshold <pct>', 'smallest change that counts, e.g. 5% or 0.05', '5%')
    .option('--correction <how>', 'multiple-testing correction across metrics: holm | none', 'holm')
    .option('--metric <glob>', 'only metrics matching, e.g. "tasks.*.p99"')
    .option('--changed', 'list only metrics that regressed or improved')
    .option('--noise <pct>', `run-to-run noise assumed for metrics with fewer than ${MIN_PRIOR} earlier runs of this configuration (0 = judge sampling noise only)`, '5%')
    .option('--across', 'compare runs of different configurations (fingerprints); prints a warning');
  addHistoryFlags(cmd);
  cmd.action((base: string | undefined, head: string | undefined, flags: CompareFlags) => {
    const alpha = parseFraction('--alpha', flags.alpha ?? '0.05', 0.5);
    const minEffect = parseFraction('--threshold', flags.threshold ?? '5%', 10);
    const correction = flags.correction ?? 'holm';
    if (correction !== 'holm' && correction !== 'none') throw new UsageError(`--correction: expected holm or none, got "${correction}"`);
    const noiseText = (flags.noise ?? '5%').trim();
    const assumedNoise = /^0+(\.0*)?%?$/.test(noiseText) ? 0 : parseFraction('--noise', noiseText, 1);
    const across = flags.across === true;
    const path = historyPathFromFlags(flags);
    const h = openHistoryFromFlags(flags);
    try {
      const runs = pickRuns([base, head].filter((x): x is string => x !== undefined), h, path, across);
      const index = h ? new FingerprintIndex(h) : undefined;
      const c = compareRuns(runs.base, runs.head, {
        alpha,
        minEffect,
        correction,
        assumedNoise,
        priorValues: (metric) => {
          if (!h || !index) return undefined;
          const before = runs.base.startedAt < runs.head.startedAt ? runs.base.startedAt : runs.head.startedAt;
          const want = across ? undefined : fingerprintOfMetric(runs.head, metric)?.id;
          return h
            .series(metric)
            .filter((p) => p.at < before && p.runId !== runs.base.id && p.runId !== runs.head.id)
            .filter((p) => want === undefined || index.ofMetric(p.runId, metric)?.id === want)
            .slice(-30)
            .map((p) => p.value);
        },
      });
      const scope = scopeNote(across ? undefined : fingerprintOfRun(runs.head), 0, across);
      if (across) c.warnings.push('--across: runs of different configurations are compared; differences may come from the setup, not the code');
      if (flags.metric) {
        const match = metricMatcher(flags.metric);
        c.metrics = c.metrics.filter((m) => match(m.metric));
        if (c.metrics.length === 0) throw new UsageError(`--metric: no metric of both runs matches "${flags.metric}"`);
        c.counts = { improved: 0, regressed: 0, unchanged: 0, 'not-tested': 0 };
        for (const m of c.metrics) c.counts[m.verdict]++;
      }
      printResults(flags, c, () => formatComparison(c, flags.changed === true, across ? '' : scope));
      if (flags.failOnRegression && c.counts.regressed > 0) {
        process.stderr.write(`swarmperf: ${c.counts.regressed} metric(s) regressed: ${c.metrics.filter((m) => m.verdict === 'regressed').map((m) => m.metric).join(', ')}\n`);
        process.exitCode = 1;
      }
    } finally {
      h?.close();
    }
  });
}
