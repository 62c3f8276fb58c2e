/**
 * What the dashboard shows, read from the data folder's history.db (opened read-only: the dashboard
 * never writes the user's history). Listing and grouping read the indexed columns and the metrics
 * table only; a whole RunResult is parsed only for the run a page asks for, so a history of
 * thousands of runs opens quickly.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import type { RunResult } from '../../core/result.js';
import { parseRunResult } from '../../core/result.js';
import { detectSteps, driftsBetween, type TrendDrift } from '../../results/trends.js';
import type { Direction } from '../../results/metrics.js';
import { metricInfo } from '../../results/metrics.js';
import { durationClass } from '../../results/env.js';
import { mean, median } from '../../measure/stats.js';
import type { AlertRule } from '../../results/alerts.js';
import { breachedAlerts, openRegressions, REGRESSION_WINDOW, type BreachedAlert, type OpenRegression } from './overview-status.js';

/** One row of runs as listing needs it. */
interface RunRow {
  id: string;
  started_at: string;
  partial: number;
  command: string | null;
  suites: string;
  config: string;
  tags: string;
  env_hash: string;
}

export interface RunListItem {
  id: string;
  startedAt: string;
  partial: boolean;
  command: string;
  suites: string[];
  tags: Record<string, string>;
  /** Configuration key per suite of the run. */
  configurations: Record<string, string>;
}

export interface SeriesPoint {
  runId: string;
  /** ms since the epoch: the run's start. */
  t: number;
  value: number;
}

export interface Series {
  metric: string;
  configuration: string;
  unit: string;
  direction: Direction;
  points: SeriesPoint[];
  /** Indexes into points where the level changed (E-Divisive with a permutation test). */
  changePoints: Array<{ index: number; runId: string; change: number; kind: 'regression' | 'improvement' }>;
  /** Stretches between steps whose values keep moving one way (results/trends.ts), points[start] … points[end − 1]. */
  drifts: SeriesDrift[];
}

/** A drift of one series (results/trends.ts), tested alone: no adjustment across metrics. */
export type SeriesDrift = Omit<TrendDrift, 'pAdjusted'>;

/** Drift significance per series: one Mann–Kendall test per stretch between steps, as `swarmperf trends` runs for one metric. */
const DRIFT_ALPHA = 0.05;

export interface OverviewRow {
  configuration: string;
  suite: string;
  runs: number;
  latest: { id: string; startedAt: string; partial: boolean; passed: boolean | null };
  throughput: { metric: string; points: SeriesPoint[] } | null;
  p99: { metric: string; points: SeriesPoint[] } | null;
  /** The change of the headline figures at the last detected change point, with its verdict. */
  verdict: { kind: 'regression' | 'improvement' | 'steady' | 'too few runs'; metric?: string; change?: number; atRunId?: string };
  findings: Array<{ kind: string; severity: string; component?: string; evidence: string }>;
  /** Metrics whose latest non-unchanged compare verdict between consecutive runs is a regression. */
  regressions: OpenRegression[];
  /** Alert rules (data folder's alerts.json) the latest run breaches. */
  alerts: BreachedAlert[];
}

/** Fields of a run's config that make two runs of one suite comparable; the rest (seed, paths) do not. */
const CONFIG_FIELDS = ['command', 'backend', 'agents', 'protocol', 'scenario', 'mode', 'nodes', 'rate', 'connections', 'concurrency', 'quick', 'complete'];

/**
 * A readable configuration key of one suite in one run, e.g. "tasks · run · backend=sqlite · agents=4 ·
 * short(5-30s) · host 3fa9c1": the same parts as the configuration fingerprint that compare and trends
 * group by (results/env.ts), read from the history's columns so listing never parses whole results.
 */
export function configurationKey(suite: string, config: Record<string, unknown>, envHash?: string): string {
  const parts = [suite];
  for (const field of CONFIG_FIELDS) {
    const value = config[field];
    if (value === undefined || value === null || value === false) continue;
    parts.push(field === 'command' ? String(value) : `${field}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`);
  }
  const duration = durationClass(config.durationUs);
  if (duration) parts.push(duration);
  if (envHash) parts.push(`host ${envHash.slice(0, 6)}`);
  return parts.join(' · ');
}

