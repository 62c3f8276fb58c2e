/**
 * The tool-timing store: <data-dir>/tools.db (SQLite).
 *
 * Calls are not kept one by one. Each (hour, tool, category, session) has one row: count, errors,
 * total and max time, and an encoded HdrHistogram of durations in µs; plus the few slowest calls
 * of that row. So the store grows with the number of hours × tools × sessions, never with the
 * number of calls: a year of one busy agent (40 tools, one session a day) is ~350 k rows at a few
 * hundred bytes each, whatever the log size.
 *
 * Also kept: an ingest cursor per log file (to read only new bytes and notice rotation), the
 * de-duplication window, and hook Pre events still waiting for their Post.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { LatencyHistogram } from '../measure/histogram.js';

export const TOOLS_DB = 'tools.db';
/** Slowest calls kept per (hour, tool, category, session) row. */
export const SLOWEST_PER_ROW = 5;
export const HOUR_US = 3_600_000_000;

export interface SlowCall {
  callId: string | null;
  durationUs: number;
  endUs: number;
  success: boolean;
}

export interface HourRow {
  hour: number;
  tool: string;
  category: string;
  session: string;
  count: number;
  errors: number;
  totalUs: number;
  maxUs: number;
  hist: string;
  /** The unit the durations were logged in, µs (1000: whole milliseconds). */
  resolutionUs: number;
}

/** What the store holds: calls, and the first and last call's end (epoch µs). */
export interface StoredSpan {
  calls: number;
  firstUs: number;
  lastUs: number;
}

export interface FileCursor {
  path: string;
  dev: number;
  ino: number;
  size: number;
  offset: number;
  lines: number;
  headLen: number;
  headHash: string;
}

export interface PendingHook {
  toolUseId: string;
  tool: string;
  session: string | null;
  atUs: number;
}

interface CursorRow {
  path: string;
  dev: number;
  ino: number;
  size: number;
  offset: number;
  lines: number;
  head_len: number;
  head_hash: string;
}

function toCursor(r: CursorRow | undefined): FileCursor | undefined {
  return r && { path: r.path, dev: r.dev, ino: r.ino, size: r.size, offset: r.offset, lines: r.lines, headLen: r.head_len, headHash: r.head_hash };
}

/**
 * The finest unit a duration was logged in, in µs: 1000 for whole milliseconds (the usual tool
 * log), 100/10/1 for finer ones. Reports show figures at this resolution, never finer.
 */
export function durationResolutionUs(durationUs: number): number {
  return durationUs % 1000 === 0 ? 1000 : durationUs % 100 === 0 ? 100 : durationUs % 10 === 0 ? 10 : 1;
}

/**
 * The durations every live aggregate has buffered, in one pool allocated once: a value and a
 * "next" link per slot, each aggregate a chain of slots, free slots a chain of their own. Buffering
 * in per-row JS arrays grew them by copying, and every outgrown copy was promoted garbage: the
 * ingest's old space grew with the log between full collections.
 */
export class DurationPool {
  private readonly values: Float64Array;
  private readonly next: Int32Array;
  /** Scratch for one aggregate's values while it is sorted and recorded. */
  private readonly scratch: Float64Array;
  private free = 0;
  used = 0;

  constructor(readonly capacity: number) {
    this.values = new Float64Array(capacity);
    this.next = new Int32Array(capacity);
    this.scratch = new Float64Array(capacity);
    // Touched up front: the pool's pages count in RSS the same whatever the log's size.
    this.values.fill(-1);
    this.scratch.fill(-1);
    this.clear();
  }

  get full(): boolean {
    return this.free === -1;
  }

  /** Adds `value` in front of the chain starting at `head`; returns the new head. Check `full` first. */
  push(head: number, value: number): number {
    const slot = this.free;
    if (slot === -1) throw new RangeError('duration pool full: merge aggregates first');
    this.free = this.next[slot] as number;
    this.values[slot] = value;
    this.next[slot] = head;
    this.used++;
    return slot;
  }

  /** The chain's values sorted ascending (a view of scratch, valid until the next call); its slots are freed. */
  takeSorted(head: number): Float64Array {
    let n = 0;
    let tail = -1;
    for (let slot = head; slot !== -1; slot = this.next[slot] as number) {
      this.scratch[n++] = this.values[slot] as number;
      tail = slot;
    }
    if (tail !== -1) {
      this.next[tail] = this.free;
      this.free = head;
      this.used -= n;
    }
    return this.scratch.subarray(0, n).sort();
  }

  /** Frees every slot (the aggregates holding chains are dropped with it). */
  clear(): void {
    for (let i = 0; i < this.capacity; i++) this.next[i] = i + 1 < this.capacity ? i + 1 : -1;
    this.free = this.capacity > 0 ? 0 : -1;
    this.used = 0;
  }
}

