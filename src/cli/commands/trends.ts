/**
 * `swarmperf trends [--metric M] [--since 30d]`: each metric's series over the recorded runs,
 * its change points (E-Divisive with a permutation test) and its linear trend.
 */
import type { Command } from 'commander';
import { formatMetricValue } from '../../results/metrics.js';
import { computeTrends, type MetricTrend } from '../../results/trends.js';
import { scopeNote } from '../../results/comparable.js';
import { table } from '../../report/terminal.js';
import { parseIntFlag, UsageError } from '../../core/parse.js';
import { addHistoryFlags, historyPathFromFlags, openHistoryFromFlags, parseSince, parseTags, type HistoryFlags } from './history-options.js';
import { printResults } from '../result-flags.js';

interface TrendFlags extends HistoryFlags {
  metric?: string;
  changes?: boolean;
  seed?: string;
  permutations?: string;
  across?: boolean;
}

const BARS = '▁▂▃▄▅▆▇█';

export function sparkline(values: readonly number[], width = 24): string {
  const v = values.slice(-width);
  if (v.length === 0) return '';
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  return v.map((x) => BARS[hi === lo ? 3 : Math.min(7, Math.floor(((x - lo) / (hi - lo)) * 8))]).join('');
}

function pct(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return '—';
  return `${x >= 0 ? '+' : ''}${(x * 100).toFixed(Math.abs(x) >= 1 ? 0 : 1)}%`;
}

export function formatTrends(trends: MetricTrend[]): string {
  const rows = trends.map((t) => {
    const last = t.points[t.points.length - 1];
    const cps = t.changePoints.map((c) => `${c.kind === 'regression' ? '✗' : '✓'} step ${pct(c.change)} at ${c.runId}`).join('; ');
    const drifts = t.drifts.map((d) => `${d.kind === 'worsening' ? '✗' : '✓'} drift ${pct(d.relativePerRun)}/run (${formatMetricValue(d.slopePerDay, t.unit)}/day) over ${d.startRunId}…${d.endRunId}`).join('; ');
    const tr = t.trend.verdict === 'flat' ? 'flat' : `${t.trend.verdict} ${pct(t.trend.relativePerRun)}/run`;
    return [t.metric, String(t.points.length), last ? formatMetricValue(last.value, t.unit) : '', sparkline(t.points.map((p) => p.value)), tr, cps || '—', drifts || '—'];
  });
  return table(['metric', 'runs', 'latest', 'history', 'trend now', 'steps', 'drifts'], rows, 1);
}

/** What was compared with what: one line per configuration the trends were computed within. */
export function formatTrendScope(trends: MetricTrend[], across: boolean): string {
  if (across) return scopeNote(undefined, 0, true);
  const byFp = new Map<string, { excluded: number; fp: NonNullable<MetricTrend['fingerprint']> }>();
  for (const t of trends) if (t.fingerprint) byFp.set(t.fingerprint.id, { excluded: Math.max(byFp.get(t.fingerprint.id)?.excluded ?? 0, t.excluded ?? 0), fp: t.fingerprint });
  return [...byFp.values()].map((x) => scopeNote(x.fp, x.excluded, false)).join('\n');
}

export function registerTrendsCommand(program: Command): void {
  const cmd = program
    .command('trends')
    .description('each metric over the recorded runs: change points (E-Divisive) and linear trend')
    .option('--metric <glob>', 'metric name or glob, e.g. tasks.claim.p99 or "tasks.*.p99"')
    .option('--changes', 'list only metrics with a change point or a non-flat trend')
    .option('--seed <n>', 'seed of the permutation test', '1')
    .option('--permutations <n>', 'permutations per change-point test (default: enough for α divided over the metrics, at least 399)')
    .option('--across', 'string runs of different configurations (fingerprints) into one series; prints a warning');
  addHistoryFlags(cmd, { since: true, tag: true });
  cmd.action((flags: TrendFlags) => {
    const since = parseSince(flags.since);
    const tags = parseTags(flags.tag);
    const seed = parseIntFlag('--seed', flags.seed ?? '1', 0, 2 ** 32 - 1);
    const permutations = flags.permutations !== undefined ? parseIntFlag('--permutations', flags.permutations, 99, 99_999) : undefined;
    const across = flags.across === true;
    const h = openHistoryFromFlags(flags);
    let trends: MetricTrend[] = [];
    if (h) {
      try {
        trends = computeTrends(h, { ...(flags.metric ? { metric: flags.metric } : {}), ...(since ? { since } : {}), ...(tags ? { tags } : {}), seed, ...(permutations !== undefined ? { permutations } : {}), across });
      } finally {
        h.close();
      }
    }
    if (flags.metric && trends.length === 0 && h) {
      throw new UsageError(`--metric: no recorded metric matches "${flags.metric}"${since ? ' in that period' : ''} (names look like tasks.claim.p99; \`swarmperf trends\` lists them)`);
    }
    if (flags.changes) trends = trends.filter((t) => t.changePoints.length > 0 || t.drifts.length > 0 || t.trend.verdict !== 'flat');
    printResults(flags, trends, () => (!h ? `no runs recorded in ${historyPathFromFlags(flags)} yet` : trends.length > 0 ? `${formatTrends(trends)}\n${formatTrendScope(trends, across)}` : 'no metric matches'));
  });
}
