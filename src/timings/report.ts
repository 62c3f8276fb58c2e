/**
 * The data of a tool-timing report, from the hourly histograms in the store: per tool (or category,
 * or session) where the time goes, the slowest calls, the current hour against the previous 24 h,
 * and what regressed between the first and second half of the window. Renderers live in
 * src/report/tool-timing/ (the one report stack).
 *
 * Resolution is the hour: a window starts at the beginning of the hour `since` falls in. The
 * default window ends at the newest stored call (not now: logs are often ingested days later).
 *
 * Precision: figures are reported at the resolution of the data — a log in whole milliseconds gives
 * whole milliseconds — and a percentile is its HdrHistogram bucket's representative (middle) value,
 * rounded to the bucket's width: the highest equivalent value HdrHistogram returns is an upper
 * bound of the bucket, not a measurement.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LatencyHistogram, SIGNIFICANT_DIGITS } from '../measure/histogram.js';
import { resolveToolReportOptions, type GroupBy, type ReportOptions } from './report-defaults.js';
import { HOUR_US, TOOLS_DB, ToolStore, type HourRow, type StoredSpan } from './store.js';

export type { GroupBy, ReportOptions };

export interface ToolTimingRow {
  tool: string;
  category: string;
  session?: string;
  count: number;
  errors: number;
  errorRate: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  totalMs: number;
  /** This group's share of all tool time in the window, 0–1. */
  share: number;
}

export interface SlowestCall {
  tool: string;
  category: string;
  session: string | null;
  callId: string | null;
  durationMs: number;
  at: string;
  success: boolean;
}

export interface CurrentHourRow {
  key: string;
  count: number;
  /** Mean calls per hour over the 24 hours before the current one. */
  avgCount24h: number;
  errorRate: number;
  errorRate24h: number;
  p95Ms: number;
  p95Ms24h: number;
}

export interface Regression {
  key: string;
  metric: 'p95' | 'errorRate';
  before: number;
  after: number;
  /** after / before; null when before was 0 (an error rate up from none). */
  ratio: number | null;
  countBefore: number;
  countAfter: number;
}

export interface HourPoint {
  hour: string;
  count: number;
  errors: number;
  totalMs: number;
}

export interface ToolTimingReport {
  by: GroupBy;
  /** Start of the window (null: everything stored). */
  from: string | null;
  until: string;
  totals: { count: number; errors: number; totalMs: number; groups: number };
  rows: ToolTimingRow[];
  slowest: SlowestCall[];
  currentHour: { hour: string; rows: CurrentHourRow[] };
  regressions: Regression[];
  /** The split point of the regression comparison (first half before, second half after). */
  regressionSplit: string | null;
  hourly: HourPoint[];
  /** The unit the window's durations were logged in, µs (1000: whole ms): no figure is finer. */
  resolutionUs: number;
  /** Everything in the store, whatever the window: so an empty window can say where the data is. */
  stored: { calls: number; first: string; last: string } | null;
}


/** A regression needs this many calls on each side, and p95 up by this factor and at least 1 ms. */
export const REGRESSION_MIN_COUNT = 20;
export const REGRESSION_RATIO = 1.5;
export const REGRESSION_MIN_DELTA_US = 1000;
/** Error rate up by at least this much (absolute) and doubled. */
export const REGRESSION_ERROR_DELTA = 0.1;

interface Group {
  tool: string;
  categories: Set<string>;
  session?: string;
  count: number;
  errors: number;
  totalUs: number;
  maxUs: number;
  resolutionUs: number;
  hist: LatencyHistogram;
}

/** A group's percentile as reported (see reportedPercentileUs), in ms. */
function percentileMs(g: Group, p: number): number {
  return ms(reportedPercentileUs(g.hist.percentile(p), g.resolutionUs, g.maxUs));
}

const ms = (us: number): number => Math.round(us) / 1000;

/** log2 of HdrHistogram's sub-bucket count for our significant digits (2048 for 3 digits, lowest value 1 µs). */
const SUB_BUCKET_BITS = Math.ceil(Math.log2(2 * 10 ** SIGNIFICANT_DIGITS));

/** The width of the HdrHistogram bucket holding `us` (values below the sub-bucket count are exact). */
export function hdrBucketWidthUs(us: number): number {
  return us < 2 ** SUB_BUCKET_BITS ? 1 : 2 ** (Math.floor(Math.log2(us)) - (SUB_BUCKET_BITS - 1));
}

/**
 * A percentile as reported: HdrHistogram gives its bucket's highest equivalent value (an upper
 * bound); this takes the bucket's middle, rounds it to the bucket's precision (a power of ten no
 * wider than the bucket) and to the data's resolution, and keeps it within the exact max.
 */
export function reportedPercentileUs(highestEquivalentUs: number, resolutionUs: number, maxUs: number): number {
  if (highestEquivalentUs <= 0) return 0;
  const width = hdrBucketWidthUs(highestEquivalentUs);
  const lowest = Math.floor(highestEquivalentUs / width) * width;
  const middle = lowest + Math.floor(width / 2);
  const quantum = Math.max(resolutionUs, 10 ** Math.floor(Math.log10(width)));
  return Math.min(Math.round(middle / quantum) * quantum, maxUs);
}

