/**
 * The charts of a report, built from a RunResult and its trend series: per suite the latency
 * percentile spectrum (log scales), per-interval throughput and p99, resources over time; then one
 * chart per trended metric with its change points marked. Shared by the HTML report (inline) and
 * the Markdown report (SVG files beside it, or Mermaid blocks).
 */
import { formatMetricValue } from '../../results/metrics.js';
import type { RunResult, SuiteResult } from '../../core/result.js';
import { isElectionOperation, latencyCdf, latencySpectrum, spectrumX, type TrendSeries } from '../model.js';
import { formatBytes, formatRate, formatUs } from '../../core/units.js';
import { lineChart, type ChartSeries, type Tick } from './svg.js';

export type ChartKind = 'spectrum' | 'cdf' | 'throughput' | 'p99' | 'cpu' | 'memory' | 'trend';

export interface ChartSpec {
  /** Stable, unique, id-safe: kind plus the index of the suite/trend (never an outside name). */
  id: string;
  kind: ChartKind;
  title: string;
  /** Suite name (outside text) or metric name; for grouping in a report. */
  group: string;
  series: ChartSeries[];
  svg: string;
  /** The y-axis label, for renderers that draw the data themselves (Mermaid). */
  yLabel: string;
}

export const SPECTRUM_TICKS: Tick[] = [
  { value: 0, label: '0%' },
  { value: 1, label: '90%' },
  { value: 2, label: '99%' },
  { value: 3, label: '99.9%' },
  { value: 4, label: '99.99%' },
  { value: 5, label: '99.999%' },
  { value: 6, label: '99.9999%' },
];

const seconds = (x: number): string => `${Number(x.toFixed(1))}s`;

function pctLabel(p: number): string {
  if (p >= 100) return 'max';
  return `p${Number(p.toPrecision(6))}`;
}

