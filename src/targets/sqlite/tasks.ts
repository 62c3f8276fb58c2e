/**
 * SQLite TaskStore. claim() is ONE autocommit `UPDATE ... WHERE seq = (SELECT ...) RETURNING`
 * statement. A write statement outside an explicit transaction is its own transaction, and SQLite
 * takes its write lock in the statement's prologue (OP_Transaction with the write flag) before the
 * subquery reads anything — the same guarantee as BEGIN IMMEDIATE, so two processes can never pick
 * the same task (no read-then-write race, no SQLITE_BUSY_SNAPSHOT upgrade failure), without the
 * two extra statements (BEGIN, COMMIT) per claim that the explicit transaction cost: profiled, the
 * lock and commit work around the claim was most of its time. complete() is one autocommit UPDATE
 * too (no read before the write). Dependencies live in task_deps so "all dependencies completed" is
 * a NOT EXISTS the query planner answers from the primary keys.
 */
import type Database from 'better-sqlite3';
import { InvalidArgumentError, TaskNotFoundError } from '../errors.js';
import type { WallClockMs } from '../options.js';
import { VersionConflictError, type ClaimFilter, type NewTask, type Task, type TaskPatch, type TaskStatus, type TaskStore } from '../ports.js';
import { checkNewTask, checkPriority } from '../validate.js';
import type { SqliteConnection } from './connection.js';

interface TaskRow {
  seq: number;
  title: string;
  priority: number;
  depends_on: string;
  status: TaskStatus;
  claimed_by: string | null;
  result: string;
  version: number;
  created_at: number;
  updated_at: number;
}

const CLAIMABLE = `
  SELECT t.seq FROM tasks t
  WHERE t.status = 'pending' AND t.priority >= @minPriority
    AND NOT EXISTS (
      SELECT 1 FROM task_deps d JOIN tasks dt ON dt.seq = d.dep_seq
      WHERE d.task_seq = t.seq AND dt.status <> 'completed')
  ORDER BY t.priority DESC, t.seq ASC
  LIMIT 1`;

/** The claim: one statement, its own write transaction (exported so a test can EXPLAIN it). */
export const CLAIM_SQL = `UPDATE tasks SET status = 'claimed', claimed_by = @worker, version = version + 1, updated_at = @now
  WHERE seq = (${CLAIMABLE}) AND status = 'pending' RETURNING *`;

/** `task-<seq>` ↔ seq; anything else names no task. */
export function taskSeq(id: string): number | null {
  const m = /^task-([1-9]\d{0,15})$/.exec(id);
  return m ? Number(m[1]) : null;
}

export class SqliteTaskStore implements TaskStore {
  private readonly insertTask: Database.Statement;
  private readonly insertDep: Database.Statement;
  private readonly exists: Database.Statement<[number], { seq: number }>;
  private readonly byId: Database.Statement<[number], TaskRow>;
  private readonly patch: Database.Statement;
  private readonly claimStmt: Database.Statement<[{ worker: string; now: number; minPriority: number }], TaskRow>;
  private readonly completeStmt: Database.Statement;
  private readonly listAll: Database.Statement<[], TaskRow>;
  private readonly listByStatus: Database.Statement<[string], TaskRow>;
  private readonly createTx: Database.Transaction<(task: NewTask) => TaskRow>;
  private readonly updateTx: Database.Transaction<(seq: number, id: string, patch: TaskPatch, expected: number) => TaskRow>;

