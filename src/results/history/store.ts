/**
 * The history store: one SQLite file that every command writes and every analysis reads. Runs are
 * kept whole (the RunResult JSON, so nothing is lost and old runs re-render with new renderers)
 * beside an index of metric values (so trends read one metric across a thousand runs without
 * parsing a thousand documents).
 *
 * Concurrency: WAL journal, a busy timeout and BEGIN IMMEDIATE for every write, so two runs
 * finishing at the same moment both land (the second waits for the first's lock instead of failing).
 * Safety: a file that is not ours (foreign SQLite, not SQLite, corrupt, from a newer swarmperf) is
 * refused with an error naming it, and never written to.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { extractMetrics } from '../metrics.js';
import { parseRunResult, type EnvFingerprint, type RunResult } from '../../core/result.js';
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION } from './migrations.js';

/** A problem with the history file itself (foreign, corrupt, newer, unreadable). */
export class HistoryError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'HistoryError';
  }
}

/** A run reference (id, prefix, latest~N) that names no run or more than one. */
export class HistoryRefError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HistoryRefError';
  }
}

/** One line of the history: what listing and filtering need, without the whole result. */
export interface RunSummary {
  id: string;
  startedAt: string;
  finishedAt: string;
  partial: boolean;
  command?: string;
  suites: string[];
  gitSha?: string;
  gitBranch?: string;
  /** Short hash of the machine fingerprint: runs with equal envHash ran on comparable machines. */
  envHash: string;
  tags: Record<string, string>;
}

export interface ListOptions {
  /** Only runs started at or after this time. */
  since?: Date;
  /** Only the most recent `limit` runs (still returned oldest first). */
  limit?: number;
  /** Only runs whose suite list equals this one (order ignored). */
  suites?: readonly string[];
  /** Only runs carrying all these tags. */
  tags?: Record<string, string>;
}

export interface SeriesPoint {
  runId: string;
  /** The run's startedAt (ISO 8601). */
  at: string;
  value: number;
}

export interface RecordOutcome {
  id: string;
  /** False when a run with this id was already in the history (import of the same file twice). */
  inserted: boolean;
}

export interface OpenOptions {
  /** Fail with HistoryError instead of creating the file when it does not exist. */
  mustExist?: boolean;
  /** Busy timeout in ms for waiting on another writer (default 15 s). */
  busyTimeoutMs?: number;
}

const SQLITE_MAGIC = 'SQLite format 3\0';

export function defaultHistoryPath(dataDir: string): string {
  return join(dataDir, 'history.db');
}

/**
 * The history file a command should use, from its raw options: `--history FILE`, else
 * <data-dir>/history.db; undefined for `--no-history` (commander gives history: false).
 */
export function historyPathFromOptions(options: Record<string, unknown>, dataDir: string): string | undefined {
  const h = options.history;
  if (h === false) return undefined;
  if (typeof h === 'string' && h !== '') return resolve(h);
  return defaultHistoryPath(dataDir);
}

/** Short, stable hash of the parts of the environment that make runs comparable. */
export function envHash(env: EnvFingerprint): string {
  const key = [env.os, env.arch, env.cpuModel, env.cores, env.memoryBytes, env.hostname, env.node].join('|');
  return createHash('sha256').update(key).digest('hex').slice(0, 12);
}

function canonicalSuites(suites: readonly string[]): string {
  return [...suites].sort().join(',');
}

interface RunRow {
  id: string;
  started_at: string;
  finished_at: string;
  partial: number;
  command: string | null;
  suites: string;
  git_sha: string | null;
  git_branch: string | null;
  env_hash: string;
  tags: string;
}

function toSummary(r: RunRow): RunSummary {
  const s: RunSummary = {
    id: r.id,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    partial: r.partial === 1,
    suites: r.suites === '' ? [] : r.suites.split(','),
    envHash: r.env_hash,
    tags: JSON.parse(r.tags) as Record<string, string>,
  };
  if (r.command !== null) s.command = r.command;
  if (r.git_sha !== null) s.gitSha = r.git_sha;
  if (r.git_branch !== null) s.gitBranch = r.git_branch;
  return s;
}

