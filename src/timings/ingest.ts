/**
 * Streaming, incremental ingest of tool-timing logs into the store.
 *
 * Reading: fixed 4 MiB buffer, synchronous reads (the store is synchronous too, and nothing else
 * runs meanwhile), split on '\n' bytes; each run of complete lines is decoded to a string once.
 * No readline: it allocates per line and costs several times more. Memory is constant whatever
 * the file size: the buffer, ≤ 50 000 live hour rows with ≤ 1 M buffered durations (plain
 * numbers, put into HdrHistograms only when merged into the store), the de-dup window and ≤ 1000
 * listed invalid lines.
 *
 * Incremental: a cursor per file keeps (dev, inode, size, offset, lines, hash of the first bytes).
 * A grown file is read from the offset. A different inode at the path means the file was rotated:
 * the rest of the old file is read first if it can still be found next to it (same inode), then
 * the new file from 0. A file smaller than the offset was truncated; a changed head hash means it
 * was replaced; both are read from 0. Cursor and data commit in one transaction every 256 MiB, so an
 * interrupted ingest keeps what it committed and never counts a line twice.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { IngestFileError, type FileIngest, type FileState, type IngestSummary, type InvalidLine } from './ingest-summary.js';
import { DEFAULT_DEDUPE_MAX_IDS, DEFAULT_DEDUPE_WINDOW_US, RecentCallIds } from './dedupe.js';
import { categorize, DEFAULT_MAX_DURATION_US, parseLine, type FieldMap, type ParseOptions, type ToolCall } from './formats.js';
import { DurationPool, HOUR_US, HourAggregate, ToolStore, type FileCursor, type PendingHook } from './store.js';

export interface IngestOptions {
  dataDir: string;
  /** A field map for logs in none of the known formats (applies to every line). */
  map?: FieldMap;
  maxDurationUs?: number;
  dedupeWindowUs?: number;
  dedupeMaxIds?: number;
  /** Longer lines are rejected without being held in memory. */
  maxLineBytes?: number;
  /** Invalid lines listed one by one (all are counted). */
  maxInvalidListed?: number;
  commitEveryBytes?: number;
  /** Hook Pre events waiting for their Post, at most (oldest dropped). */
  maxPendingHooks?: number;
  nowUs?: () => number;
}

export { IngestFileError, type FileIngest, type IngestSummary, type InvalidLine } from './ingest-summary.js';

/**
 * Bytes read (and decoded to one string) at a time. Below V8's large-object size (128 KiB), the
 * decoded text lives and dies in the young generation: 1–4 MiB strings went to the large-object
 * space, which only a full GC sweeps, and peak RSS grew with the input (+35 MB from 50 to 200 MB).
 */
const READ_BYTES = 96 * 1024;
/** The buffer: a read, plus the start of a line carried over (up to the longest line kept). */
const CHUNK = 1024 * 1024;
/**
 * Data and cursor commit together this often. Each commit merges every live row into its stored
 * histogram (decode, add, encode), so fewer commits is less CPU on logs with many rows; an
 * interrupted ingest redoes at most this much.
 */
const COMMIT_EVERY_BYTES = 256 * 1024 * 1024;
const HEAD_BYTES = 4096;
/**
 * Live rows and buffered durations are bounded (a log with a new session on every line must not
 * grow memory): past the row bound every row is merged into the store early (~300 B per row:
 * ≤ ~15 MB). Past the duration bound only the rows holding the most durations are merged, until
 * half the budget is free: a few large rows hold most calls, so this costs a handful of merges per
 * budget's worth of calls. The pool is allocated and touched once (128 k durations, 2.6 MB), so
 * the peak no longer grows with the log (per-row arrays with a budget of 1 M did: +5.5 MB of large
 * arrays from 50 to 200 MB). A smaller budget costs CPU: at 32 k, merging early took the ingest of
 * a 204 MB real-shaped log from ~2.4 to ~3.2 s CPU (each merge decodes and re-encodes a histogram).
 */
const MAX_LIVE_ROWS = 50_000;
const MAX_BUFFERED_DURATIONS = 131_072;
/** Cursors of files unseen this long are dropped: the inode may have been reused meanwhile. */
const CURSOR_TTL_US = 90 * 24 * 3_600_000_000;