/**
 * One (hour, tool, category, session) being accumulated in memory before it is merged into the
 * store. Durations are buffered (in a DurationPool) and put into an HdrHistogram only at merge
 * time: recording each call into a WebAssembly histogram, and re-encoding rows whenever a bounded
 * set of live histograms overflowed, was most of the ingest's CPU on real logs (many rows, few
 * calls each).
 */
export class HourAggregate {
  count = 0;
  errors = 0;
  totalUs = 0;
  maxUs = 0;
  /** The coarsest unit all durations are whole multiples of (at most 1 ms). */
  resolutionUs = 1000;
  firstEndUs = Number.POSITIVE_INFINITY;
  lastEndUs = Number.NEGATIVE_INFINITY;
  /** Durations buffered in the pool (its chain's length) and the chain's first slot. */
  buffered = 0;
  private chain = -1;
  readonly slowest: SlowCall[] = [];

  constructor(
    readonly hour: number,
    readonly tool: string,
    readonly category: string,
    readonly session: string,
    private readonly pool: DurationPool,
  ) {}

  /** Counts one call; the pool must not be full. */
  add(durationUs: number, success: boolean, callId: string | null, endUs: number): void {
    this.count++;
    if (!success) this.errors++;
    this.totalUs += durationUs;
    if (durationUs > this.maxUs) this.maxUs = durationUs;
    if (this.resolutionUs > 1 && durationUs % this.resolutionUs !== 0) this.resolutionUs = Math.min(this.resolutionUs, durationResolutionUs(durationUs));
    if (endUs < this.firstEndUs) this.firstEndUs = endUs;
    if (endUs > this.lastEndUs) this.lastEndUs = endUs;
    this.chain = this.pool.push(this.chain, durationUs);
    this.buffered++;
    const s = this.slowest;
    if (s.length < SLOWEST_PER_ROW || durationUs > (s[s.length - 1] as SlowCall).durationUs) {
      s.push({ callId, durationUs, endUs, success });
      s.sort((a, b) => b.durationUs - a.durationUs);
      if (s.length > SLOWEST_PER_ROW) s.pop();
    }
  }

