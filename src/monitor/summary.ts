/** Summary figures over resource samples (pure): means, maxima, memory growth slope, GC share. */
import { linearSlope } from '../measure/stats.js';
import type { ResourceSample, ResourceSummary } from '../core/result.js';

export function summarizeResources(samples: readonly ResourceSample[]): ResourceSummary {
  const main = samples.filter((s) => s.label === 'main');
  const byTime = new Map<number, number>();
  for (const s of samples) byTime.set(s.t, (byTime.get(s.t) ?? 0) + s.cpuUserPct + s.cpuSystemPct);
  const cpuTotals = [...byTime.values()];
  const spanMs = main.length > 1 ? (main[main.length - 1] as ResourceSample).t - (main[0] as ResourceSample).t : 0;
  const sum = (xs: Array<number | undefined>): number => xs.reduce<number>((a, x) => a + (x ?? 0), 0);
  const totalMs = main.length > 0 ? Math.max(1, (main[main.length - 1] as ResourceSample).t) : 1;
  const gcMs = sum(main.map((s) => sum(Object.values(s.gcPauseMs ?? {}))));
  const perSec = (xs: Array<number | undefined>): number | undefined =>
    xs.some((x) => x !== undefined) ? sum(xs) / (totalMs / 1000) : undefined;
  const summary: ResourceSummary = {
    cpuPctMean: cpuTotals.length ? sum(cpuTotals) / cpuTotals.length : 0,
    cpuPctMax: cpuTotals.length ? Math.max(...cpuTotals) : 0,
    rssMaxBytes: samples.length ? Math.max(...samples.map((s) => s.rssBytes)) : 0,
    memoryGrowthBytesPerSec: spanMs > 0 ? linearSlope(main.map((s) => s.t / 1000), main.map((s) => s.rssBytes)) : 0,
  };
  const loop = main.map((s) => s.eventLoopDelayUs).filter((x) => x !== undefined);
  if (loop.length) {
    summary.eventLoopDelayP99Us = Math.max(...loop.map((l) => l.p99));
    summary.eventLoopDelayMaxUs = Math.max(...loop.map((l) => l.max));
  }
  if (main.length) summary.gcTimeShare = gcMs / totalMs;
  const rx = perSec(main.map((s) => s.netRxBytes));
  const tx = perSec(main.map((s) => s.netTxBytes));
  const dr = perSec(samples.map((s) => s.diskReadBytes));
  const dw = perSec(samples.map((s) => s.diskWriteBytes));
  if (rx !== undefined) summary.netRxBytesPerSec = rx;
  if (tx !== undefined) summary.netTxBytesPerSec = tx;
  if (dr !== undefined) summary.diskReadBytesPerSec = dr;
  if (dw !== undefined) summary.diskWriteBytesPerSec = dw;
  return summary;
}
