/**
 * Turns the interval windows agents send while they run into the run's closed-window events,
 * window by window: window i goes out as soon as every agent still running has moved past it, so
 * outputs (terminal, the live file the dashboard follows) see a run of agents as it goes rather
 * than all at once at the end. Each operation's window histograms from every agent are added
 * (exact), so a live view gets the same figures as the result.
 */
import type { ClosedWindow, ProgressSink, WindowOperation } from '../../core/events.js';
import { LatencyHistogram } from '../../measure/histogram.js';
import type { WindowRecording } from './agent-recorder.js';

/** What the emitter needs to know of an agent. */
export interface WindowSource {
  /** Windows received from it so far. */
  windows: readonly WindowRecording[];
  /** Every window before this one is final for this agent (Infinity once it has reported). */
  closedBefore: number;
  /** Ended (reported, failed or killed): it holds back no window any more. */
  done: boolean;
}

export class LiveWindows {
  private next = 0;

  constructor(
    private readonly progress: ProgressSink,
    private readonly intervalUs: number,
    /** The planned measured duration: only whole windows inside it go out live. */
    private readonly plannedUs: number,
    private readonly sources: () => readonly WindowSource[],
  ) {}

  /** Emits every window that no running agent can still change. */
  emitReady(): void {
    const sources = this.sources();
    const running = sources.filter((s) => !s.done);
    const finalBefore = running.length === 0 ? Number.POSITIVE_INFINITY : Math.min(...running.map((s) => s.closedBefore));
    const wholeWindows = Math.floor(this.plannedUs / this.intervalUs);
    while (this.next < Math.min(finalBefore, wholeWindows)) {
      this.emit(sources.map((s) => s.windows), this.next, this.plannedUs);
      this.next++;
    }
  }

  /**
   * At the end: the windows not yet sent, from the reported recordings only (what the result
   * holds), up to the measured duration.
   */
  finish(windows: ReadonlyArray<readonly WindowRecording[]>, durationUs: number): void {
    const windowCount = Math.max(1, Math.ceil(durationUs / this.intervalUs));
    for (; this.next < windowCount; this.next++) this.emit(windows, this.next, durationUs);
  }

  private emit(windows: ReadonlyArray<readonly WindowRecording[]>, index: number, durationUs: number): void {
    const groups = new Map<string, { count: number; errors: number; histograms: string[] }>();
    for (const list of windows) {
      for (const w of list) {
        if (w.index !== index) continue;
        let g = groups.get(w.operation);
        if (!g) groups.set(w.operation, (g = { count: 0, errors: 0, histograms: [] }));
        g.count += w.count;
        g.errors += w.errors;
        g.histograms.push(w.histogram);
      }
    }
    const startUs = index * this.intervalUs;
    const endUs = Math.min(startUs + this.intervalUs, durationUs);
    const seconds = Math.max(1, endUs - startUs) / 1e6;
    const operations: WindowOperation[] = [...groups].map(([name, g]) => {
      const h = LatencyHistogram.mergeEncoded(g.histograms);
      try {
        return { name, count: g.count, errors: g.errors, throughput: g.count / seconds, p50: h.percentile(50), p95: h.percentile(95), p99: h.percentile(99), max: h.percentile(100), histogram: h.encode() };
      } finally {
        h.destroy();
      }
    });
    const window: ClosedWindow = { startUs, endUs, operations };
    this.progress.window?.(window);
  }
}