  /**
   * Records the buffered durations into `h`, equal values with one call (whole-ms logs repeat
   * values a lot), and gives their pool slots back.
   */
  recordInto(h: LatencyHistogram): void {
    const d = this.pool.takeSorted(this.chain);
    this.chain = -1;
    this.buffered = 0;
    for (let i = 0; i < d.length; ) {
      const v = d[i] as number;
      let j = i + 1;
      while (j < d.length && d[j] === v) j++;
      h.record(v, j - i);
      i = j;
    }
  }
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tool_hours (
  hour INTEGER NOT NULL,          -- epoch hour: floor(end µs / 3.6e9)
  tool TEXT NOT NULL,
  category TEXT NOT NULL,
  session TEXT NOT NULL,          -- '' when the log had no session id
  count INTEGER NOT NULL,
  errors INTEGER NOT NULL,
  total_us INTEGER NOT NULL,
  max_us INTEGER NOT NULL,
  hist TEXT NOT NULL,             -- HdrHistogram V2, compressed base64, µs
  res_us INTEGER,                 -- the unit the durations were logged in (1000: whole ms); NULL: not known (1 µs)
  PRIMARY KEY (hour, tool, category, session)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS slow_calls (
  hour INTEGER NOT NULL, tool TEXT NOT NULL, category TEXT NOT NULL, session TEXT NOT NULL,
  call_id TEXT, duration_us INTEGER NOT NULL, end_us INTEGER NOT NULL, success INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS slow_calls_row ON slow_calls (hour, tool, category, session);
-- One cursor per file identity (dev, inode), not per name: rotation renames files.
CREATE TABLE IF NOT EXISTS cursors (
  dev INTEGER NOT NULL, ino INTEGER NOT NULL, path TEXT NOT NULL, size INTEGER NOT NULL,
  offset INTEGER NOT NULL, lines INTEGER NOT NULL, head_len INTEGER NOT NULL, head_hash TEXT NOT NULL,
  updated_us INTEGER NOT NULL,
  PRIMARY KEY (dev, ino)
);
CREATE INDEX IF NOT EXISTS cursors_path ON cursors (path, updated_us);
-- The de-dup window: call ids as 64-bit hashes ("#" + 16 hex digits; plain ids in older stores).
CREATE TABLE IF NOT EXISTS recent_calls (call_id TEXT PRIMARY KEY, end_us INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS pending_hooks (
  tool_use_id TEXT PRIMARY KEY, tool TEXT NOT NULL, session TEXT, at_us INTEGER NOT NULL
) WITHOUT ROWID;
`;

const SCHEMA_VERSION = '1';

export class ToolStore {
  readonly db: Database.Database;
  private readonly getRow: Database.Statement;
  private readonly putRow: Database.Statement;
  private readonly putSlow: Database.Statement;
  private readonly trimSlow: Database.Statement;
  private readonly getMeta: Database.Statement;
  private readonly putMeta: Database.Statement;

  constructor(readonly path: string) {
    this.db = new Database(path);
    // WAL: a report can read while an ingest writes; busy_timeout: concurrent ingests wait, not fail.
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    const version = this.db.prepare('SELECT value FROM meta WHERE key = ?').get('schema') as { value: string } | undefined;
    if (!version) this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('schema', SCHEMA_VERSION);
    else if (version.value !== SCHEMA_VERSION) throw new Error(`${path}: tool store schema ${version.value}, this swarmperf reads ${SCHEMA_VERSION}`);
    // Stores written before the resolution was kept get the column (NULL: resolution unknown, 1 µs).
    const columns = this.db.prepare("SELECT name FROM pragma_table_info('tool_hours')").all() as Array<{ name: string }>;
    if (!columns.some((c) => c.name === 'res_us')) this.db.exec('ALTER TABLE tool_hours ADD COLUMN res_us INTEGER');
    this.getRow = this.db.prepare('SELECT count, errors, total_us, max_us, hist, res_us FROM tool_hours WHERE hour = ? AND tool = ? AND category = ? AND session = ?');
    this.putRow = this.db.prepare(
      'INSERT OR REPLACE INTO tool_hours (hour, tool, category, session, count, errors, total_us, max_us, hist, res_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.getMeta = this.db.prepare('SELECT value FROM meta WHERE key = ?');
    this.putMeta = this.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
    this.putSlow = this.db.prepare('INSERT INTO slow_calls (hour, tool, category, session, call_id, duration_us, end_us, success) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.trimSlow = this.db.prepare(
      `DELETE FROM slow_calls WHERE rowid IN (SELECT rowid FROM slow_calls WHERE hour = ? AND tool = ? AND category = ? AND session = ?
       ORDER BY duration_us DESC LIMIT -1 OFFSET ${SLOWEST_PER_ROW})`,
    );
  }

  static open(dataDir: string): ToolStore {
    mkdirSync(dataDir, { recursive: true });
    return new ToolStore(join(dataDir, TOOLS_DB));
  }

  /** Merges an in-memory aggregate into its stored row (call inside a transaction). */
  merge(a: HourAggregate): void {
    const old = this.getRow.get(a.hour, a.tool, a.category, a.session) as
      | { count: number; errors: number; total_us: number; max_us: number; hist: string; res_us: number | null }
      | undefined;
    const h = old ? LatencyHistogram.decode(old.hist) : LatencyHistogram.create();
    let hist: string;
    try {
      a.recordInto(h);
      hist = h.encode();
    } finally {
      h.destroy();
    }
    this.putRow.run(
      a.hour, a.tool, a.category, a.session,
      (old?.count ?? 0) + a.count,
      (old?.errors ?? 0) + a.errors,
      (old?.total_us ?? 0) + a.totalUs,
      Math.max(old?.max_us ?? 0, a.maxUs),
      hist,
      old ? Math.min(old.res_us ?? 1, a.resolutionUs) : a.resolutionUs,
    );
    for (const s of a.slowest) this.putSlow.run(a.hour, a.tool, a.category, a.session, s.callId, s.durationUs, s.endUs, s.success ? 1 : 0);
    if (old) this.trimSlow.run(a.hour, a.tool, a.category, a.session);
    this.widenSpan(a.firstEndUs, a.lastEndUs);
  }

  /** Keeps the first and last call's end instant in meta (the report's default window ends at the last). */
  private widenSpan(firstUs: number, lastUs: number): void {
    if (!Number.isFinite(firstUs) || !Number.isFinite(lastUs)) return;
    const first = this.getMeta.get('first_call_us') as { value: string } | undefined;
    const last = this.getMeta.get('last_call_us') as { value: string } | undefined;
    if (!first || firstUs < Number(first.value)) this.putMeta.run('first_call_us', String(firstUs));
    if (!last || lastUs > Number(last.value)) this.putMeta.run('last_call_us', String(lastUs));
  }

  /**
   * How many calls are stored and when the first and last ended; undefined for an empty store.
   * Stores from before the instants were kept fall back to the hours (start of the first, end of the last).
   */
  span(): StoredSpan | undefined {
    const r = this.db.prepare('SELECT SUM(count) AS calls, MIN(hour) AS first, MAX(hour) AS last FROM tool_hours').get() as { calls: number | null; first: number | null; last: number | null };
    if (r.calls === null || r.first === null || r.last === null) return undefined;
    const first = this.getMeta.get('first_call_us') as { value: string } | undefined;
    const last = this.getMeta.get('last_call_us') as { value: string } | undefined;
    return { calls: r.calls, firstUs: first ? Number(first.value) : r.first * HOUR_US, lastUs: last ? Number(last.value) : (r.last + 1) * HOUR_US - 1 };
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** The cursor of the file last read under this name (it may since have been rotated away). */
  getCursorByPath(path: string): FileCursor | undefined {
    return toCursor(this.db.prepare('SELECT * FROM cursors WHERE path = ? ORDER BY updated_us DESC LIMIT 1').get(path) as CursorRow | undefined);
  }

  getCursorByInode(dev: number, ino: number): FileCursor | undefined {
    return toCursor(this.db.prepare('SELECT * FROM cursors WHERE dev = ? AND ino = ?').get(dev, ino) as CursorRow | undefined);
  }

  putCursor(c: FileCursor, nowUs: number): void {
    this.db
      .prepare('INSERT OR REPLACE INTO cursors (dev, ino, path, size, offset, lines, head_len, head_hash, updated_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(c.dev, c.ino, c.path, c.size, c.offset, c.lines, c.headLen, c.headHash, nowUs);
  }

  /** Cursors of files not seen for `ageUs` are forgotten (their inodes may be reused). */
  pruneCursors(olderThanUs: number): void {
    this.db.prepare('DELETE FROM cursors WHERE updated_us < ?').run(olderThanUs);
  }

  loadRecentCalls(): Array<[string, number]> {
    return (this.db.prepare('SELECT call_id, end_us FROM recent_calls ORDER BY end_us').all() as Array<{ call_id: string; end_us: number }>).map((r) => [r.call_id, r.end_us]);
  }

  saveRecentCalls(entries: Iterable<[string, number]>): void {
    this.db.prepare('DELETE FROM recent_calls').run();
    const put = this.db.prepare('INSERT OR REPLACE INTO recent_calls (call_id, end_us) VALUES (?, ?)');
    for (const [id, end] of entries) put.run(id, end);
  }

  loadPendingHooks(): PendingHook[] {
    return (this.db.prepare('SELECT tool_use_id, tool, session, at_us FROM pending_hooks ORDER BY at_us').all() as Array<{ tool_use_id: string; tool: string; session: string | null; at_us: number }>).map(
      (r) => ({ toolUseId: r.tool_use_id, tool: r.tool, session: r.session, atUs: r.at_us }),
    );
  }

  savePendingHooks(pending: Iterable<PendingHook>): void {
    this.db.prepare('DELETE FROM pending_hooks').run();
    const put = this.db.prepare('INSERT OR REPLACE INTO pending_hooks (tool_use_id, tool, session, at_us) VALUES (?, ?, ?, ?)');
    for (const p of pending) put.run(p.toolUseId, p.tool, p.session, p.atUs);
  }

  /** Rows whose hour lies in [fromHour, toHour]. */
  rows(fromHour: number, toHour: number): HourRow[] {
    return (
      this.db
        .prepare('SELECT hour, tool, category, session, count, errors, total_us, max_us, hist, res_us FROM tool_hours WHERE hour >= ? AND hour <= ? ORDER BY hour')
        .all(fromHour, toHour) as Array<{ hour: number; tool: string; category: string; session: string; count: number; errors: number; total_us: number; max_us: number; hist: string; res_us: number | null }>
    ).map((r) => ({ hour: r.hour, tool: r.tool, category: r.category, session: r.session, count: r.count, errors: r.errors, totalUs: r.total_us, maxUs: r.max_us, hist: r.hist, resolutionUs: r.res_us ?? 1 }));
  }

  slowCalls(fromHour: number, toHour: number, limit: number): Array<SlowCall & { tool: string; category: string; session: string }> {
    return (
      this.db
        .prepare('SELECT tool, category, session, call_id, duration_us, end_us, success FROM slow_calls WHERE hour >= ? AND hour <= ? ORDER BY duration_us DESC LIMIT ?')
        .all(fromHour, toHour, limit) as Array<{ tool: string; category: string; session: string; call_id: string | null; duration_us: number; end_us: number; success: number }>
    ).map((r) => ({ tool: r.tool, category: r.category, session: r.session, callId: r.call_id, durationUs: r.duration_us, endUs: r.end_us, success: r.success === 1 }));
  }

  /** The first and last hour with data, or undefined for an empty store. */
  hourRange(): { first: number; last: number } | undefined {
    const r = this.db.prepare('SELECT MIN(hour) AS first, MAX(hour) AS last FROM tool_hours').get() as { first: number | null; last: number | null };
    return r.first === null || r.last === null ? undefined : { first: r.first, last: r.last };
  }

  close(): void {
    this.db.close();
  }
}