function groupKey(r: HourRow, by: GroupBy): string {
  return by === 'tool' ? r.tool : by === 'category' ? r.category : r.session === '' ? '(none)' : r.session;
}

/** Merges rows into groups by key; the caller destroys the histograms. */
function mergeGroups(rows: HourRow[], by: GroupBy): Map<string, Group> {
  const groups = new Map<string, Group>();
  for (const r of rows) {
    const key = groupKey(r, by);
    let g = groups.get(key);
    if (!g) {
      g = { tool: by === 'tool' ? r.tool : '*', categories: new Set(), count: 0, errors: 0, totalUs: 0, maxUs: 0, resolutionUs: r.resolutionUs, hist: LatencyHistogram.create() };
      if (by === 'session') g.session = key;
      groups.set(key, g);
    }
    g.categories.add(r.category);
    g.count += r.count;
    g.errors += r.errors;
    g.totalUs += r.totalUs;
    if (r.maxUs > g.maxUs) g.maxUs = r.maxUs;
    if (r.resolutionUs < g.resolutionUs) g.resolutionUs = r.resolutionUs;
    const h = LatencyHistogram.decode(r.hist);
    g.hist.add(h);
    h.destroy();
  }
  return groups;
}

function destroyGroups(groups: Map<string, Group>): void {
  for (const g of groups.values()) g.hist.destroy();
}

/** Builds the report; an empty or missing store gives an empty report, not an error. */
export function buildToolTimingReport(o: ReportOptions): ToolTimingReport {
  const dbPath = join(o.dataDir, TOOLS_DB);
  const store = existsSync(dbPath) ? new ToolStore(dbPath) : undefined;
  try {
    const span = store?.span();
    return fillReport(o, store, span);
  } finally {
    store?.close();
  }
}

function fillReport(o: ReportOptions, store: ToolStore | undefined, span: StoredSpan | undefined): ToolTimingReport {
  const by = o.by ?? 'tool';
  const untilUs = o.untilUs ?? span?.lastUs ?? Date.now() * 1000;
  const untilHour = Math.floor(untilUs / HOUR_US);
  const since = o.sinceUs ?? null;
  const report: ToolTimingReport = {
    by,
    from: since === null ? null : iso(Math.floor((untilUs - since) / HOUR_US) * HOUR_US),
    until: iso(untilUs),
    totals: { count: 0, errors: 0, totalMs: 0, groups: 0 },
    rows: [],
    slowest: [],
    currentHour: { hour: iso(untilHour * HOUR_US), rows: [] },
    regressions: [],
    regressionSplit: null,
    hourly: [],
    resolutionUs: 1000,
    stored: span ? { calls: span.calls, first: iso(span.firstUs), last: iso(span.lastUs) } : null,
  };
  if (!store || !span) return report;
  const fromHour = since === null ? Math.floor(span.firstUs / HOUR_US) : Math.floor((untilUs - since) / HOUR_US);
  const rows = store.rows(fromHour, untilHour);
  report.resolutionUs = rows.reduce((m, r) => Math.min(m, r.resolutionUs), 1000);
  report.rows = summarize(rows, by);
  report.totals = {
    count: report.rows.reduce((s, r) => s + r.count, 0),
    errors: report.rows.reduce((s, r) => s + r.errors, 0),
    totalMs: ms(rows.reduce((s, r) => s + r.totalUs, 0)),
    groups: report.rows.length,
  };
  report.slowest = store.slowCalls(fromHour, untilHour, o.slowest ?? 10).map((c) => ({
    tool: c.tool,
    category: c.category,
    session: c.session === '' ? null : c.session,
    callId: c.callId,
    durationMs: ms(c.durationUs),
    at: iso(c.endUs),
    success: c.success,
  }));
  report.currentHour = { hour: iso(untilHour * HOUR_US), rows: currentHour(store.rows(untilHour - 24, untilHour), untilHour, by) };
  const reg = regressions(rows, by);
  report.regressions = reg.regressions;
  report.regressionSplit = reg.split === null ? null : iso(reg.split * HOUR_US);
  report.hourly = hourly(rows);
  return report;
}

/** The report rows alone — the shape of `--format json`, and of the MCP tool_timing_report tool. */
export function toolTimingReport(o: ReportOptions): ToolTimingRow[] {
  return buildToolTimingReport(o).rows;
}

/**
 * The report rows from loosely typed arguments (an MCP tool call, an HTTP query): `since` is a
 * duration such as "24h" or "all", `until` an ISO date, `by` tool|category|session; defaults from
 * TOOL_REPORT_PARAMS (the CLI's too). Throws a UsageError naming the bad argument.
 */
export function toolTimingReportFromArgs(args: { dataDir: string; since?: string; until?: string; by?: string }): ToolTimingRow[] {
  return toolTimingReport(resolveToolReportOptions(args.dataDir, args));
}

