/**
 * Host-wide CPU sampling, beside the per-process sampler: how busy the whole machine was
 * (/proc/stat), its run queue (/proc/loadavg) and CPU/IO/memory pressure (/proc/pressure/*, Linux
 * PSI, where the kernel has it). The per-process figures say what swarmperf used; these say what
 * everyone used, so "the host was 100 % busy and swarmperf had 24 %" can be told apart from
 * "swarmperf filled the machine". Where /proc is absent, no samples are produced (never guessed).
 */
import { readFileSync } from 'node:fs';
import type { HostSample } from '../core/result.js';

/** Where the host's figures are read from; tests inject their own. */
export interface HostReader {
  stat(): string | undefined;
  loadavg(): string | undefined;
  pressure(kind: 'cpu' | 'io' | 'memory'): string | undefined;
}

const readOrUndefined = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

export const procHostReader: HostReader = {
  stat: () => readOrUndefined('/proc/stat'),
  loadavg: () => readOrUndefined('/proc/loadavg'),
  pressure: (kind) => readOrUndefined(`/proc/pressure/${kind}`),
};

/** Busy and total jiffies of all cores from the aggregate `cpu` line of /proc/stat. */
export function parseProcStatCpu(text: string): { busy: number; total: number } | undefined {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return undefined;
  // user nice system idle iowait irq softirq steal (guest time is already inside user/nice)
  const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (f.length < 4 || f.some((x) => !Number.isFinite(x))) return undefined;
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** 1-minute load and the runnable-task count ("0.50 0.40 0.30 3/345 12345": 3 runnable). */
export function parseLoadavg(text: string): { load1: number; runnable: number } | undefined {
  const m = /^\s*([\d.]+)\s+[\d.]+\s+[\d.]+\s+(\d+)\/\d+/.exec(text);
  if (!m) return undefined;
  return { load1: Number(m[1]), runnable: Number(m[2]) };
}

/** The "some avg10" figure of a /proc/pressure file (percent of time some task stalled). */
export function parsePressureSome(text: string): number | undefined {
  const m = /^some\s+avg10=([\d.]+)/m.exec(text);
  return m ? Number(m[1]) : undefined;
}

/**
 * Samples the host every `intervalMs` (or on demand with sampleNow()). The first reading is a
 * baseline: busy shares are deltas of /proc/stat between two readings, so they cover the period.
 */
export class HostSampler {
  private readonly samples: HostSample[] = [];
  private last: { busy: number; total: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly started: number;

  constructor(
    private readonly reader: HostReader = procHostReader,
    private readonly clockMs: () => number = () => performance.now(),
  ) {
    this.started = this.clockMs();
    const s = this.reader.stat();
    this.last = s ? parseProcStatCpu(s) : undefined;
  }

  /** Whether this platform exposes the host figures at all. */
  get available(): boolean {
    return this.last !== undefined;
  }

  start(intervalMs: number): this {
    if (!Number.isFinite(intervalMs) || intervalMs <= 0) throw new RangeError(`HostSampler: interval must be a positive number of ms, got ${intervalMs}`);
    if (this.available && !this.timer) {
      this.timer = setInterval(() => this.sampleNow(), intervalMs);
      this.timer.unref();
    }
    return this;
  }

  /** Takes one sample covering the time since the previous one; undefined without /proc/stat. */
  sampleNow(): HostSample | undefined {
    const text = this.reader.stat();
    const now = text ? parseProcStatCpu(text) : undefined;
    if (!now || !this.last) return undefined;
    const dTotal = now.total - this.last.total;
    const dBusy = now.busy - this.last.busy;
    this.last = now;
    if (!(dTotal > 0)) return undefined;
    const sample: HostSample = { t: Math.round(this.clockMs() - this.started), cpuBusyPct: Math.min(100, Math.max(0, (100 * dBusy) / dTotal)) };
    const load = this.reader.loadavg();
    const la = load ? parseLoadavg(load) : undefined;
    if (la) {
      sample.loadAvg1 = la.load1;
      sample.runnable = la.runnable;
    }
    for (const [kind, key] of [
      ['cpu', 'cpuPressureSomePct'],
      ['io', 'ioPressureSomePct'],
      ['memory', 'memoryPressureSomePct'],
    ] as const) {
      const p = this.reader.pressure(kind);
      const v = p ? parsePressureSome(p) : undefined;
      if (v !== undefined) sample[key] = v;
    }
    this.samples.push(sample);
    return sample;
  }

  /** Stops sampling and returns every sample taken (one last one covering the tail of the run). */
  stop(): HostSample[] {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sampleNow();
    return [...this.samples];
  }
}