  constructor(
    private readonly conn: SqliteConnection,
    private readonly now: WallClockMs,
  ) {
    const db = conn.db;
    this.insertTask = db.prepare(
      `INSERT INTO tasks (title, priority, depends_on, status, claimed_by, result, version, created_at, updated_at)
       VALUES (?, ?, ?, 'pending', NULL, 'null', 1, ?, ?) RETURNING *`,
    );
    this.insertDep = db.prepare('INSERT OR IGNORE INTO task_deps (task_seq, dep_seq) VALUES (?, ?)');
    this.exists = db.prepare('SELECT seq FROM tasks WHERE seq = ?');
    this.byId = db.prepare('SELECT * FROM tasks WHERE seq = ?');
    this.patch = db.prepare('UPDATE tasks SET title = ?, priority = ?, version = version + 1, updated_at = ? WHERE seq = ? RETURNING *');
    this.claimStmt = db.prepare(CLAIM_SQL);
    this.completeStmt = db.prepare(
      "UPDATE tasks SET status = 'completed', result = ?, version = version + 1, updated_at = ? WHERE seq = ? AND status = 'claimed'",
    );
    this.listAll = db.prepare('SELECT * FROM tasks ORDER BY seq');
    this.listByStatus = db.prepare('SELECT * FROM tasks WHERE status = ? ORDER BY seq');

    this.createTx = db.transaction((task: NewTask) => {
      const deps = [...new Set(task.dependsOn ?? [])];
      const depSeqs = deps.map((dep) => {
        const seq = taskSeq(dep);
        // A dependency on a task that does not exist could never complete: the task would be stuck.
        if (seq === null || !this.exists.get(seq)) throw new InvalidArgumentError(`dependsOn: unknown task ${dep}`);
        return seq;
      });
      const t = this.now();
      const row = this.insertTask.get(task.title, task.priority, JSON.stringify(deps), t, t) as TaskRow;
      for (const dep of depSeqs) this.insertDep.run(row.seq, dep);
      return row;
    });
    this.updateTx = db.transaction((seq: number, id: string, p: TaskPatch, expected: number) => {
      const row = this.byId.get(seq);
      if (!row) throw new TaskNotFoundError(id);
      if (row.version !== expected) throw new VersionConflictError(id, expected, row.version);
      return this.patch.get(p.title ?? row.title, p.priority ?? row.priority, this.now(), seq) as TaskRow;
    });
  }

  create(task: NewTask): Promise<Task> {
    try {
      checkNewTask(task);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return this.conn.withRetry('tasks.create', () => toTask(this.createTx.immediate(task)));
  }

  update(id: string, patch: TaskPatch, expectedVersion: number): Promise<Task> {
    const seq = taskSeq(id);
    if (seq === null) return Promise.reject(new TaskNotFoundError(id));
    try {
      if (patch.priority !== undefined) checkPriority(patch.priority);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return this.conn.withRetry('tasks.update', () => toTask(this.updateTx.immediate(seq, id, patch, expectedVersion)));
  }

  claim(workerId: string, filter: ClaimFilter = {}): Promise<Task | null> {
    // -Number.MAX_VALUE rather than -Infinity: every finite priority qualifies, and the bound is an
    // ordinary REAL for SQLite.
    const minPriority = filter.minPriority ?? -Number.MAX_VALUE;
    return this.conn.withRetry('tasks.claim', () => {
      // Autocommit on purpose (see the file comment): the statement is its own write transaction.
      const row = this.claimStmt.get({ worker: workerId, now: this.now(), minPriority });
      return row ? toTask(row) : null;
    });
  }

  complete(id: string, result: unknown): Promise<boolean> {
    const seq = taskSeq(id);
    if (seq === null) return Promise.resolve(false);
    const json = JSON.stringify(result ?? null);
    return this.conn.withRetry('tasks.complete', () => this.completeStmt.run(json, this.now(), seq).changes > 0);
  }

  list(status?: TaskStatus): Promise<Task[]> {
    return this.conn.withRetry('tasks.list', () => (status === undefined ? this.listAll.all() : this.listByStatus.all(status)).map(toTask));
  }

  get(id: string): Promise<Task | null> {
    const seq = taskSeq(id);
    if (seq === null) return Promise.resolve(null);
    return this.conn.withRetry('tasks.get', () => {
      const row = this.byId.get(seq);
      return row ? toTask(row) : null;
    });
  }
}

function toTask(r: TaskRow): Task {
  return {
    id: `task-${r.seq}`,
    title: r.title,
    priority: r.priority,
    dependsOn: JSON.parse(r.depends_on) as string[],
    status: r.status,
    claimedBy: r.claimed_by,
    result: JSON.parse(r.result) as unknown,
    version: r.version,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