function summarize(rows: HourRow[], by: GroupBy): ToolTimingRow[] {
  const groups = mergeGroups(rows, by);
  try {
    const allUs = rows.reduce((s, r) => s + r.totalUs, 0);
    const out: ToolTimingRow[] = [];
    for (const [key, g] of groups) {
      const row: ToolTimingRow = {
        tool: g.tool,
        category: by === 'category' ? key : g.categories.size === 1 ? [...g.categories][0]! : by === 'tool' ? [...g.categories].sort().join(',') : '*',
        count: g.count,
        errors: g.errors,
        errorRate: g.count === 0 ? 0 : g.errors / g.count,
        // Bucket middles at the data's resolution, never above the exact max kept beside them.
        p50Ms: percentileMs(g, 50),
        p95Ms: percentileMs(g, 95),
        p99Ms: percentileMs(g, 99),
        // The histogram tops out at 1 h; the exact max is kept beside it.
        maxMs: ms(g.maxUs),
        totalMs: ms(g.totalUs),
        share: allUs === 0 ? 0 : g.totalUs / allUs,
      };
      if (g.session !== undefined) row.session = g.session;
      out.push(row);
    }
    // Where the time goes: biggest total first.
    return out.sort((a, b) => b.totalMs - a.totalMs || b.count - a.count || (a.tool + a.category).localeCompare(b.tool + b.category));
  } finally {
    destroyGroups(groups);
  }
}

function currentHour(rows: HourRow[], hour: number, by: GroupBy): CurrentHourRow[] {
  const now = mergeGroups(rows.filter((r) => r.hour === hour), by);
  const before = mergeGroups(rows.filter((r) => r.hour < hour), by);
  try {
    const keys = new Set([...now.keys(), ...before.keys()]);
    const out: CurrentHourRow[] = [];
    for (const key of keys) {
      const n = now.get(key);
      const b = before.get(key);
      out.push({
        key,
        count: n?.count ?? 0,
        avgCount24h: (b?.count ?? 0) / 24,
        errorRate: n && n.count > 0 ? n.errors / n.count : 0,
        errorRate24h: b && b.count > 0 ? b.errors / b.count : 0,
        p95Ms: n ? percentileMs(n, 95) : 0,
        p95Ms24h: b ? percentileMs(b, 95) : 0,
      });
    }
    return out.sort((a, b) => b.count - a.count || b.avgCount24h - a.avgCount24h || a.key.localeCompare(b.key));
  } finally {
    destroyGroups(now);
    destroyGroups(before);
  }
}

/**
 * First half of the window (by the hours that have data) against the second: p95 up by
 * REGRESSION_RATIO and ≥ 1 ms, or error rate up by ≥ 0.1 and doubled, with ≥ 20 calls a side.
 * Hourly histograms merge exactly, so the halves' p95s are real p95s, not averages of p95s.
 */
function regressions(rows: HourRow[], by: GroupBy): { split: number | null; regressions: Regression[] } {
  if (rows.length === 0) return { split: null, regressions: [] };
  const first = rows[0]!.hour;
  const last = rows[rows.length - 1]!.hour;
  if (first === last) return { split: null, regressions: [] };
  const split = Math.floor((first + last) / 2) + 1;
  const before = mergeGroups(rows.filter((r) => r.hour < split), by);
  const after = mergeGroups(rows.filter((r) => r.hour >= split), by);
  try {
    const out: Regression[] = [];
    for (const [key, a] of after) {
      const b = before.get(key);
      if (!b || b.count < REGRESSION_MIN_COUNT || a.count < REGRESSION_MIN_COUNT) continue;
      const pb = b.hist.percentile(95);
      const pa = a.hist.percentile(95);
      if (pa >= pb * REGRESSION_RATIO && pa - pb >= REGRESSION_MIN_DELTA_US) {
        out.push({ key, metric: 'p95', before: percentileMs(b, 95), after: percentileMs(a, 95), ratio: pa / pb, countBefore: b.count, countAfter: a.count });
      }
      const eb = b.errors / b.count;
      const ea = a.errors / a.count;
      if (ea - eb >= REGRESSION_ERROR_DELTA && ea >= 2 * eb) {
        out.push({ key, metric: 'errorRate', before: eb, after: ea, ratio: eb === 0 ? null : ea / eb, countBefore: b.count, countAfter: a.count });
      }
    }
    return { split, regressions: out.sort((x, y) => (y.ratio ?? Infinity) - (x.ratio ?? Infinity)) };
  } finally {
    destroyGroups(before);
    destroyGroups(after);
  }
}

function hourly(rows: HourRow[]): HourPoint[] {
  const byHour = new Map<number, { count: number; errors: number; totalUs: number }>();
  for (const r of rows) {
    const h = byHour.get(r.hour) ?? { count: 0, errors: 0, totalUs: 0 };
    h.count += r.count;
    h.errors += r.errors;
    h.totalUs += r.totalUs;
    byHour.set(r.hour, h);
  }
  return [...byHour.entries()].sort((a, b) => a[0] - b[0]).map(([hour, h]) => ({ hour: iso(hour * HOUR_US), count: h.count, errors: h.errors, totalMs: ms(h.totalUs) }));
}

function iso(us: number): string {
  return new Date(Math.floor(us / 1000)).toISOString();
}