const SUMMARY_COLUMNS = 'id, started_at, finished_at, partial, command, suites, git_sha, git_branch, env_hash, tags';

export class HistoryStore {
  private constructor(
    readonly path: string,
    private readonly db: Database.Database,
  ) {}

  /** Opens (creating and migrating if needed) the history at `path`; see openHistory(). */
  static open(path: string, options: OpenOptions = {}): HistoryStore {
    const file = resolve(path);
    const exists = existsSync(file);
    if (!exists && options.mustExist) throw new HistoryError(file, 'no history here yet (no run has been recorded)');
    if (exists) checkSqliteHeader(file);
    else mkdirSync(dirname(file), { recursive: true });
    let db: Database.Database;
    try {
      db = new Database(file, { fileMustExist: exists });
    } catch (err) {
      throw new HistoryError(file, `cannot open: ${message(err)}`);
    }
    try {
      db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 15_000}`);
      // Read-only checks first: nothing is written to a file until we know it is ours.
      const state = inspect(db, file);
      if (state === 'foreign') throw new HistoryError(file, 'an SQLite database, but not a swarmperf history; refusing to write to it (choose another file with --history)');
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      // Opening an up-to-date history takes no write lock; only a fresh or older file migrates.
      if (state === 'empty' || (db.pragma('user_version', { simple: true }) as number) < SCHEMA_VERSION) migrate(db, file);
    } catch (err) {
      db.close();
      if (err instanceof HistoryError) throw err;
      throw new HistoryError(file, `not a usable swarmperf history (${message(err)}); the file was left untouched`);
    }
    return new HistoryStore(file, db);
  }

  /** Records a run (its whole RunResult, tags and metric index) in one transaction. */
  record(run: RunResult): RecordOutcome {
    const metrics = extractMetrics(run);
    const insertRun = this.db.prepare(
      `INSERT OR IGNORE INTO runs (id, started_at, finished_at, partial, command, suites, git_sha, git_branch, env_hash, config, tags, result, recorded_at)
       VALUES (@id, @started_at, @finished_at, @partial, @command, @suites, @git_sha, @git_branch, @env_hash, @config, @tags, @result, @recorded_at)`,
    );
    const insertTag = this.db.prepare('INSERT INTO run_tags (run_id, key, value) VALUES (?, ?, ?)');
    const insertMetric = this.db.prepare('INSERT OR REPLACE INTO metrics (run_id, name, value) VALUES (?, ?, ?)');
    const tx = this.db.transaction((): boolean => {
      const command = typeof run.config.command === 'string' ? run.config.command : null;
      const info = insertRun.run({
        id: run.id,
        started_at: run.startedAt,
        finished_at: run.finishedAt,
        partial: run.partial ? 1 : 0,
        command,
        suites: canonicalSuites(run.suites.map((s) => s.name)),
        git_sha: run.env.gitSha ?? null,
        git_branch: run.env.gitBranch ?? null,
        env_hash: envHash(run.env),
        config: JSON.stringify(run.config),
        tags: JSON.stringify(run.tags ?? {}),
        result: JSON.stringify(run),
        recorded_at: new Date().toISOString(),
      });
      if (info.changes === 0) return false;
      for (const [k, v] of Object.entries(run.tags ?? {})) insertTag.run(run.id, k, v);
      for (const m of metrics) insertMetric.run(run.id, m.name, m.value);
      return true;
    });
    return { id: run.id, inserted: this.guard(() => tx.immediate()) };
  }

  /** Runs, oldest first (by start time, then by when they were recorded). */
  listRuns(options: ListOptions = {}): RunSummary[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (options.since) {
      where.push('started_at >= ?');
      params.push(options.since.toISOString());
    }
    if (options.suites) {
      where.push('suites = ?');
      params.push(canonicalSuites(options.suites));
    }
    for (const [k, v] of Object.entries(options.tags ?? {})) {
      where.push('id IN (SELECT run_id FROM run_tags WHERE key = ? AND value = ?)');
      params.push(k, v);
    }
    const cond = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    let sql = `SELECT ${SUMMARY_COLUMNS}, seq FROM runs ${cond} ORDER BY started_at DESC, seq DESC`;
    if (options.limit !== undefined) {
      sql += ' LIMIT ?';
      params.push(options.limit);
    }
    const rows = this.guard(() => this.db.prepare(sql).all(...params) as RunRow[]);
    return rows.reverse().map(toSummary);
  }

  /** How many runs the history holds. */
  count(): number {
    return this.guard(() => (this.db.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n);
  }

  /**
   * Resolves a run reference to an id: an exact id, a unique id prefix, `latest` (the newest
   * run) or `latest~N` (N runs before it). Throws HistoryRefError naming the reference otherwise.
   */
  resolveRef(ref: string): string {
    const text = ref.trim();
    const latest = /^(?:latest|last|HEAD)(?:~(\d+))?$/.exec(text);
    if (latest) {
      const back = Number(latest[1] ?? 0);
      // SQLite's OFFSET is a 64-bit integer; a larger N ("datatype mismatch") is simply too far back.
      if (!Number.isSafeInteger(back)) throw new HistoryRefError(`run "${ref}": N in latest~N must be at most ${Number.MAX_SAFE_INTEGER}`);
      const row = this.guard(() => this.db.prepare('SELECT id FROM runs ORDER BY started_at DESC, seq DESC LIMIT 1 OFFSET ?').get(back) as { id: string } | undefined);
      if (!row) {
        const n = this.count();
        throw new HistoryRefError(n === 0 ? `run "${ref}": the history ${this.path} holds no runs yet` : `run "${ref}": the history holds only ${n} run(s)`);
      }
      return row.id;
    }
    if (text === '') throw new HistoryRefError('run reference is empty; give a run id, an id prefix, latest or latest~N');
    const exact = this.guard(() => this.db.prepare('SELECT id FROM runs WHERE id = ?').get(text) as { id: string } | undefined);
    if (exact) return exact.id;
    const matches = this.guard(
      () => this.db.prepare('SELECT id FROM runs WHERE substr(id, 1, ?) = ? ORDER BY started_at, seq LIMIT 6').all(text.length, text) as Array<{ id: string }>,
    );
    if (matches.length === 1) return (matches[0] as { id: string }).id;
    if (matches.length === 0) throw new HistoryRefError(`run "${ref}": no such run in ${this.path} (\`swarmperf history\` lists them)`);
    throw new HistoryRefError(`run "${ref}" is ambiguous: it starts ${matches.length > 5 ? 'more than 5' : matches.length} run ids (${matches.slice(0, 5).map((m) => m.id).join(', ')}); give more of the id`);
  }