export function suiteCharts(suite: SuiteResult, index: number): ChartSpec[] {
  const out: ChartSpec[] = [];
  const label = `${suite.name} (${suite.backend})`;

  const spectrum: ChartSeries[] = suite.operations
    .map((op) => ({
      name: op.name,
      points: latencySpectrum(op).map((p) => ({ x: spectrumX(p.percentile), y: p.valueUs, tip: `${op.name} ${pctLabel(p.percentile)}: ${formatUs(p.valueUs)}` })),
    }))
    .filter((s) => s.points.length > 0);
  if (spectrum.length > 0) {
    out.push(
      spec(`s${index}-spectrum`, 'spectrum', `Latency by percentile — ${label}`, suite.name, spectrum, 'latency', (id, title) =>
        lineChart(spectrum, { id, title, xLabel: 'percentile', yLabel: 'latency', yScale: 'log', formatX: (x) => `${Number(x.toFixed(2))}`, formatY: formatUs, xTicks: SPECTRUM_TICKS }),
      ),
    );
  }

  // Leader elections are read as a distribution: the share of elections done within each time.
  const elections: ChartSeries[] = suite.operations
    .filter((op) => isElectionOperation(suite.name, op.name))
    .map((op) => ({ name: op.name, points: latencyCdf(op).map((p) => ({ x: p.valueUs, y: p.fraction * 100, tip: `${op.name}: ${Number((p.fraction * 100).toFixed(1))}% within ${formatUs(p.valueUs)}` })) }))
    .filter((s) => s.points.length > 0);
  if (elections.length > 0) {
    out.push(
      spec(`s${index}-cdf`, 'cdf', `Election time distribution (CDF) — ${label}`, suite.name, elections, 'elections done', (id, title) =>
        lineChart(elections, { id, title, xLabel: 'time to a new leader', yLabel: 'elections done (%)', formatX: formatUs, formatY: (v) => `${Number(v.toFixed(0))}%` }),
      ),
    );
  }

  const byOp = new Map<string, SuiteResult['intervals']>();
  for (const w of suite.intervals) {
    const list = byOp.get(w.operation);
    if (list) list.push(w);
    else byOp.set(w.operation, [w]);
  }
  const intervalSeries = (pick: (w: SuiteResult['intervals'][number]) => number, fmt: (v: number) => string): ChartSeries[] =>
    [...byOp.entries()].map(([name, all]) => {
      // A window cut short by the end of the run (under half the longest) rates a few operations over
      // a sliver of time: noise, left out of the charts as it is of the degradation finding.
      const longest = all.reduce((m, w) => Math.max(m, w.durationUs), 0);
      const ws = all.filter((w) => w.durationUs >= 0.5 * longest);
      return {
      name,
      // Windows are plotted at their midpoint: the figure covers the whole window.
      points: ws.map((w) => {
        const x = (w.startUs + w.durationUs / 2) / 1e6;
        return { x, y: pick(w), tip: `${name} @ ${seconds(w.startUs / 1e6)}–${seconds((w.startUs + w.durationUs) / 1e6)}: ${fmt(pick(w))}` };
      }),
      };
    });
  if (byOp.size > 0) {
    const tput = intervalSeries((w) => w.throughput, formatRate);
    out.push(
      spec(`s${index}-throughput`, 'throughput', `Throughput per interval — ${label}`, suite.name, tput, 'ops/s', (id, title) =>
        lineChart(tput, { id, title, xLabel: 'time since start of measurement', yLabel: 'ops/s', formatX: seconds, formatY: formatRate }),
      ),
    );
    // Empty windows (a stall) have no p99: they are left out rather than drawn as zero latency.
    const p99 = intervalSeries((w) => w.p99Us, formatUs).map((s) => ({ ...s, points: s.points.filter((p) => p.y > 0) }));
    out.push(
      spec(`s${index}-p99`, 'p99', `p99 latency per interval — ${label}`, suite.name, p99, 'p99', (id, title) =>
        lineChart(p99, { id, title, xLabel: 'time since start of measurement', yLabel: 'p99', yScale: 'log', formatX: seconds, formatY: formatUs }),
      ),
    );
  }

  const samples = suite.resources.samples;
  if (samples.length > 0) {
    const labels = [...new Set(samples.map((s) => s.label))];
    const cpu: ChartSeries[] = labels.map((l) => ({
      name: l,
      points: samples.filter((s) => s.label === l).map((s) => {
        const v = s.cpuUserPct + s.cpuSystemPct;
        return { x: s.t / 1000, y: v, tip: `${l} @ ${seconds(s.t / 1000)}: CPU ${Number(v.toFixed(1))}%` };
      }),
    }));
    out.push(
      spec(`s${index}-cpu`, 'cpu', `CPU per process — ${label}`, suite.name, cpu, 'CPU % of one core', (id, title) =>
        lineChart(cpu, { id, title, xLabel: 'time since start of run', yLabel: 'CPU % of one core', formatX: seconds, formatY: (v) => `${Number(v.toFixed(0))}%` }),
      ),
    );
    const mem: ChartSeries[] = labels.map((l) => ({
      name: l,
      points: samples.filter((s) => s.label === l).map((s) => ({ x: s.t / 1000, y: s.rssBytes, tip: `${l} @ ${seconds(s.t / 1000)}: RSS ${formatBytes(s.rssBytes)}` })),
    }));
    out.push(
      spec(`s${index}-memory`, 'memory', `Resident memory per process — ${label}`, suite.name, mem, 'RSS', (id, title) =>
        lineChart(mem, { id, title, xLabel: 'time since start of run', yLabel: 'RSS', formatX: seconds, formatY: formatBytes, yTickBase: bytesTickBase(mem) }),
      ),
    );
  }
  return out;
}

/** MB ticks for MB-sized figures, GB ticks beyond: labels then read as whole binary units. */
function bytesTickBase(series: ChartSeries[]): number {
  const max = Math.max(0, ...series.flatMap((s) => s.points.map((p) => p.y)));
  return max >= 4 * 2 ** 30 ? 2 ** 30 : max >= 4 * 2 ** 20 ? 2 ** 20 : 1024;
}

