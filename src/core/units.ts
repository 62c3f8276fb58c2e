/** Unit formatting: time inside the program is integer µs; only renderers choose units. */

export function formatUs(us: number): string {
  if (!Number.isFinite(us)) return String(us);
  const a = Math.abs(us);
  if (a < 1000) return `${trim(us)}µs`;
  if (a < 1_000_000) return `${trim(us / 1000)}ms`;
  if (a < 60_000_000) return `${trim(us / 1_000_000)}s`;
  return `${trim(us / 60_000_000)}min`;
}

/**
 * A duration at the precision it is known to. `resolutionUs` is the unit the figure is a whole
 * multiple of: 1000 for a log in whole milliseconds, a histogram bucket's width for a percentile.
 * The value is rounded to it, then shown like formatUs (µs, ms, s, min; three significant digits at
 * most) but never with a digit finer than the resolution — a whole-ms figure never shows µs, and
 * zero is shown in the resolution's unit ("0ms", not "0µs" nor a clamped "1µs").
 */
export function formatDurationUs(us: number, resolutionUs = 1): string {
  if (!Number.isFinite(us)) return String(us);
  const res = Number.isFinite(resolutionUs) && resolutionUs > 1 ? resolutionUs : 1;
  const v = Math.round(us / res) * res;
  if (v === 0) return `0${res >= 60_000_000 ? 'min' : res >= 1_000_000 ? 's' : res >= 1000 ? 'ms' : 'µs'}`;
  const a = Math.abs(v);
  const [unit, unitUs] = a < 1000 ? ['µs', 1] : a < 1_000_000 ? ['ms', 1000] : a < 60_000_000 ? ['s', 1_000_000] : ['min', 60_000_000];
  // Digits from the value itself (rounding twice, to the resolution and then to digits, can move the last digit).
  const x = us / unitUs;
  const significant = Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : 2;
  const resolvable = Math.max(0, Math.floor(Math.log10(unitUs / res) + 1e-9));
  return `${Number(x.toFixed(Math.min(significant, resolvable)))}${unit}`;
}

export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return String(perSecond);
  if (perSecond >= 1_000_000) return `${trim(perSecond / 1_000_000)}M/s`;
  if (perSecond >= 10_000) return `${trim(perSecond / 1000)}k/s`;
  return `${trim(perSecond)}/s`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${trim(v)}${units[i]}`;
}

export function formatCount(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString('en-US') : trim(n);
}

/** Three significant digits, no trailing zeros. */
function trim(v: number): string {
  if (v === 0) return '0';
  const digits = Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2;
  return String(Number(v.toFixed(digits)));
}
