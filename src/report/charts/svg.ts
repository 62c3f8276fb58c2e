/**
 * Hand-written SVG line charts: no library, no network, deterministic output (same data → same
 * bytes, so renderers can be snapshot-tested). Each point carries a <title> (a native tooltip that
 * works with scripts off) and data attributes the HTML report's script uses for richer tooltips;
 * each series is a <g data-series> group a legend click can hide.
 */
import { escapeHtml } from '../escape.js';

export interface ChartPoint {
  x: number;
  y: number;
  /** Tooltip text; defaults to "series: x, y". */
  tip?: string;
}

export interface ChartSeries {
  name: string;
  points: ChartPoint[];
}

export interface ChartMarker {
  x: number;
  label: string;
}

export interface Tick {
  value: number;
  label: string;
}

export interface ChartOptions {
  /** Element id (HTML) — made unique by the caller. */
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  yScale?: 'linear' | 'log';
  formatX: (x: number) => string;
  formatY: (y: number) => string;
  /** Fixed x ticks (e.g. percentile ticks on the spectrum); otherwise chosen from the data. */
  xTicks?: Tick[];
  /** Linear y ticks fall on multiples of this (e.g. 2^20 for bytes, so ticks read 64MB, not 47.7MB). */
  yTickBase?: number;
  /** Vertical dashed lines, e.g. change points. */
  markers?: ChartMarker[];
  width?: number;
  height?: number;
}

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

const MARGIN = { top: 34, right: 16, bottom: 44, left: 64 };

/** Rounds coordinates so output is stable and compact. */
const r = (v: number): string => String(Math.round(v * 10) / 10);

/** "Nice" linear ticks: steps of 1, 2 or 5 × 10^k, about `count` of them. */
export function linearTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** Powers of ten covering [min, max] (log axes), with 2 and 5 in between when the span is short. */
export function logTicks(min: number, max: number): number[] {
  const lo = Math.floor(Math.log10(min));
  const hi = Math.ceil(Math.log10(max));
  const ticks: number[] = [];
  for (let e = lo; e <= hi; e++) {
    const base = Math.pow(10, e);
    for (const m of hi - lo <= 2 ? [1, 2, 5] : [1]) {
      const v = m * base;
      if (v >= min / 1.0001 && v <= max * 1.0001) ticks.push(v);
    }
  }
  return ticks.length >= 2 ? ticks : [min, max];
}

interface Domain {
  min: number;
  max: number;
}

function domainOf(values: number[], log: boolean, base = 1): Domain {
  const vs = log ? values.filter((v) => v > 0) : values;
  if (vs.length === 0) return log ? { min: 1, max: 10 } : { min: 0, max: 1 };
  let min = Math.min(...vs);
  let max = Math.max(...vs);
  if (log) {
    min = Math.pow(10, Math.floor(Math.log10(min)));
    max = Math.pow(10, Math.ceil(Math.log10(max)));
    if (max <= min) max = min * 10;
  } else {
    min = Math.min(0, min);
    if (max <= min) max = min + 1;
    const t = linearTicks(min / base, max / base);
    max = Math.max(max, (t[t.length - 1] as number) * base);
  }
  return { min, max };
}

/** Average width of a character of the 13 px bold title, for wrapping without a layout engine (generous, so nothing is cut off). */
const TITLE_CHAR_PX = 7.6;
const TITLE_LINE_PX = 16;

/** Splits a title into lines of at most `maxChars`, at spaces where it can, inside a long word where it must. */
export function wrapTitle(title: string, maxChars: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of title.split(' ')) {
    let w = word;
    while (w.length > maxChars) {
      if (line) lines.push(line);
      lines.push(w.slice(0, maxChars));
      w = w.slice(maxChars);
      line = '';
    }
    if (line === '') line = w;
    else if (line.length + 1 + w.length <= maxChars) line += ` ${w}`;
    else {
      lines.push(line);
      line = w;
    }
  }
  if (line) lines.push(line);
  return lines.length > 0 ? lines : [''];
}