  /** The whole RunResult of a run (see resolveRef for what `ref` may be). */
  getRun(ref: string): RunResult {
    const id = this.resolveRef(ref);
    const row = this.guard(() => this.db.prepare('SELECT result FROM runs WHERE id = ?').get(id) as { result: string });
    return parseRunResult(JSON.parse(row.result), `${this.path}: run ${id}`);
  }

  /** The summary line of a run. */
  getSummary(ref: string): RunSummary {
    const id = this.resolveRef(ref);
    return toSummary(this.guard(() => this.db.prepare(`SELECT ${SUMMARY_COLUMNS} FROM runs WHERE id = ?`).get(id) as RunRow));
  }

  /** The `n` most recent runs, whole, oldest first. */
  latest(n = 1, options: Omit<ListOptions, 'limit'> = {}): RunResult[] {
    return this.listRuns({ ...options, limit: n }).map((s) => this.getRun(s.id));
  }

  /** Every metric name the history has values for, sorted. */
  metricNames(): string[] {
    return this.guard(() => (this.db.prepare('SELECT DISTINCT name FROM metrics ORDER BY name').all() as Array<{ name: string }>).map((r) => r.name));
  }

  /** One metric's values across runs, oldest first. */
  series(metric: string, options: Pick<ListOptions, 'since' | 'limit' | 'tags'> = {}): SeriesPoint[] {
    const where = ['m.name = ?'];
    const params: unknown[] = [metric];
    if (options.since) {
      where.push('r.started_at >= ?');
      params.push(options.since.toISOString());
    }
    for (const [k, v] of Object.entries(options.tags ?? {})) {
      where.push('r.id IN (SELECT run_id FROM run_tags WHERE key = ? AND value = ?)');
      params.push(k, v);
    }
    let sql = `SELECT r.id AS runId, r.started_at AS at, m.value AS value FROM metrics m JOIN runs r ON r.id = m.run_id
               WHERE ${where.join(' AND ')} ORDER BY r.started_at DESC, r.seq DESC`;
    if (options.limit !== undefined) {
      sql += ' LIMIT ?';
      params.push(options.limit);
    }
    return this.guard(() => (this.db.prepare(sql).all(...params) as SeriesPoint[]).reverse());
  }

