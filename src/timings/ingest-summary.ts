/**
 * What the CLI needs of an ingest besides running it — the summary's shape, the error naming a
 * file, the files that gave nothing, the formats to name — apart from the ingest itself, so the
 * thread that only starts the ingest worker does not load the store, SQLite and the histograms.
 */
export interface InvalidLine {
  file: string;
  line: number;
  reason: string;
}

export type FileState = 'new' | 'grown' | 'unchanged' | 'rotated' | 'truncated' | 'replaced' | 'renamed';

export interface FileIngest {
  path: string;
  state: FileState;
  /** Where the rest of a rotated file was found and read from, if it was. */
  rotatedTo?: string;
  fromOffset: number;
  toOffset: number;
  bytes: number;
  lines: number;
  records: number;
  duplicates: number;
  invalid: number;
  ignored: number;
  /** Blank (whitespace-only) lines: neither data nor errors. */
  blank: number;
  /** Bytes of a last line without its newline (a writer mid-line), left for the next ingest; 0 if none. */
  unterminatedBytes: number;
}

export interface IngestSummary {
  files: FileIngest[];
  bytes: number;
  lines: number;
  /** Distinct calls kept. */
  records: number;
  duplicates: number;
  invalidCount: number;
  invalid: InvalidLine[];
  invalidByReason: Record<string, number>;
  /** Well-formed lines without timing (e.g. SessionStart hook events). */
  ignored: number;
  /** lines = records + duplicates + invalidCount + ignored + blank. */
  blank: number;
  /** Bytes of unterminated last lines left for the next ingest (not counted in lines). */
  unterminatedBytes: number;
  /** Hook Pre events still waiting for their Post (kept for the next ingest). */
  pendingHooks: number;
  elapsedUs: number;
}

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

