/** The storage model's figures for a suite: durable writes, their mean latency, and how many a command cost. */
import type { SimCluster } from './cluster.js';

export function diskMetrics(cluster: SimCluster, committedOps?: number): Record<string, number> {
  const disks = cluster.hostSim.disks;
  if (!disks) return {};
  let writes = 0;
  let fsyncUs = 0;
  let busyUs = 0;
  for (const d of disks) {
    writes += d.stats.writes;
    fsyncUs += d.stats.fsyncUs;
    busyUs += d.stats.busyUs;
  }
  const out: Record<string, number> = {
    diskWrites: writes,
    fsyncMeanUs: writes > 0 ? fsyncUs / writes : 0,
    // Queueing behind earlier writes included: what a write really waited.
    diskWaitMeanUs: writes > 0 ? busyUs / writes : 0,
  };
  if (committedOps !== undefined && committedOps > 0) out.diskWritesPerOp = writes / committedOps;
  return out;
}
