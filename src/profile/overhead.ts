/**
 * What profiling cost a run, measured with it (RunResult.profiles.overhead): the samples the
 * profiles hold, and a calibration in the main process after the run. The calibration runs a
 * fixed JavaScript workload (calls a few dozen frames deep, as measured code is, since the sampler
 * walks the stack on every sample) in blocks alternately with and without the V8 profiler at the
 * run's interval, and compares work done per CPU second. Process CPU time (not wall time) is the
 * yardstick: it counts the profiler's own threads and is not stretched by other programs on a busy
 * machine. The order alternates from pair to pair so a drift of the machine cancels out.
 */
import type { RunResult } from '../core/result.js';
import { median } from '../measure/stats.js';
import { startProfiler, type LabelledProfile } from './cpuprofile.js';

export type ProfileOverhead = NonNullable<NonNullable<RunResult['profiles']>['overhead']>;

export const DEFAULT_CALIBRATION_PAIRS = 5;
/** CPU time per block: 25 samples at the 1 ms default, enough for the sampler's cost to show. */
export const DEFAULT_BLOCK_CPU_US = 25_000;
const STACK_DEPTH = 24;

let sink = 0;

/** A stack STACK_DEPTH frames deep with a little arithmetic and allocation at the bottom. */
function work(depth: number): number {
  if (depth > 0) return work(depth - 1) + 1;
  let x = 0;
  for (let i = 0; i < 400; i++) x += Math.sqrt(i * 7 + (x & 15));
  return [x].length + (x > 0 ? 1 : 0);
}

/** Units of work done per CPU µs over one block of about `blockCpuUs` of process CPU time. */
function workRate(blockCpuUs: number): number {
  const start = process.cpuUsage();
  let units = 0;
  for (;;) {
    for (let i = 0; i < 20; i++) sink += work(STACK_DEPTH);
    units += 20;
    const used = process.cpuUsage(start);
    const us = used.user + used.system;
    if (us >= blockCpuUs) return units / us;
  }
}

async function profiledRate(intervalUs: number, blockCpuUs: number): Promise<number> {
  const running = await startProfiler(intervalUs);
  try {
    return workRate(blockCpuUs);
  } finally {
    await running.stop();
  }
}

/** Work per CPU second with the profiler over without it, per pair; min / median / max. */
export async function calibrateProfilerCost(intervalUs: number, pairs = DEFAULT_CALIBRATION_PAIRS, blockCpuUs = DEFAULT_BLOCK_CPU_US): Promise<{ min: number; median: number; max: number }> {
  workRate(blockCpuUs); // warm-up: the first block also pays for compiling the workload
  const ratios: number[] = [];
  for (let i = 0; i < pairs; i++) {
    let off: number;
    let on: number;
    if (i % 2 === 0) {
      off = workRate(blockCpuUs);
      on = await profiledRate(intervalUs, blockCpuUs);
    } else {
      on = await profiledRate(intervalUs, blockCpuUs);
      off = workRate(blockCpuUs);
    }
    ratios.push(on / off);
  }
  if (sink === -1) ratios.push(0); // keeps the workload from being optimised away
  return { min: Math.min(...ratios), median: median(ratios), max: Math.max(...ratios) };
}

export function sampleCount(profiles: readonly LabelledProfile[]): number {
  return profiles.reduce((a, p) => a + (p.profile.samples?.length ?? 0), 0);
}

/**
 * One line for reports: "profiled every 1 ms: 12,345 samples in 3 processes; profiler cost ≈ 4.2 %
 * CPU per unit of work (work ratio 0.95 / 0.96 / 0.98 over 5 pairs)".
 */
export function profilingSummary(profiles: NonNullable<RunResult['profiles']>): string {
  const every = profiles.intervalUs >= 1000 ? `${profiles.intervalUs / 1000} ms` : `${profiles.intervalUs} µs`;
  const head = `profiled every ${every} in ${profiles.processes.length} process${profiles.processes.length === 1 ? '' : 'es'}`;
  const o = profiles.overhead;
  if (!o) return head;
  const ratio = o.workRatio;
  const cost = ratio
    ? `; profiler cost ≈ ${Math.max(0, (1 / ratio.median - 1) * 100).toFixed(1)} % CPU per unit of work (work ratio ${[ratio.min, ratio.median, ratio.max].map((r) => r.toFixed(3)).join(' / ')}, min / median / max of ${o.calibrationPairs} pairs)`
    : '';
  return `${head}: ${o.samples.toLocaleString('en-US')} samples${cost}`;
}
