/**
 * The history database's schema, as an ordered list of migrations. PRAGMA user_version holds how
 * many have been applied; PRAGMA application_id marks the file as ours, so a foreign SQLite file is
 * refused instead of being written into. Migrations only ever append: never edit a shipped one.
 */
import type Database from 'better-sqlite3';

/** 'SwPf' — written into the SQLite header at offset 68 (PRAGMA application_id). */
export const APPLICATION_ID = 0x53775066;

export const MIGRATIONS: ReadonlyArray<(db: Database.Database) => void> = [
  // 1: runs kept whole as JSON, with the columns listing and filtering need, and an index of metric
  //    values so trends read one metric across many runs without parsing every RunResult.
  (db) => {
    db.exec(`
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE runs (
        seq           INTEGER PRIMARY KEY AUTOINCREMENT,
        id            TEXT NOT NULL UNIQUE,
        started_at    TEXT NOT NULL,
        finished_at   TEXT NOT NULL,
        partial       INTEGER NOT NULL,
        command       TEXT,
        suites        TEXT NOT NULL,
        git_sha       TEXT,
        git_branch    TEXT,
        env_hash      TEXT NOT NULL,
        config        TEXT NOT NULL,
        tags          TEXT NOT NULL,
        result        TEXT NOT NULL,
        recorded_at   TEXT NOT NULL
      );
      CREATE INDEX runs_started ON runs (started_at, seq);
      CREATE TABLE run_tags (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        key    TEXT NOT NULL,
        value  TEXT NOT NULL,
        PRIMARY KEY (run_id, key)
      );
      CREATE INDEX run_tags_kv ON run_tags (key, value);
      CREATE TABLE metrics (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        name   TEXT NOT NULL,
        value  REAL NOT NULL,
        PRIMARY KEY (run_id, name)
      ) WITHOUT ROWID;
      CREATE INDEX metrics_name ON metrics (name, run_id);
    `);
    db.prepare(`INSERT INTO meta (key, value) VALUES ('format', 'swarmperf-history'), ('created_at', ?)`).run(new Date().toISOString());
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;
