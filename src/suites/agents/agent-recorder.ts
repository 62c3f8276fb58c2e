/**
 * The recorder an agent (worker process or in-process agent) measures with. It is the foundation's
 * Recorder — so every load model drives it unchanged — plus what the parent needs to merge several
 * agents EXACTLY: each interval window's histogram (encoded as soon as the window closes, so memory
 * stays bounded) and a uniform reservoir of raw samples for the merged confidence intervals.
 * Everything it hands back is plain JSON-safe data that crosses the IPC channel.
 */
import { LatencyHistogram } from '../../measure/histogram.js';
import { Recorder } from '../../measure/recorder.js';
import { Rng } from '../../measure/rng.js';

export const AGENT_RESERVOIR = 2_000;

export interface OperationRecording {
  name: string;
  count: number;
  errors: number;
  dropped: number;
  retries: number;
  errorReasons: Record<string, number>;
  /** Encoded HdrHistogram of latency (µs). */
  histogram: string;
  /** Every latency summed in whole ns: the merged mean is exact, as a single recorder's is. */
  sumNs?: number;
  serviceHistogram?: string;
  /** A uniform sample of this agent's raw latencies and how many latencies it was drawn from. */
  reservoir: number[];
  seen: number;
}

export interface WindowRecording {
  operation: string;
  /** Window number since the common measured start. */
  index: number;
  count: number;
  errors: number;
  histogram: string;
}

/** One agent's measured window, ready to be merged with the others'. */
export interface AgentRecording {
  /** Length of this agent's measured window, µs. */
  durationUs: number;
  intervalUs: number;
  operations: OperationRecording[];
  windows: WindowRecording[];
}

interface LiveWindow {
  index: number;
  count: number;
  errors: number;
  histogram: LatencyHistogram;
}

export class AgentRecorder extends Recorder {
  private readonly live = new Map<string, LiveWindow>();
  private readonly closed: WindowRecording[] = [];
  private readonly reservoirs = new Map<string, { samples: number[]; seen: number }>();
  private readonly sampleRng: Rng;

  constructor(options: { startUs: number; intervalUs: number; seed: number }) {
    // The base reservoir is kept to one sample so its finish() skips the bootstrap (~100 ms an
    // operation); this class keeps its own reservoir and the parent bootstraps once, merged.
    super({ ...options, reservoirSize: 1 });
    this.sampleRng = new Rng(options.seed ^ 0x5bd1e995);
  }

  override record(name: string, latencyUs: number, atUs: number, serviceUs?: number): void {
    super.record(name, latencyUs, atUs, serviceUs);
    const w = this.window(name, atUs);
    w.count++;
    w.histogram.record(latencyUs);
    let r = this.reservoirs.get(name);
    if (!r) this.reservoirs.set(name, (r = { samples: [], seen: 0 }));
    r.seen++;
    if (r.samples.length < AGENT_RESERVOIR) r.samples.push(latencyUs);
    else {
      const j = Math.floor(this.sampleRng.next() * r.seen);
      if (j < AGENT_RESERVOIR) r.samples[j] = latencyUs;
    }
  }

  override recordError(name: string, reason: string, latencyUs: number, atUs: number, serviceUs?: number): void {
    // The base class records the latency through this.record (our override), so only the error
    // tally of the window is added here.
    super.recordError(name, reason, latencyUs, atUs, serviceUs);
    this.window(name, atUs).errors++;
  }

  /**
   * Closes every window that ended before `nowUs` and hands the closed ones over (they are not kept
   * here): the parent merges them while the run goes on, so a live view sees each window as it
   * closes. `closedBefore` is the first window that may still change.
   */
  drainClosedWindows(nowUs: number): { windows: WindowRecording[]; closedBefore: number } {
    const current = Math.max(0, Math.floor((nowUs - this.startUs) / this.intervalUs));
    for (const [name, w] of [...this.live]) if (w.index < current) this.closeWindow(name);
    return { windows: this.closed.splice(0), closedBefore: current };
  }

  /** Closes the window at `endUs` and returns everything the parent needs; frees all histograms. */
  finishForMerge(endUs: number): AgentRecording {
    const { operations, durationUs } = this.finish(endUs);
    for (const name of [...this.live.keys()]) this.closeWindow(name);
    return {
      durationUs,
      intervalUs: this.intervalUs,
      operations: operations.map((op) => {
        const r = this.reservoirs.get(op.name);
        const rec: OperationRecording = {
          name: op.name,
          count: op.count,
          errors: op.errors,
          dropped: op.dropped,
          retries: op.retries ?? 0,
          errorReasons: op.errorReasons ?? {},
          histogram: op.histogram,
          sumNs: this.latencySumNs(op.name),
          reservoir: r?.samples ?? [],
          seen: r?.seen ?? 0,
        };
        if (op.serviceHistogram !== undefined) rec.serviceHistogram = op.serviceHistogram;
        return rec;
      }),
      windows: this.closed,
    };
  }

  private window(name: string, atUs: number): LiveWindow {
    const index = Math.max(0, Math.floor((atUs - this.startUs) / this.intervalUs));
    let w = this.live.get(name);
    if (w && w.index !== index) {
      this.closeWindow(name);
      w = undefined;
    }
    if (!w) {
      w = { index, count: 0, errors: 0, histogram: LatencyHistogram.create() };
      this.live.set(name, w);
    }
    return w;
  }

  private closeWindow(name: string): void {
    const w = this.live.get(name);
    if (!w) return;
    this.live.delete(name);
    this.closed.push({ operation: name, index: w.index, count: w.count, errors: w.errors, histogram: w.histogram.encode() });
    w.histogram.destroy();
  }
}
