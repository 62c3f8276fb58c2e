/**
 * The charts of a report, built from a RunResult and its trend series: per suite the latency
 * percentile spectrum (log scales), per-interval throughput and p99, resources over time; then one
 * chart per trended metric with its change points marked. Shared by the HTML report (inline) and
 * the Markdown report (SVG files beside it, or Mermaid blocks).
 */
import { formatMetricValue } from '../../results/metrics.js';
import type { RunResult, SuiteResult } from '../../core/result.js';
import { latencySpectrum, spectrumX, type TrendSeries } from '../model.js';
import { formatBytes, formatRate, formatUs } from '../../core/units.js';
import { lineChart, type ChartSeries, type Tick } from './svg.js';

export type ChartKind = 'spectrum' | 'throughput' | 'p99' | 'cpu' | 'memory' | 'trend';

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

/** One chart per trended metric: its value over runs (x = run index), change points marked. */
export function trendCharts(trends: readonly TrendSeries[]): ChartSpec[] {
  return trends.map((t, i) => {
    const fmt = (v: number): string => formatMetricValue(v, t.unit);
    const series: ChartSeries[] = [
      { name: t.metric, points: t.points.map((p, j) => ({ x: j + 1, y: p.value, tip: `run ${p.runId} (${p.at}): ${fmt(p.value)}` })) },
    ];
    const markers = t.changePoints.map((cp) => {
      const p = t.points[cp];
      return { x: cp + 0.5, label: `change point before run ${p?.runId ?? cp + 1}` };
    });
    const title = `${t.metric} over the last ${t.points.length} runs (${t.direction} is better)`;
    return spec(`t${i}-trend`, 'trend', title, t.metric, series, t.metric, (id, tt) =>
      lineChart(series, {
        id,
        title: tt,
        xLabel: 'run (oldest → newest)',
        yLabel: t.unit === 'us' ? 'latency' : t.unit,
        formatX: (x) => String(Math.round(x)),
        formatY: fmt,
        markers,
        xTicks: t.points.length <= 12 ? t.points.map((_, j) => ({ value: j + 1, label: String(j + 1) })) : undefined,
        height: 220,
      }),
    );
  });
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
