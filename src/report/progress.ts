/**
 * Progress on stderr while a run goes: a live line redrawn in place on a TTY (elapsed/ETA, ops/s,
 * p99 so far), plain periodic lines otherwise (CI logs), nothing with --quiet. It is an Output of
 * the run (progressOutput): the run session feeds it live progress and log lines.
 */
import type { Output, ProgressSink, ProgressUpdate } from '../core/events.js';
import { formatRate, formatUs } from '../core/units.js';
import { silentProgress } from '../runner/phase.js';

export type { ProgressSink, ProgressUpdate } from '../core/events.js';
export { silentProgress };

/**
 * The time part of a progress line. Before the measured phase (a warmup still running) the elapsed
 * time is negative: say when measuring starts. Past the planned end (in-flight operations
 * draining, agents reporting) say so instead of "eta 0".
 */
function timePart(u: ProgressUpdate): string {
  if (u.elapsedUs < 0) return `measuring starts in ${formatUs(-u.elapsedUs)}`;
  if (u.plannedUs === undefined) return formatUs(u.elapsedUs);
  const left = u.plannedUs - u.elapsedUs;
  return left > 0 ? `${formatUs(u.elapsedUs)} eta ${formatUs(left)}` : `${formatUs(u.plannedUs)} · finishing`;
}

export function formatProgress(u: ProgressUpdate): string {
  const seconds = u.elapsedUs / 1e6;
  const rate = seconds > 0 ? u.totalCount / seconds : 0;
  const worstP99 = u.operations.reduce((m, o) => Math.max(m, o.p99Us), 0);
  const errors = u.operations.reduce((a, o) => a + o.errors, 0);
  const dropped = u.operations.reduce((a, o) => a + o.dropped, 0);
  const bad = `${errors > 0 ? ` errors ${errors}` : ''}${dropped > 0 ? ` dropped ${dropped}` : ''}`;
  const p99 = u.totalCount > 0 ? ` · p99 ${formatUs(worstP99)}` : '';
  return `${u.label}: ${timePart(u)} · ${u.totalCount} ops · ${formatRate(rate)}${p99}${bad}`;
}

export function createProgress(options: { quiet: boolean; stream?: NodeJS.WriteStream; plainEveryMs?: number; now?: () => number }): ProgressSink {
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
  return plainProgress(stream, options.plainEveryMs ?? 5000, options.now ?? Date.now);
}

/**
 * Without a TTY (CI logs): one line every `everyMs` once something was measured, and the last
 * figures when a phase ends — so even a run shorter than `everyMs` shows its real counts, never a
 * lone "0 ops" line from its first instant.
 */
function plainProgress(stream: NodeJS.WritableStream, everyMs: number, now: () => number): ProgressSink {
  let lastPrinted = now();
  let pending: ProgressUpdate | undefined;
  const print = (u: ProgressUpdate): void => {
    stream.write(formatProgress(u) + '\n');
    lastPrinted = now();
    pending = undefined;
  };
  return {
    update(u) {
      // Warmup lines are noise in a log; the measured phase is what a reader looks for.
      if (u.elapsedUs < 0 || u.label.endsWith('(warmup)')) return;
      pending = u;
      if (u.totalCount > 0 && now() - lastPrinted >= everyMs) print(u);
    },
    log(line) {
      stream.write(line + '\n');
    },
    done() {
      if (pending) print(pending);
    },
  };
}

/** The progress display as an output of a run: live progress, log lines, phase ends. */
export function progressOutput(sink: ProgressSink): Output {
  return {
    name: 'progress',
    progress: (e) => sink.update(e),
    log: (line) => sink.log(line),
    progressDone: () => sink.done(),
  };
}