/** Every complete line read is exactly one of: a call kept, a duplicate, invalid, ignored or blank. */
type Counters = Pick<FileIngest, 'lines' | 'records' | 'duplicates' | 'invalid' | 'ignored' | 'blank' | 'unterminatedBytes' | 'bytes'>;

/** Ingests each file (only its new bytes); returns what was read, kept and rejected. */
export function ingestToolLogs(paths: readonly string[], opts: IngestOptions): IngestSummary {
  const started = process.hrtime.bigint();
  // Check every file first: a typo in the 3rd name should not leave the first two half-done.
  const files = paths.map((p) => {
    const abs = resolve(p);
    let st;
    try {
      st = statSync(abs);
    } catch (err) {
      throw new IngestFileError(p, (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message);
    }
    if (!st.isFile()) throw new IngestFileError(p, 'not a regular file');
    return abs;
  });
  const store = ToolStore.open(opts.dataDir);
  try {
    return new Ingestor(store, opts, started).run(files);
  } finally {
    store.close();
  }
}

class Ingestor {
  private readonly parseOpts: ParseOptions;
  private readonly recent: RecentCallIds;
  private readonly pending = new Map<string, PendingHook>();
  /** Live aggregates, tool → category → session → hour; nested so no key string is built per call. */
  private readonly aggs = new Map<string, Map<string, Map<string, Map<number, HourAggregate>>>>();
  private liveAggs = 0;
  private readonly durations = new DurationPool(MAX_BUFFERED_DURATIONS);
  private lastAgg: HourAggregate | undefined;
  private readonly invalid: InvalidLine[] = [];
  private readonly invalidByReason: Record<string, number> = {};
  private invalidCount = 0;
  private readonly maxLine: number;
  private readonly maxListed: number;
  private readonly commitEvery: number;
  private readonly maxPending: number;
  private readonly nowUs: () => number;
  private c: Counters = zero();
  private file = '';

  constructor(
    private readonly store: ToolStore,
    opts: IngestOptions,
    private readonly started: bigint,
  ) {
    this.parseOpts = { maxDurationUs: opts.maxDurationUs ?? DEFAULT_MAX_DURATION_US, ...(opts.map ? { map: opts.map } : {}) };
    this.recent = new RecentCallIds(opts.dedupeWindowUs ?? DEFAULT_DEDUPE_WINDOW_US, opts.dedupeMaxIds ?? DEFAULT_DEDUPE_MAX_IDS);
    this.maxLine = opts.maxLineBytes ?? 1024 * 1024;
    this.maxListed = opts.maxInvalidListed ?? 1000;
    this.commitEvery = opts.commitEveryBytes ?? COMMIT_EVERY_BYTES;
    this.maxPending = opts.maxPendingHooks ?? 10_000;
    this.nowUs = opts.nowUs ?? (() => Date.now() * 1000);
    for (const [id, end] of store.loadRecentCalls()) this.recent.restore(id, end);
    store.pruneCursors(this.nowUs() - CURSOR_TTL_US);
    for (const p of store.loadPendingHooks()) this.pending.set(p.toolUseId, p);
  }

  run(paths: string[]): IngestSummary {
    const results: FileIngest[] = [];
    try {
      for (const p of paths) results.push(...this.ingestPath(p));
    } finally {
      this.dropAggregates();
    }
    const sum = (k: keyof Counters): number => results.reduce((s, r) => s + (r[k] as number), 0);
    return {
      files: results,
      bytes: sum('bytes'),
      lines: sum('lines'),
      records: sum('records'),
      duplicates: sum('duplicates'),
      invalidCount: this.invalidCount,
      invalid: this.invalid,
      invalidByReason: this.invalidByReason,
      ignored: sum('ignored'),
      blank: sum('blank'),
      unterminatedBytes: sum('unterminatedBytes'),
      pendingHooks: this.pending.size,
      elapsedUs: Number((process.hrtime.bigint() - this.started) / 1000n),
    };
  }

  private ingestPath(path: string): FileIngest[] {
    let rotated: FileIngest[] = [];
    const fd = openSync(path, 'r');
    try {
      const st = fstatSync(fd);
      // The file last read under this name is another inode now: it was rotated away. Read
      // what was appended to it after our last ingest, if it still lies next to this one.
      const byPath = this.store.getCursorByPath(path);
      if (byPath && (byPath.dev !== st.dev || byPath.ino !== st.ino)) rotated = this.finishRotated(path, byPath);
      const own = this.store.getCursorByInode(st.dev, st.ino);
      let cursor: FileCursor | undefined;
      let state: FileState;
      if (!own) state = byPath ? 'rotated' : 'new';
      else if (st.size < own.offset) state = 'truncated';
      else if (headHash(fd, own.headLen) !== own.headHash) state = 'replaced';
      else {
        cursor = own;
        state = own.path !== path ? 'renamed' : st.size === own.offset ? 'unchanged' : 'grown';
      }
      const r = this.readFrom(fd, path, st.dev, st.ino, cursor?.offset ?? 0, cursor?.lines ?? 0);
      return [...rotated, { path, state, ...r }];
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Finds the inode of `old` among the files next to `path` whose names start with its name
   * (logrotate's path.1, path-20260102, our own path.N) and reads it from the cursor on.
   */
  private finishRotated(path: string, old: FileCursor): FileIngest[] {
    const dir = dirname(path);
    const base = basename(path);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return [];
    }
    for (const n of names) {
      if (n === base || !n.startsWith(base)) continue;
      const candidate = join(dir, n);
      let fd: number;
      try {
        fd = openSync(candidate, 'r');
      } catch {
        continue;
      }
      try {
        const st = fstatSync(fd);
        if (st.dev !== old.dev || st.ino !== old.ino) continue;
        if (st.size < old.offset || headHash(fd, old.headLen) !== old.headHash) return [];
        const r = this.readFrom(fd, candidate, st.dev, st.ino, old.offset, old.lines);
        return [{ path: candidate, state: r.bytes > 0 ? 'grown' : 'unchanged', rotatedTo: candidate, ...r }];
      } finally {
        closeSync(fd);
      }
    }
    return [];
  }

  /**
   * Reads fd from `offset` to its end, committing data and cursor together every commitEvery bytes.
   * The cursor never passes a line that has no newline yet (a writer may be mid-line): such a tail
   * is reported as unterminated and read again by the next ingest — also when it is over-long.
   */
  private readFrom(fd: number, path: string, dev: number, ino: number, offset: number, startLine: number): Omit<FileIngest, 'path' | 'state'> {
    this.c = zero();
    this.file = path;
    const store = this.store;
    const buf = Buffer.allocUnsafe(Math.max(CHUNK, this.maxLine + 1));
    // A UTF-8 byte order mark at the start of the file is not part of line 1.
    const start = offset === 0 && startsWithBom(fd) ? BOM.length : offset;
    let carry = 0; // bytes at buf[0..carry) belong to a line not yet complete
    let base = start; // file offset of buf[0]
    let pos = start; // file offset of the next read
    let line = startLine;
    let skipFrom = -1; // ≥ 0: inside an over-long line that began at this offset; discard until its newline
    let sinceCommit = 0;
    const commit = (toOffset: number, toLine: number): void => {
      this.flushAggregates();
      store.putCursor({ path, dev, ino, size: toOffset, offset: toOffset, lines: toLine, headLen: Math.min(HEAD_BYTES, toOffset), headHash: headHash(fd, Math.min(HEAD_BYTES, toOffset)) }, this.nowUs());
      store.saveRecentCalls(this.recent.entries());
      store.savePendingHooks(this.pending.values());
      store.db.exec('COMMIT');
      sinceCommit = 0;
      store.db.exec('BEGIN IMMEDIATE');
    };
    store.db.exec('BEGIN IMMEDIATE');
    try {
      for (;;) {
        const n = readSync(fd, buf, carry, Math.min(READ_BYTES, buf.length - carry), pos);
        if (n === 0) break;
        pos += n;
        this.c.bytes += n;
        sinceCommit += n;
        const end = carry + n;
        const lastNl = buf.lastIndexOf(10, end - 1);
        if (lastNl < 0) {
          if (skipFrom < 0 && end > this.maxLine) skipFrom = base;
          if (skipFrom >= 0) {
            carry = 0;
            base = pos;
          } else carry = end;
          continue;
        }
        let s = 0;
        if (skipFrom >= 0) {
          s = buf.indexOf(10) + 1;
          line++;
          this.c.lines++;
          this.reject(line, `line longer than ${this.maxLine} bytes`);
          skipFrom = -1;
        }
        if (s <= lastNl) line = this.processLines(buf.toString('utf8', s, lastNl), line);
        buf.copy(buf, 0, lastNl + 1, end);
        carry = end - lastNl - 1;
        base += lastNl + 1;
        if (sinceCommit >= this.commitEvery) commit(base, line);
      }
      let endOffset = base + carry;
      if (skipFrom >= 0) {
        // An over-long line still without its newline: stay before it, so that once the writer
        // ends it, it is one invalid line with the right number rather than a tail read as a new line.
        this.c.unterminatedBytes = endOffset - skipFrom;
        endOffset = skipFrom;
      } else if (carry > 0) {
        const text = buf.toString('utf8', 0, carry);
        if (text.trim() === '') {
          line++;
          this.c.lines++;
          this.c.blank++;
        } else {
          const parsed = parseLine(text, this.parseOpts);
          if (parsed.kind === 'invalid' && parsed.reason.startsWith('invalid JSON')) {
            // Most likely a line still being written: leave the cursor before it so the next
            // ingest reads it once complete. Not counted as a line (it will be, once complete).
            this.c.unterminatedBytes = carry;
            endOffset = base;
          } else {
            line++;
            this.c.lines++;
            this.handle(parsed, line);
          }
        }
      }
      commit(endOffset, line);
      store.db.exec('COMMIT');
      return { fromOffset: offset, toOffset: endOffset, ...this.c };
    } catch (err) {
      if (store.db.inTransaction) store.db.exec('ROLLBACK');
      this.dropAggregates();
      throw err;
    }
  }

  /** Processes complete lines (text has no trailing newline); returns the last line number. */
  private processLines(text: string, line: number): number {
    let start = 0;
    const len = text.length;
    for (;;) {
      let nl = text.indexOf('\n', start);
      if (nl < 0) nl = len;
      line++;
      this.c.lines++;
      if (nl - start > this.maxLine) this.reject(line, `line longer than ${this.maxLine} bytes`);
      else if (nl > start) {
        const t = text.slice(start, nl);
        // Blank (whitespace-only) lines are not data and not errors; test the first char before trimming.
        const c = t.charCodeAt(0);
        if (!((c === 32 || c === 9 || c === 13) && t.trim() === '')) this.handle(parseLine(t, this.parseOpts), line);
        else this.c.blank++;
      } else this.c.blank++;
      if (nl >= len) return line;
      start = nl + 1;
    }
  }

  private handle(p: ReturnType<typeof parseLine>, line: number): void {
    switch (p.kind) {
      case 'call':
        this.accept(p.call);
        return;
      case 'ignored':
        this.c.ignored++;
        return;
      case 'invalid':
        this.reject(line, p.reason);
        return;
      case 'hook': {
        const e = p.event;
        if (e.phase === 'pre') {
          // Several hook instances may log the same Pre: the first is the earliest.
          if (!this.pending.has(e.toolUseId)) {
            this.pending.set(e.toolUseId, { toolUseId: e.toolUseId, tool: e.tool, session: e.sessionId, atUs: e.atUs });
            if (this.pending.size > this.maxPending) this.pending.delete(this.pending.keys().next().value as string);
          }
          this.c.ignored++;
          return;
        }
        const pre = this.pending.get(e.toolUseId);
        if (!pre) {
          if (this.recent.has(e.toolUseId)) this.c.duplicates++;
          else this.reject(line, `${e.phase === 'post' ? 'PostToolUse' : 'PostToolUseFailure'} for tool_use_id ${e.toolUseId} without a PreToolUse`);
          return;
        }
        this.pending.delete(e.toolUseId);
        const dur = e.atUs - pre.atUs;
        if (dur < 0) {
          this.reject(line, `PostToolUse for ${e.toolUseId} logged before its PreToolUse`);
          return;
        }
        if (dur > this.parseOpts.maxDurationUs) {
          this.reject(line, `absurd duration ${dur / 1000} ms between PreToolUse and PostToolUse`);
          return;
        }
        this.accept({ tool: pre.tool, category: categorize(pre.tool), callId: e.toolUseId, sessionId: pre.session ?? e.sessionId, endUs: e.atUs, durationUs: dur, success: e.success });
      }
    }
  }

  private accept(call: ToolCall): void {
    if (call.callId !== null && this.recent.seen(call.callId, call.endUs)) {
      this.c.duplicates++;
      return;
    }
    this.c.records++;
    if (this.liveAggs >= MAX_LIVE_ROWS) this.flushAggregates();
    else if (this.durations.full) this.flushLargestAggregates(MAX_BUFFERED_DURATIONS / 2);
    const hour = Math.floor(call.endUs / HOUR_US);
    const session = call.sessionId ?? '';
    // Calls come in runs of the same tool, session and hour: try the last row before four map lookups.
    const last = this.lastAgg;
    const a = last !== undefined && last.hour === hour && last.tool === call.tool && last.session === session && last.category === call.category ? last : this.aggregateFor(call.tool, call.category, session, hour);
    this.lastAgg = a;
    a.add(call.durationUs, call.success, call.callId, call.endUs);
  }

  private aggregateFor(tool: string, category: string, session: string, hour: number): HourAggregate {
    let byCategory = this.aggs.get(tool);
    if (!byCategory) this.aggs.set(tool, (byCategory = new Map()));
    let bySession = byCategory.get(category);
    if (!bySession) byCategory.set(category, (bySession = new Map()));
    let byHour = bySession.get(session);
    if (!byHour) bySession.set(session, (byHour = new Map()));
    let a = byHour.get(hour);
    if (!a) {
      a = new HourAggregate(hour, tool, category, session, this.durations);
      byHour.set(hour, a);
      this.liveAggs++;
    }
    return a;
  }

  private *liveAggregates(): Generator<HourAggregate> {
    for (const byCategory of this.aggs.values()) for (const bySession of byCategory.values()) for (const byHour of bySession.values()) yield* byHour.values();
  }

  private flushAggregates(): void {
    for (const a of this.liveAggregates()) this.store.merge(a);
    this.dropAggregates();
  }

  /** Merges the rows with the most buffered durations until at most `keep` durations stay buffered. */
  private flushLargestAggregates(keep: number): void {
    const byDurations = [...this.liveAggregates()].sort((x, y) => y.buffered - x.buffered);
    for (const a of byDurations) {
      if (this.durations.used <= keep) break;
      this.store.merge(a);
      this.aggs.get(a.tool)?.get(a.category)?.get(a.session)?.delete(a.hour);
      this.liveAggs--;
    }
    this.lastAgg = undefined;
  }

  private dropAggregates(): void {
    this.lastAgg = undefined;
    this.aggs.clear();
    this.liveAggs = 0;
    this.durations.clear();
  }

  private reject(line: number, reason: string): void {
    this.c.invalid++;
    this.invalidCount++;
    if (this.invalid.length < this.maxListed) this.invalid.push({ file: this.file, line, reason });
    // Group by the reason's kind (its text up to the first value), for a short summary.
    const kind = reason.replace(/[:("].*$/, '').replace(/\s[-\d.]+.*$/, '').trim();
    this.invalidByReason[kind] = (this.invalidByReason[kind] ?? 0) + 1;
  }
}

function zero(): Counters {
  return { lines: 0, records: 0, duplicates: 0, invalid: 0, ignored: 0, blank: 0, unterminatedBytes: 0, bytes: 0 };
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

function startsWithBom(fd: number): boolean {
  const b = Buffer.alloc(BOM.length);
  return readSync(fd, b, 0, b.length, 0) === b.length && b.equals(BOM);
}

function headHash(fd: number, len: number): string {
  const b = Buffer.alloc(len);
  let got = 0;
  while (got < len) {
    const n = readSync(fd, b, got, len - got, got);
    if (n === 0) break;
    got += n;
  }
  return createHash('sha256').update(b.subarray(0, got)).digest('hex');
}