/** A line chart as one <svg> element (inline in HTML or as a standalone .svg file). */
export function lineChart(series: ChartSeries[], o: ChartOptions): string {
  const width = o.width ?? 640;
  const plotW = width - MARGIN.left - MARGIN.right;
  // The title wraps onto as many lines as it needs; the legend and the plot move down with it.
  const titleLines = wrapTitle(o.title, Math.max(20, Math.floor((width - 8 - MARGIN.right) / TITLE_CHAR_PX)));
  const titleExtra = (titleLines.length - 1) * TITLE_LINE_PX;
  // Legend: entries in rows under the title; the plot starts below them. The HTML report's
  // script makes each entry a toggle for its series.
  const legend: string[] = [];
  let lx = MARGIN.left;
  let row = 0;
  if (series.length > 1) {
    series.forEach((s, i) => {
      const label = s.name.length > 64 ? s.name.slice(0, 63) + '…' : s.name;
      const w = 14 + label.length * 6.2 + 12;
      if (lx + w > width - MARGIN.right && lx > MARGIN.left) {
        row++;
        lx = MARGIN.left;
      }
      const y = 24 + titleExtra + row * 15;
      legend.push(
        `<g class="legend-item" data-series="${i}" tabindex="0" role="button" aria-pressed="true" cursor="pointer"><rect x="${r(lx)}" y="${y}" width="10" height="10" fill="${PALETTE[i % PALETTE.length]}"/><text x="${r(lx + 14)}" y="${y + 9}" fill="#333">${escapeHtml(label)}</text><title>${escapeHtml(s.name)}</title></g>`,
      );
      lx += w;
    });
  }
  const top = MARGIN.top + titleExtra + (series.length > 1 ? (row + 1) * 15 : 0);
  const height = (o.height ?? 300) + (top - MARGIN.top);
  const plotH = height - top - MARGIN.bottom;
  const log = o.yScale === 'log';
  const allX = series.flatMap((s) => s.points.map((p) => p.x)).concat((o.markers ?? []).map((m) => m.x), (o.xTicks ?? []).map((t) => t.value));
  const allY = series.flatMap((s) => s.points.map((p) => p.y));
  const xd: Domain = allX.length ? { min: Math.min(...allX), max: Math.max(...allX) } : { min: 0, max: 1 };
  if (xd.max <= xd.min) xd.max = xd.min + 1;
  const base = o.yTickBase ?? 1;
  const yd = domainOf(allY, log, base);
  const sx = (x: number): number => MARGIN.left + ((x - xd.min) / (xd.max - xd.min)) * plotW;
  const sy = (y: number): number => {
    const f = log ? (Math.log10(Math.max(y, yd.min)) - Math.log10(yd.min)) / (Math.log10(yd.max) - Math.log10(yd.min)) : (y - yd.min) / (yd.max - yd.min);
    return top + plotH - f * plotH;
  };

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="${escapeHtml(o.id)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(o.title)}" font-family="system-ui, sans-serif" font-size="11">`,
  );
  parts.push(`<title>${escapeHtml(o.title)}</title>`);
  parts.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#fff"/>`);
  // A title that fits keeps its place over the plot; a longer one starts at the left edge and wraps.
  const titleX = titleLines.length === 1 && o.title.length * TITLE_CHAR_PX <= width - MARGIN.left - MARGIN.right ? MARGIN.left : 8;
  parts.push(`<text x="${titleX}" y="16" font-size="13" font-weight="600" fill="#222">${titleLines.map((l, i) => (i === 0 ? escapeHtml(l) : `<tspan x="${titleX}" dy="${TITLE_LINE_PX}">${escapeHtml(l)}</tspan>`)).join('')}</text>`);

  // Grid and axes.
  const yTicks = log ? logTicks(yd.min, yd.max) : linearTicks(yd.min / base, yd.max / base).map((t) => t * base);
  parts.push('<g class="grid" stroke="#e5e5e5">');
  for (const t of yTicks) parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${r(sy(t))}" y2="${r(sy(t))}"/>`);
  parts.push('</g>');
  parts.push('<g class="y-axis" fill="#555" text-anchor="end">');
  for (const t of yTicks) parts.push(`<text x="${MARGIN.left - 6}" y="${r(sy(t) + 4)}">${escapeHtml(o.formatY(t))}</text>`);
  parts.push('</g>');
  const xTicks = o.xTicks ?? linearTicks(xd.min, xd.max, 6).map((v) => ({ value: v, label: o.formatX(v) }));
  parts.push('<g class="x-axis" fill="#555" text-anchor="middle">');
  for (const t of xTicks) {
    if (t.value < xd.min - 1e-9 || t.value > xd.max + 1e-9) continue;
    parts.push(`<text x="${r(sx(t.value))}" y="${top + plotH + 16}">${escapeHtml(t.label)}</text>`);
  }
  parts.push('</g>');
  parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${top + plotH}" y2="${top + plotH}" stroke="#888"/>`);
  parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${top}" y2="${top + plotH}" stroke="#888"/>`);
  parts.push(`<text x="${MARGIN.left + plotW / 2}" y="${height - 6}" text-anchor="middle" fill="#333">${escapeHtml(o.xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#333">${escapeHtml(o.yLabel)}${log ? ' (log)' : ''}</text>`);

  for (const m of o.markers ?? []) {
    const x = r(sx(m.x));
    parts.push(
      `<g class="marker"><line x1="${x}" x2="${x}" y1="${top}" y2="${top + plotH}" stroke="#d62728" stroke-dasharray="4 3"/><title>${escapeHtml(m.label)}</title></g>`,
    );
  }

  series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length] as string;
    const pts = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!log || p.y > 0));
    parts.push(`<g class="series" data-series="${i}" data-name="${escapeHtml(s.name)}" stroke="${color}" fill="${color}">`);
    if (pts.length > 1) {
      parts.push(`<polyline fill="none" stroke-width="1.8" points="${pts.map((p) => `${r(sx(p.x))},${r(sy(p.y))}`).join(' ')}"/>`);
    }
    for (const p of pts) {
      const tip = p.tip ?? `${s.name}: ${o.formatX(p.x)}, ${o.formatY(p.y)}`;
      parts.push(`<circle cx="${r(sx(p.x))}" cy="${r(sy(p.y))}" r="3" data-tip="${escapeHtml(tip)}"><title>${escapeHtml(tip)}</title></circle>`);
    }
    parts.push('</g>');
  });

  parts.push(...legend);
  parts.push('</svg>');
  return parts.join('\n');
}
