/**
 * Resource sampler: every interval, CPU (user/system %), RSS, heap, event-loop delay, GC pauses by
 * kind for this process; CPU and RSS (from /proc) for child processes; network bytes (/proc/net/dev,
 * whole host namespace) and disk bytes (/proc/PID/io). Linux /proc is read when present; elsewhere
 * those fields are left out rather than guessed.
 */
import { readFileSync } from 'node:fs';
import { constants, monitorEventLoopDelay, PerformanceObserver, type IntervalHistogram } from 'node:perf_hooks';
import type { Resources, ResourceSample } from '../core/result.js';
import type { ResourceSampler, ResourceSamplerOptions, SampledProcess } from './types.js';
import { summarizeResources } from './summary.js';
import { HostSampler } from './host.js';

const CLOCK_TICKS = 100; // USER_HZ on Linux
const PAGE_SIZE = 4096;

interface ProcCpu {
  utime: number;
  stime: number;
  rssBytes: number;
}

function readProcStat(pid: number): ProcCpu | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      utime: Number(fields[11]) / CLOCK_TICKS,
      stime: Number(fields[12]) / CLOCK_TICKS,
      rssBytes: Number(fields[21]) * PAGE_SIZE,
    };
  } catch {
    return undefined;
  }
}

function readProcIo(pid: number): { read: number; write: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/io`, 'utf8');
    const read = /read_bytes:\s*(\d+)/.exec(text);
    const write = /write_bytes:\s*(\d+)/.exec(text);
    if (!read || !write) return undefined;
    return { read: Number(read[1]), write: Number(write[1]) };
  } catch {
    return undefined;
  }
}

function readNetDev(): { rx: number; tx: number } | undefined {
  try {
    let rx = 0;
    let tx = 0;
    for (const line of readFileSync('/proc/net/dev', 'utf8').split('\n').slice(2)) {
      const m = /^\s*([^:]+):\s*(.*)$/.exec(line);
      if (!m || !m[2]) continue;
      const cols = m[2].trim().split(/\s+/);
      rx += Number(cols[0]);
      tx += Number(cols[8]);
    }
    return { rx, tx };
  } catch {
    return undefined;
  }
}

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

export function startResourceSampler(options: ResourceSamplerOptions = {}): ResourceSampler {
  const intervalMs = options.intervalMs ?? 1000;
  const t0 = Date.now();
  const samples: ResourceSample[] = [];
  const keep = (sample: ResourceSample): void => {
    samples.push(sample);
    try {
      options.onSample?.(sample);
    } catch {
      // A live view that fails must not stop the sampling the result needs.
    }
  };
  const loopDelay: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  let gcPause: Record<string, number> = {};
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const detail = (entry as unknown as { detail?: { kind?: number } }).detail;
      const kind = GC_KINDS[detail?.kind ?? -1] ?? 'other';
      gcPause[kind] = (gcPause[kind] ?? 0) + entry.duration;
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });

  let lastCpu = process.cpuUsage();
  let lastAt = Date.now();
  let lastNet = readNetDev();
  let lastIo = readProcIo(process.pid);
  const lastChild = new Map<number, { cpu: ProcCpu; at: number; io: { read: number; write: number } | undefined }>();
  for (const c of options.children?.() ?? []) {
    const cpu = readProcStat(c.pid);
    if (cpu) lastChild.set(c.pid, { cpu, at: Date.now(), io: readProcIo(c.pid) });
  }

  const tick = (): void => {
    const now = Date.now();
    const elapsedMs = Math.max(1, now - lastAt);
    const cpu = process.cpuUsage(lastCpu);
    lastCpu = process.cpuUsage();
    lastAt = now;
    const mem = process.memoryUsage();
    const net = readNetDev();
    const io = readProcIo(process.pid);
    const sample: ResourceSample = {
      t: now - t0,
      pid: process.pid,
      label: 'main',
      cpuUserPct: (cpu.user / 1000 / elapsedMs) * 100,
      cpuSystemPct: (cpu.system / 1000 / elapsedMs) * 100,
      rssBytes: mem.rss,
      heapUsedBytes: mem.heapUsed,
      heapTotalBytes: mem.heapTotal,
      // A sample taken right after the previous one (the final one at stop()) may hold no delay
      // reading yet; an empty histogram's percentiles are not readings, so it reports zeros.
      eventLoopDelayUs:
        loopDelay.count === 0
          ? { p50: 0, p99: 0, max: 0 }
          : { p50: loopDelay.percentile(50) / 1000, p99: loopDelay.percentile(99) / 1000, max: loopDelay.max / 1000 },
      gcPauseMs: gcPause,
    };
    if (net && lastNet) {
      sample.netRxBytes = net.rx - lastNet.rx;
      sample.netTxBytes = net.tx - lastNet.tx;
    }
    if (io && lastIo) {
      sample.diskReadBytes = io.read - lastIo.read;
      sample.diskWriteBytes = io.write - lastIo.write;
    }
    lastNet = net;
    lastIo = io;
    gcPause = {};
    loopDelay.reset();
    keep(sample);
    for (const child of options.children?.() ?? []) sampleChild(child, now);
  };

  const sampleChild = (child: SampledProcess, now: number): void => {
    const cpu = readProcStat(child.pid);
    if (!cpu) return;
    const io = readProcIo(child.pid);
    const prev = lastChild.get(child.pid);
    lastChild.set(child.pid, { cpu, at: now, io });
    if (!prev) return; // the first reading only sets the baseline
    const seconds = Math.max(0.001, (now - prev.at) / 1000);
    const s: ResourceSample = {
      t: now - t0,
      pid: child.pid,
      label: child.label,
      cpuUserPct: ((cpu.utime - prev.cpu.utime) / seconds) * 100,
      cpuSystemPct: ((cpu.stime - prev.cpu.stime) / seconds) * 100,
      rssBytes: cpu.rssBytes,
    };
    if (io && prev.io) {
      s.diskReadBytes = io.read - prev.io.read;
      s.diskWriteBytes = io.write - prev.io.write;
    }
    keep(s);
  };

  const timer = setInterval(tick, intervalMs);
  timer.unref();
  // The whole host beside swarmperf's own processes: a busy host with idle agents means something
  // else competes for the cores (the host-saturation finding reads these).
  const host = new HostSampler().start(intervalMs);
  let stopped: Resources | undefined;

  return {
    stop(): Resources {
      if (stopped) return stopped;
      clearInterval(timer);
      // A final sample covers the tail of the run (and short runs that never reached one tick).
      if (Date.now() - lastAt >= Math.min(50, intervalMs)) tick();
      loopDelay.disable();
      gcObserver.disconnect();
      stopped = { sampleIntervalMs: intervalMs, samples, summary: summarizeResources(samples) };
      const hostSamples = host.stop();
      if (hostSamples.length > 0) stopped.host = hostSamples;
      return stopped;
    },
  };
}
