/**
 * The tool-timing store (tools.db) as the dashboard reads it: opened read-only, per-tool figures per
 * hour or day over a window, and the slowest calls. The store's own writer (timings/) is never used
 * here, so opening the dashboard cannot change or lock the user's store for an ingest.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const HOUR_US = 3_600_000_000;

export interface ToolBucket {
  /** Bucket start, ms since the epoch. */
  t: number;
  tool: string;
  count: number;
  errors: number;
  totalUs: number;
  maxUs: number;
}

export interface ToolTotals {
  tool: string;
  category: string;
  count: number;
  errors: number;
  totalUs: number;
  maxUs: number;
}

export interface SlowToolCall {
  tool: string;
  session: string;
  callId: string | null;
  durationUs: number;
  endMs: number;
  success: boolean;
}

export class ToolsData {
  private readonly db: Database.Database | undefined;

  constructor(dataDir: string) {
    const path = join(dataDir, 'tools.db');
    this.db = existsSync(path) ? new Database(path, { readonly: true, fileMustExist: true }) : undefined;
  }

  close(): void {
    this.db?.close();
  }

  /** The open store, or undefined when there is none yet (no file, or a file without the table). */
  private store(): Database.Database | undefined {
    if (!this.db) return undefined;
    return this.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'tool_hours'`).get() === undefined ? undefined : this.db;
  }

  /** First and last stored hour as ms, or undefined for an empty store. */
  range(): { fromMs: number; toMs: number; calls: number } | undefined {
    const db = this.store();
    if (!db) return undefined;
    const r = db.prepare('SELECT MIN(hour) AS first, MAX(hour) AS last, SUM(count) AS calls FROM tool_hours').get() as { first: number | null; last: number | null; calls: number | null };
    if (r.first === null || r.last === null) return undefined;
    return { fromMs: (r.first * HOUR_US) / 1000, toMs: ((r.last + 1) * HOUR_US) / 1000, calls: r.calls ?? 0 };
  }

  totals(fromMs: number, toMs: number): ToolTotals[] {
    const db = this.store();
    if (!db) return [];
    const [from, to] = hours(fromMs, toMs);
    return db
      .prepare(`SELECT tool, MIN(category) AS category, SUM(count) AS count, SUM(errors) AS errors, SUM(total_us) AS totalUs, MAX(max_us) AS maxUs FROM tool_hours WHERE hour >= ? AND hour <= ? GROUP BY tool ORDER BY totalUs DESC`)
      .all(from, to) as ToolTotals[];
  }

  /** Per tool and bucket (an hour, or a day for windows longer than 14 days). */
  buckets(fromMs: number, toMs: number): { bucketMs: number; rows: ToolBucket[] } {
    const db = this.store();
    if (!db) return { bucketMs: 3_600_000, rows: [] };
    const [from, to] = hours(fromMs, toMs);
    const perDay = to - from > 14 * 24;
    const size = perDay ? 24 : 1;
    const rows = db
      .prepare(`SELECT (hour / ?) * ? AS bucket, tool, SUM(count) AS count, SUM(errors) AS errors, SUM(total_us) AS totalUs, MAX(max_us) AS maxUs FROM tool_hours WHERE hour >= ? AND hour <= ? GROUP BY bucket, tool ORDER BY bucket`)
      .all(size, size, from, to) as Array<{ bucket: number; tool: string; count: number; errors: number; totalUs: number; maxUs: number }>;
    return { bucketMs: size * 3_600_000, rows: rows.map((r) => ({ t: (r.bucket * HOUR_US) / 1000, tool: r.tool, count: r.count, errors: r.errors, totalUs: r.totalUs, maxUs: r.maxUs })) };
  }

  slowest(fromMs: number, toMs: number, limit = 20): SlowToolCall[] {
    const db = this.store();
    if (!db) return [];
    const [from, to] = hours(fromMs, toMs);
    const rows = db
      .prepare('SELECT tool, session, call_id, duration_us, end_us, success FROM slow_calls WHERE hour >= ? AND hour <= ? ORDER BY duration_us DESC LIMIT ?')
      .all(from, to, limit) as Array<{ tool: string; session: string; call_id: string | null; duration_us: number; end_us: number; success: number }>;
    return rows.map((r) => ({ tool: r.tool, session: r.session, callId: r.call_id, durationUs: r.duration_us, endMs: r.end_us / 1000, success: r.success === 1 }));
  }
}

function hours(fromMs: number, toMs: number): [number, number] {
  return [Math.floor((fromMs * 1000) / HOUR_US), Math.floor((toMs * 1000) / HOUR_US)];
}
