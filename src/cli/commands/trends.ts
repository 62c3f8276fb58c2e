/**
 * `swarmperf trends [--metric M] [--since 30d]`: each metric's series over the recorded runs,
 * its change points (E-Divisive with a permutation test) and its linear trend.
 */
import type { Command } from 'commander';
import { formatMetricValue } from '../../results/metrics.js';
import { computeTrends, type MetricTrend } from '../../results/trends.js';
import { table } from '../../report/terminal.js';
import { parseIntFlag, UsageError } from '../../core/parse.js';
import { addHistoryFlags, historyPathFromFlags, openHistoryFromFlags, parseSince, parseTags, writeJson, type HistoryFlags } from './history-options.js';

interface TrendFlags extends HistoryFlags {
  metric?: string;
  changes?: boolean;
  seed?: string;
  permutations?: string;
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
    const cps = t.changePoints.map((c) => `${c.kind === 'regression' ? '✗' : '✓'} ${pct(c.change)} at ${c.runId}`).join('; ');
    const tr = t.trend.verdict === 'flat' ? 'flat' : `${t.trend.verdict} ${pct(t.trend.relativePerRun)}/run`;
    return [t.metric, String(t.points.length), last ? formatMetricValue(last.value, t.unit) : '', sparkline(t.points.map((p) => p.value)), tr, cps || '—'];
  });
  return table(['metric', 'runs', 'latest', 'history', 'trend', 'change points'], rows, 1);
}

export function registerTrendsCommand(program: Command): void {
  const cmd = program
    .command('trends')
    .description('each metric over the recorded runs: change points (E-Divisive) and linear trend')
    .option('--metric <glob>', 'metric name or glob, e.g. tasks.claim.p99 or "tasks.*.p99"')
    .option('--changes', 'list only metrics with a change point or a non-flat trend')
    .option('--seed <n>', 'seed of the permutation test', '1')
    .option('--permutations <n>', 'permutations per change-point test', '399');
  addHistoryFlags(cmd, { since: true, tag: true });
  cmd.action((flags: TrendFlags) => {
    const since = parseSince(flags.since);
    const tags = parseTags(flags.tag);
    const seed = parseIntFlag('--seed', flags.seed ?? '1', 0, 2 ** 32 - 1);
    const permutations = parseIntFlag('--permutations', flags.permutations ?? '399', 99, 9999);
    const h = openHistoryFromFlags(flags);
    let trends: MetricTrend[] = [];
    if (h) {
      try {
        trends = computeTrends(h, { ...(flags.metric ? { metric: flags.metric } : {}), ...(since ? { since } : {}), ...(tags ? { tags } : {}), seed, permutations });
      } finally {
        h.close();
      }
    }
    if (flags.metric && trends.length === 0 && h) {
      throw new UsageError(`--metric: no recorded metric matches "${flags.metric}"${since ? ' in that period' : ''} (names look like tasks.claim.p99; \`swarmperf trends\` lists them)`);
    }
    if (flags.changes) trends = trends.filter((t) => t.changePoints.length > 0 || t.trend.verdict !== 'flat');
    if (flags.json) {
      writeJson(trends);
      return;
    }
    if (!h) {
      process.stdout.write(`no runs recorded in ${historyPathFromFlags(flags)} yet\n`);
      return;
    }
    process.stdout.write((trends.length > 0 ? formatTrends(trends) : 'no metric matches') + '\n');
  });
}