  /** Removes a run; returns its id. */
  removeRun(ref: string): string {
    const id = this.resolveRef(ref);
    this.guard(() => this.db.transaction(() => this.db.prepare('DELETE FROM runs WHERE id = ?').run(id)).immediate());
    return id;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Turns SQLite errors into HistoryErrors that name the file. */
  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof HistoryError || err instanceof HistoryRefError) throw err;
      if (err instanceof Database.SqliteError) throw new HistoryError(this.path, message(err));
      throw err;
    }
  }
}

/** Opens the history at `path`, creating and migrating it when needed (see HistoryStore). */
export function openHistory(path: string, options: OpenOptions = {}): HistoryStore {
  return HistoryStore.open(path, options);
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Refuses a non-empty file that does not start with SQLite's magic string, before SQLite sees it. */
function checkSqliteHeader(file: string): void {
  let size: number;
  try {
    const st = statSync(file);
    if (st.isDirectory()) throw new HistoryError(file, 'is a directory, not a history database file');
    size = st.size;
  } catch (err) {
    if (err instanceof HistoryError) throw err;
    throw new HistoryError(file, `cannot read: ${message(err)}`);
  }
  if (size === 0) return; // an empty file is an empty SQLite database: safe to initialise
  const buf = Buffer.alloc(16);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buf, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  if (buf.toString('latin1') !== SQLITE_MAGIC) {
    throw new HistoryError(file, 'not a swarmperf history database (not an SQLite file); refusing to overwrite it (choose another file with --history)');
  }
}

/** 'ours', 'empty' (fresh file we may initialise) or 'foreign'. Reads only. */
function inspect(db: Database.Database, file: string): 'ours' | 'empty' | 'foreign' {
  const appId = db.pragma('application_id', { simple: true }) as number;
  const version = db.pragma('user_version', { simple: true }) as number;
  if (appId === APPLICATION_ID) {
    if (version > SCHEMA_VERSION) {
      throw new HistoryError(file, `written by a newer swarmperf (history schema ${version}, this version knows up to ${SCHEMA_VERSION}); upgrade swarmperf to read it`);
    }
    return 'ours';
  }
  const objects = (db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").get() as { n: number }).n;
  return appId === 0 && version === 0 && objects === 0 ? 'empty' : 'foreign';
}

/**
 * Applies pending migrations inside BEGIN IMMEDIATE, re-checking inside the lock: two processes
 * opening a fresh file at once both get here, and the second finds the work done.
 */
function migrate(db: Database.Database, file: string): void {
  const run = db.transaction(() => {
    const state = inspect(db, file);
    if (state === 'foreign') throw new HistoryError(file, 'an SQLite database, but not a swarmperf history; refusing to write to it');
    const from = state === 'empty' ? 0 : (db.pragma('user_version', { simple: true }) as number);
    for (let v = from; v < MIGRATIONS.length; v++) (MIGRATIONS[v] as (d: Database.Database) => void)(db);
    if (from < MIGRATIONS.length) {
      db.pragma(`application_id = ${APPLICATION_ID}`);
      db.pragma(`user_version = ${MIGRATIONS.length}`);
    }
  });
  run.immediate();
}
