/** Small pieces the renderers share. */
import type { GroupBy, ToolTimingReport } from '../report.js';

export function keyHeader(by: GroupBy): string {
  return by;
}

export function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

export function windowText(r: ToolTimingReport): string {
  return r.from === null ? `all data until ${r.until}` : `${r.from} → ${r.until}`;
}

export function msText(v: number): string {
  return v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Number(v.toFixed(3))} ms`;
}
