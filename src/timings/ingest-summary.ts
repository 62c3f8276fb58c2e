/**
 * What the CLI needs of an ingest besides running it — the error naming a file, the files that gave
 * nothing, the formats to name — apart from the ingest itself, so the thread that only starts the
 * ingest worker does not load the store, SQLite and the histograms.
 */
import type { FileIngest, IngestSummary } from './ingest.js';

/** What `tools ingest` reads, for the message when a file holds none of it. */
export const SUPPORTED_FORMATS =
  'JSON Lines, one object per line, in one of the formats: tool-timing {tool, duration_ms, end_time or timestamp, call_id, …}, ' +
  'perf-metrics {operation_type, duration_ms, timestamp}, Claude Code hook events {hook_event_name, tool_use_id, tool_name, timestamp}; ' +
  'other shapes with --map tool=FIELD,duration=FIELD,…';

/**
 * Files that had complete lines but gave nothing usable — every line invalid, none a call, a
 * duplicate or a well-formed line without timing: the wrong file rather than a log with bad lines.
 */
export function unusableFiles(s: IngestSummary): FileIngest[] {
  return s.files.filter((f) => f.invalid > 0 && f.records === 0 && f.duplicates === 0 && f.ignored === 0);
}

export class IngestFileError extends Error {
  constructor(readonly file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'IngestFileError';
  }
}

