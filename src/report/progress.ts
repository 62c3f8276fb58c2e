/**
 * Progress on stderr while a run goes: a live line redrawn in place on a TTY (elapsed/ETA, ops/s,
 * p99 so far), plain periodic lines otherwise (CI logs), nothing with --quiet.
 */
import type { ProgressSnapshot } from '../measure/recorder.js';
import { formatRate, formatUs } from '../core/units.js';

export interface ProgressUpdate extends ProgressSnapshot {
  /** What is running, e.g. "tasks (sqlite, 4 agents)" or "warmup". */
  label: string;
  /** Planned measured duration, µs, for the ETA. */
  plannedUs?: number;
}

export interface ProgressSink {
  update(u: ProgressUpdate): void;
  /** A line of its own (phase changes, notes); never interleaves with the live line. */
  log(line: string): void;
  /** Clears the live line. */
  done(): void;
}

export const silentProgress: ProgressSink = { update() {}, log() {}, done() {} };

export function formatProgress(u: ProgressUpdate): string {
  const seconds = u.elapsedUs / 1e6;
  const rate = seconds > 0 ? u.totalCount / seconds : 0;
  const worstP99 = u.operations.reduce((m, o) => Math.max(m, o.p99Us), 0);
  const errors = u.operations.reduce((a, o) => a + o.errors, 0);
  const dropped = u.operations.reduce((a, o) => a + o.dropped, 0);
  const eta = u.plannedUs !== undefined ? ` eta ${formatUs(Math.max(0, u.plannedUs - u.elapsedUs))}` : '';
  const bad = `${errors > 0 ? ` errors ${errors}` : ''}${dropped > 0 ? ` dropped ${dropped}` : ''}`;
  return `${u.label}: ${formatUs(u.elapsedUs)}${eta} · ${u.totalCount} ops · ${formatRate(rate)} · p99 ${formatUs(worstP99)}${bad}`;
}

export function createProgress(options: { quiet: boolean; stream?: NodeJS.WriteStream; plainEveryMs?: number }): ProgressSink {
  if (options.quiet) return silentProgress;
  const stream = options.stream ?? process.stderr;
  if (stream.isTTY) {
    let live = false;
    const clear = (): void => {
      if (live) stream.write('\r\x1b[2K');
      live = false;
    };
    return {
      update(u) {
        const line = formatProgress(u);
        const width = stream.columns ?? 120;
        stream.write(`\r\x1b[2K${line.slice(0, width - 1)}`);
        live = true;
      },
      log(line) {
        clear();
        stream.write(line + '\n');
      },
      done: clear,
    };
  }
  const every = options.plainEveryMs ?? 5000;
  let last = 0;
  return {
    update(u) {
      const now = Date.now();
      if (now - last < every) return;
      last = now;
      stream.write(formatProgress(u) + '\n');
    },
    log(line) {
      stream.write(line + '\n');
    },
    done() {},
  };
}