function parseJsonObject(text: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** A text matched literally inside a LIKE pattern (with ESCAPE '\\'). */
function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The runs table keeps a run's suites as one sorted, comma-separated column. */
function parseSuites(text: string): string[] {
  return text === '' ? [] : text.split(',');
}

export class DashboardData {
  private readonly db: Database.Database | undefined;
  private readonly changeCache = new Map<string, LevelChanges>();
  /** Open regressions per configuration, valid while its latest run stays the latest. */
  private readonly regressionCache = new Map<string, { latestId: string; regressions: OpenRegression[] }>();

  constructor(readonly historyPath: string) {
    // A data folder with no history yet is an empty dashboard, not an error; the file is never created here.
    this.db = existsSync(historyPath) ? new Database(historyPath, { readonly: true, fileMustExist: true }) : undefined;
    this.db?.pragma('query_only = ON');
  }

  close(): void {
    this.db?.close();
  }

  private toItem(row: RunRow): RunListItem {
    const config = parseJsonObject(row.config);
    const suites = parseSuites(row.suites);
    const configurations: Record<string, string> = {};
    for (const s of suites) configurations[s] = configurationKey(s, config, row.env_hash);
    return { id: row.id, startedAt: row.started_at, partial: row.partial === 1, command: row.command ?? '', suites, tags: parseJsonObject(row.tags) as Record<string, string>, configurations };
  }

  /** Every run, oldest first (listing columns only). */
  runs(limit = 100_000): RunListItem[] {
    if (!this.db) return [];
    const rows = this.db.prepare(`SELECT id, started_at, partial, command, suites, config, tags, env_hash FROM (SELECT * FROM runs ORDER BY started_at DESC, seq DESC LIMIT ?) ORDER BY started_at, seq`).all(limit) as RunRow[];
    return rows.map((r) => this.toItem(r));
  }

  run(id: string): RunResult | undefined {
    if (!this.db) return undefined;
    const row = this.db.prepare(`SELECT result FROM runs WHERE id = ?`).get(id) as { result: string } | undefined;
    return row ? parseRunResult(JSON.parse(row.result), `history run ${id}`) : undefined;
  }

  /** Metric names known to the history, optionally filtered by a case-insensitive substring. */
  metricNames(search = '', limit = 200): string[] {
    if (!this.db) return [];
    const rows = this.db.prepare(`SELECT DISTINCT name FROM metrics WHERE name LIKE ? ESCAPE '\\' ORDER BY name LIMIT ?`).all(`%${likeEscape(search)}%`, limit) as Array<{ name: string }>;
    return rows.map((r) => r.name);
  }

  /** One metric over time, one series per configuration, with change points marked. */
  series(metric: string, sinceMs?: number, maxPoints = 2_000): Series[] {
    if (!this.db) return [];
    const rows = this.db
      .prepare(`SELECT r.id, r.started_at, r.config, r.env_hash, m.value FROM metrics m JOIN runs r ON r.id = m.run_id WHERE m.name = ? AND r.started_at >= ? ORDER BY r.started_at, r.seq`)
      .all(metric, sinceMs === undefined ? '' : new Date(sinceMs).toISOString()) as Array<{ id: string; started_at: string; config: string; env_hash: string; value: number }>;
    const suite = metric.split('.')[0] ?? metric;
    const info = metricInfo(metric);
    const bySeries = new Map<string, SeriesPoint[]>();
    for (const r of rows) {
      const key = configurationKey(suite, parseJsonObject(r.config), r.env_hash);
      const points = bySeries.get(key) ?? [];
      points.push({ runId: r.id, t: Date.parse(r.started_at), value: r.value });
      bySeries.set(key, points);
    }
    return [...bySeries].map(([configuration, points]) => {
      const shown = downsample(points, maxPoints);
      return { metric, configuration, unit: info.unit, direction: info.direction, points: shown, ...this.cachedChanges(`${metric}\u0000${configuration}`, shown, info.direction) };
    });
  }

  /**
   * Change points of a series, remembered until the series gains a run: the history only grows, so a
   * series with the same length and last run is the same series (a removed run changes the length).
   */
  private cachedChanges(key: string, points: SeriesPoint[], direction: Direction): LevelChanges {
    const last = points[points.length - 1];
    const full = `${key}\u0000${points.length}\u0000${last?.runId ?? ''}`;
    const hit = this.changeCache.get(full);
    if (hit) return hit;
    const found = levelChanges(points, direction);
    if (this.changeCache.size >= 1000) this.changeCache.clear();
    this.changeCache.set(full, found);
    return found;
  }

  /** One row per configuration: the latest run, its headline figures over time, the verdict on their last change, open regressions and breached alert rules. */
  overview(rules: readonly AlertRule[] = []): OverviewRow[] {
    return [...this.configurations()].map(([configuration, g]) => this.overviewRow(configuration, g.suite, g.runs, rules)).sort((a, b) => b.latest.startedAt.localeCompare(a.latest.startedAt));
  }

  /** The latest run of every configuration, parsed once each (what /metrics exposes; no series, no change points). */
  latestPerConfiguration(): Array<{ configuration: string; suite: string; run: RunResult }> {
    return [...this.configurations()].flatMap(([configuration, g]) => {
      const run = this.run((g.runs[g.runs.length - 1] as RunListItem).id);
      return run ? [{ configuration, suite: g.suite, run }] : [];
    });
  }

  /** Runs grouped by configuration key of each of their suites, oldest first within a group. */
  private configurations(): Map<string, { suite: string; runs: RunListItem[] }> {
    const groups = new Map<string, { suite: string; runs: RunListItem[] }>();
    for (const run of this.runs()) {
      for (const suite of run.suites) {
        const key = run.configurations[suite] as string;
        const g = groups.get(key) ?? { suite, runs: [] };
        g.runs.push(run);
        groups.set(key, g);
      }
    }
    return groups;
  }

  private overviewRow(configuration: string, suite: string, runs: RunListItem[], rules: readonly AlertRule[]): OverviewRow {
    const latest = runs[runs.length - 1] as RunListItem;
    const result = this.run(latest.id);
    const suiteResult = result?.suites.find((s) => s.name === suite);
    const passed = suiteResult ? suiteResult.checks.every((c) => c.passed) : null;
    const ids = runs.map((r) => r.id);
    const throughput = this.headline(suite, ids, 'throughput', 'SUM');
    const p99 = this.headline(suite, ids, 'p99', 'MAX');
    const findings = (result?.findings ?? [])
      .filter((f) => f.component === undefined || f.component.startsWith(suite))
      .slice(0, 3)
      .map((f) => ({ kind: f.kind, severity: f.severity, component: f.component, evidence: f.evidence }));
    const regressions = this.cachedRegressions(configuration, suite, runs);
    const alerts = result ? breachedAlerts(rules, result, suite) : [];
    return { configuration, suite, runs: runs.length, latest: { id: latest.id, startedAt: latest.startedAt, partial: latest.partial, passed }, throughput, p99, verdict: verdictOf(throughput, p99), findings, regressions, alerts };
  }

  private cachedRegressions(configuration: string, suite: string, runs: RunListItem[]): OpenRegression[] {
    const latestId = (runs[runs.length - 1] as RunListItem).id;
    const hit = this.regressionCache.get(configuration);
    if (hit?.latestId === latestId) return hit.regressions;
    const compared = runs.slice(-(REGRESSION_WINDOW + 1)).flatMap((r) => this.run(r.id) ?? []);
    const regressions = openRegressions(suite, compared, this.priorValues(suite, runs.map((r) => r.id)));
    this.regressionCache.set(configuration, { latestId, regressions });
    return regressions;
  }

  /**
   * The run-to-run noise compare needs: a metric's values in the runs of one configuration before a
   * given run (the 30 before it, as `swarmperf compare` takes), read from the metrics table in one query.
   */
  private priorValues(suite: string, ids: string[]): (metric: string, beforeRunId: string) => number[] {
    const window = ids.slice(-(REGRESSION_WINDOW + 1 + 30));
    const byMetric = new Map<string, Map<string, number>>();
    if (this.db && window.length > 0) {
      const rows = this.db
        .prepare(`SELECT run_id, name, value FROM metrics WHERE run_id IN (${window.map(() => '?').join(',')}) AND name LIKE ? ESCAPE '\\'`)
        .all(...window, `${likeEscape(suite)}.%`) as Array<{ run_id: string; name: string; value: number }>;
      for (const r of rows) {
        const values = byMetric.get(r.name) ?? new Map<string, number>();
        values.set(r.run_id, r.value);
        byMetric.set(r.name, values);
      }
    }
    return (metric, beforeRunId) => {
      const values = byMetric.get(metric);
      const end = window.indexOf(beforeRunId);
      if (!values || end < 0) return [];
      return window.slice(Math.max(0, end - 30), end).flatMap((id) => values.get(id) ?? []);
    };
  }

  /** A suite's headline figure per run: the sum (throughput) or the worst (p99) over its operations. */
  private headline(suite: string, runIds: string[], stat: string, aggregate: 'SUM' | 'MAX'): { metric: string; points: SeriesPoint[] } | null {
    if (!this.db || runIds.length === 0) return null;
    const recent = runIds.slice(-60);
    const placeholders = recent.map(() => '?').join(',');
    const like = `${likeEscape(suite)}.%.${stat}`;
    const rows = this.db
      .prepare(`SELECT r.id, r.started_at, ${aggregate}(m.value) AS value FROM metrics m JOIN runs r ON r.id = m.run_id WHERE m.run_id IN (${placeholders}) AND m.name LIKE ? ESCAPE '\\' AND m.name NOT LIKE ? ESCAPE '\\' GROUP BY r.id ORDER BY r.started_at, r.seq`)
      .all(...recent, like, `${likeEscape(suite)}.resources.%`) as Array<{ id: string; started_at: string; value: number }>;
    if (rows.length === 0) return null;
    return { metric: `${suite}.*.${stat} (${aggregate === 'SUM' ? 'sum' : 'worst'})`, points: rows.map((r) => ({ runId: r.id, t: Date.parse(r.started_at), value: r.value })) };
  }
}

/** Keeps at most n points, evenly spaced, always the first and the last (long ranges stay fast to draw). */
export function downsample<T>(points: T[], n: number): T[] {
  if (points.length <= n || n < 2) return points;
  const out: T[] = [];
  const step = (points.length - 1) / (n - 1);
  for (let i = 0; i < n; i++) out.push(points[Math.round(i * step)] as T);
  return out;
}

/**
 * Change detection cost grows with the square of the series length (E-Divisive with a permutation
 * test), so a long series is tested on bucket medians: at most this many buckets, each change point
 * mapped back to the first run of its bucket. The median keeps one outlying run from moving a bucket.
 */
const MAX_DETECTION_POINTS = 120;

type LevelChanges = Pick<Series, 'changePoints' | 'drifts'>;

/**
 * Steps and drifts of a series as `swarmperf trends` tells them apart (results/trends.ts): steps by
 * E-Divisive kept where two flat pieces beat a line, then a Theil–Sen slope with a Mann–Kendall test
 * on each stretch between steps. Long series are tested on bucket medians; a drift's rate per run is
 * its rate per bucket over the bucket size.
 */
function levelChanges(points: SeriesPoint[], direction: Direction): LevelChanges {
  if (points.length < 6) return { changePoints: [], drifts: [] };
  const size = Math.ceil(points.length / MAX_DETECTION_POINTS);
  const starts: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < points.length; i += size) {
    starts.push(i);
    values.push(median(points.slice(i, i + size).map((p) => p.value)));
  }
  const pointAt = (bucket: number): number => (bucket < starts.length ? (starts[bucket] as number) : points.length);
  // Steps only: a steady drift cut into pieces by E-Divisive is not a string of steps.
  const steps = detectSteps(values);
  const changePoints = steps.map((c): Series['changePoints'][number] => {
    const before = mean(values.slice(0, c.index));
    const after = mean(values.slice(c.index));
    const change = before === 0 ? 0 : (after - before) / Math.abs(before);
    const worse = direction === 'bigger' ? change < 0 : change > 0;
    const index = pointAt(c.index);
    return { index, runId: (points[index] as SeriesPoint).runId, change, kind: worse ? 'regression' : 'improvement' };
  });
  const buckets = starts.map((i, b) => ({ runId: (points[i] as SeriesPoint).runId, at: new Date((points[i] as SeriesPoint).t).toISOString(), value: values[b] as number }));
  const drifts = driftsBetween(buckets, values, [0, ...steps.map((c) => c.index), values.length], direction)
    .filter((d) => d.pValue < DRIFT_ALPHA)
    .map((d): SeriesDrift => {
      const end = pointAt(d.end);
      return { start: pointAt(d.start), end, startRunId: d.startRunId, endRunId: (points[end - 1] as SeriesPoint).runId, slopePerRun: d.slopePerRun / size, slopePerDay: d.slopePerDay, relativePerRun: d.relativePerRun === null ? null : d.relativePerRun / size, pValue: d.pValue, kind: d.kind };
    });
  return { changePoints, drifts };
}

function changePoints(points: SeriesPoint[], direction: Direction): Series['changePoints'] {
  return levelChanges(points, direction).changePoints;
}

/** The last change point of either headline series decides; a configuration with few runs says so. */
function verdictOf(throughput: OverviewRow['throughput'], p99: OverviewRow['p99']): OverviewRow['verdict'] {
  const candidates: Array<{ metric: string; cp: Series['changePoints'][number]; t: number }> = [];
  for (const [series, direction] of [
    [throughput, 'bigger'],
    [p99, 'smaller'],
  ] as const) {
    if (!series) continue;
    for (const cp of changePoints(series.points, direction)) candidates.push({ metric: series.metric, cp, t: (series.points[cp.index] as SeriesPoint).t });
  }
  const length = Math.max(throughput?.points.length ?? 0, p99?.points.length ?? 0);
  if (candidates.length === 0) return length < 6 ? { kind: 'too few runs' } : { kind: 'steady' };
  const last = candidates.sort((a, b) => a.t - b.t)[candidates.length - 1] as (typeof candidates)[number];
  return { kind: last.cp.kind, metric: last.metric, change: last.cp.change, atRunId: last.cp.runId };
}