/**
 * One chart per trended metric: its value over time (x = each run's start date), one series per
 * configuration fingerprint (a backend or agent count is never one line with another), change
 * points marked between the last run before and the first run after each change.
 */
export function trendCharts(trends: readonly TrendSeries[]): ChartSpec[] {
  const byMetric = new Map<string, TrendSeries[]>();
  for (const t of trends) byMetric.set(t.metric, [...(byMetric.get(t.metric) ?? []), t]);
  return [...byMetric.values()].map((group, i) => {
    const first = group[0] as TrendSeries;
    const fmt = (v: number): string => formatMetricValue(v, first.unit);
    const series: ChartSeries[] = group.map((t) => ({
      name: group.length > 1 ? (t.configuration ?? t.metric) : t.metric,
      points: t.points.map((p) => ({ x: Date.parse(p.at), y: p.value, tip: `${t.configuration ? `${t.configuration}: ` : ''}run ${p.runId} (${p.at}): ${fmt(p.value)}` })),
    }));
    const markers = group.flatMap((t) =>
      t.changePoints.map((cp) => {
        const after = t.points[cp];
        const before = t.points[cp - 1] ?? after;
        return { x: (Date.parse(before?.at ?? '') + Date.parse(after?.at ?? '')) / 2, label: `change point before run ${after?.runId ?? cp + 1}${t.configuration ? ` (${t.configuration})` : ''}` };
      }),
    );
    const runs = group.reduce((n, t) => n + t.points.length, 0);
    const title = `${first.metric} over ${runs} runs${group.length > 1 ? ` in ${group.length} configurations` : ''} (${first.direction} is better)`;
    const xs = series.flatMap((s) => s.points.map((p) => p.x));
    return spec(`t${i}-trend`, 'trend', title, first.metric, series, first.metric, (id, tt) =>
      lineChart(series, {
        id,
        title: tt,
        xLabel: 'run start (UTC)',
        yLabel: first.unit === 'us' ? 'latency' : first.unit,
        formatX: formatDate,
        formatY: fmt,
        markers,
        xTicks: timeTicks(Math.min(...xs), Math.max(...xs)),
        height: 220,
      }),
    );
  });
}

/** A run start as an axis label: the day, with the time when the chart spans under two days. */
export function formatDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Date ticks on whole hours or days (UTC), at most about six of them, labelled as dates. */
export function timeTicks(minMs: number, maxMs: number): Tick[] {
  if (!Number.isFinite(minMs) || !Number.isFinite(maxMs)) return [];
  const span = Math.max(maxMs - minMs, 1);
  const steps = [HOUR, 2 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY, 14 * DAY, 30 * DAY, 91 * DAY, 365 * DAY];
  const step = steps.find((st) => span / st <= 6) ?? Math.ceil(span / 6 / DAY) * DAY;
  const label = (ms: number): string => (step < DAY ? formatDate(ms).slice(5) : formatDate(ms).slice(0, 10));
  const ticks: Tick[] = [];
  for (let t = Math.ceil(minMs / step) * step; t <= maxMs; t += step) ticks.push({ value: t, label: label(t) });
  // A single run (or runs within one step): its own date is the tick.
  return ticks.length > 0 ? ticks : [{ value: minMs, label: label(minMs) }];
}

export function reportCharts(run: RunResult, trends: readonly TrendSeries[]): ChartSpec[] {
  return [...run.suites.flatMap((s, i) => suiteCharts(s, i)), ...trendCharts(trends)];
}

function spec(
  id: string,
  kind: ChartKind,
  title: string,
  group: string,
  series: ChartSeries[],
  yLabel: string,
  draw: (id: string, title: string) => string,
): ChartSpec {
  return { id, kind, title, group, series, svg: draw(id, title), yLabel };
}
