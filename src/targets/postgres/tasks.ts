/**
 * PostgreSQL TaskStore, two claim strategies (`?claim=`):
 *
 * - `skip-locked` (default): the queue idiom — the subquery picks the first claimable row in
 *   claim order `FOR UPDATE SKIP LOCKED`, so concurrent claimers each lock a different row instead
 *   of queueing on the same one, and the UPDATE assigns it. One statement, one round trip.
 * - `update-returning`: the same UPDATE … RETURNING without the row lock in the subquery. Under
 *   READ COMMITTED two claimers can pick the same row; the loser waits for the winner's row lock,
 *   re-checks `status = 'pending'`, updates nothing and tries again (each retry counted in
 *   stats().retries['tasks.claim']). It is never wrong, only slower under contention — the figure
 *   the comparison is for.
 *
 * Dependencies live in task_deps, so "every dependency completed" is a NOT EXISTS on primary keys.
 */
import type { Pool } from 'pg';
import { InvalidArgumentError, TaskNotFoundError } from '../errors.js';
import type { WallClockMs } from '../options.js';
import { VersionConflictError, type ClaimFilter, type NewTask, type Task, type TaskPatch, type TaskStatus, type TaskStore } from '../ports.js';
import type { Counters } from '../remote/counters.js';
import { checkNewTask, checkPriority } from '../validate.js';
import { taskSeq } from '../remote/task-record.js';

export type PostgresClaim = 'skip-locked' | 'update-returning';

interface TaskRow {
  seq: string;
  title: string;
  priority: number;
  depends_on: string;
  status: TaskStatus;
  claimed_by: string | null;
  result: string;
  version: number;
  created_at: string;
  updated_at: string;
}

const CLAIMABLE = `
  SELECT t.seq FROM tasks t
  WHERE t.status = 'pending' AND t.priority >= $3
    AND NOT EXISTS (SELECT 1 FROM task_deps d JOIN tasks dt ON dt.seq = d.dep_seq WHERE d.task_seq = t.seq AND dt.status <> 'completed')
  ORDER BY t.priority DESC, t.seq ASC LIMIT 1`;

export const CLAIM_SQL: Record<PostgresClaim, string> = {
  'skip-locked': `UPDATE tasks SET status = 'claimed', claimed_by = $1, version = version + 1, updated_at = $2
    WHERE seq = (${CLAIMABLE} FOR UPDATE SKIP LOCKED) RETURNING *`,
  'update-returning': `UPDATE tasks SET status = 'claimed', claimed_by = $1, version = version + 1, updated_at = $2
    WHERE seq = (${CLAIMABLE}) AND status = 'pending' RETURNING *`,
};

const ANY_CLAIMABLE = `SELECT EXISTS (${CLAIMABLE.replace('SELECT t.seq', 'SELECT 1')}) AS found`;

// One statement: the task and its dependency rows are inserted only if every dependency exists.
const CREATE_SQL = `
  WITH ok AS (SELECT count(*) = cardinality($5::bigint[]) AS all_exist FROM tasks WHERE seq = ANY($5::bigint[])),
  ins AS (
    INSERT INTO tasks (title, priority, depends_on, status, claimed_by, result, version, created_at, updated_at)
    SELECT $1, $2, $3, 'pending', NULL, 'null', 1, $4, $4 FROM ok WHERE ok.all_exist RETURNING *),
  deps AS (INSERT INTO task_deps (task_seq, dep_seq) SELECT ins.seq, unnest($5::bigint[]) FROM ins)
  SELECT * FROM ins`;

export class PostgresTaskStore implements TaskStore {
  constructor(
    private readonly pool: Pool,
    private readonly now: WallClockMs,
    private readonly strategy: PostgresClaim,
    private readonly counters: Counters,
  ) {}

  async create(task: NewTask): Promise<Task> {
    checkNewTask(task);
    const deps = [...new Set(task.dependsOn ?? [])];
    const seqs = deps.map((dep) => {
      const seq = taskSeq(dep);
      // A dependency on a task that does not exist could never complete: the task would be stuck.
      if (seq === null) throw new InvalidArgumentError(`dependsOn: unknown task ${dep}`);
      return seq;
    });
    const { rows } = await this.pool.query<TaskRow>(CREATE_SQL, [task.title, task.priority, JSON.stringify(deps), this.now(), seqs]);
    if (rows[0]) return toTask(rows[0]);
    const found = await this.pool.query<{ seq: string }>('SELECT seq FROM tasks WHERE seq = ANY($1::bigint[])', [seqs]);
    const known = new Set(found.rows.map((r) => Number(r.seq)));
    throw new InvalidArgumentError(`dependsOn: unknown task ${deps.find((_, i) => !known.has(seqs[i] as number)) ?? deps.join(', ')}`);
  }

  async update(id: string, patch: TaskPatch, expectedVersion: number): Promise<Task> {
    const seq = taskSeq(id);
    if (seq === null) throw new TaskNotFoundError(id);
    if (patch.priority !== undefined) checkPriority(patch.priority);
    const { rows } = await this.pool.query<TaskRow>(
      `UPDATE tasks SET title = coalesce($2, title), priority = coalesce($3, priority), version = version + 1, updated_at = $4
       WHERE seq = $1 AND version = $5 RETURNING *`,
      [seq, patch.title ?? null, patch.priority ?? null, this.now(), expectedVersion],
    );
    if (rows[0]) return toTask(rows[0]);
    const current = await this.pool.query<{ version: number }>('SELECT version FROM tasks WHERE seq = $1', [seq]);
    if (!current.rows[0]) throw new TaskNotFoundError(id);
    throw new VersionConflictError(id, expectedVersion, current.rows[0].version);
  }

  async claim(workerId: string, filter: ClaimFilter = {}): Promise<Task | null> {
    const minPriority = filter.minPriority ?? -Number.MAX_VALUE;
    for (;;) {
      const { rows } = await this.pool.query<TaskRow>(CLAIM_SQL[this.strategy], [workerId, this.now(), minPriority]);
      if (rows[0]) return toTask(rows[0]);
      if (this.strategy === 'skip-locked') return null;
      // update-returning: nothing updated either because nothing is claimable or because another
      // claimer won the row we picked. Only the second is worth another try.
      const { rows: any } = await this.pool.query<{ found: boolean }>(ANY_CLAIMABLE.replace(/\$3/g, '$1'), [minPriority]);
      if (!any[0]?.found) return null;
      this.counters.retry('tasks.claim');
    }
  }

  async complete(id: string, result: unknown): Promise<boolean> {
    const seq = taskSeq(id);
    if (seq === null) return false;
    const r = await this.pool.query(
      "UPDATE tasks SET status = 'completed', result = $2, version = version + 1, updated_at = $3 WHERE seq = $1 AND status = 'claimed'",
      [seq, JSON.stringify(result ?? null), this.now()],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async list(status?: TaskStatus): Promise<Task[]> {
    const { rows } = await this.pool.query<TaskRow>('SELECT * FROM tasks WHERE ($1::text IS NULL OR status = $1) ORDER BY seq', [status ?? null]);
    return rows.map(toTask);
  }

  async get(id: string): Promise<Task | null> {
    const seq = taskSeq(id);
    if (seq === null) return null;
    const { rows } = await this.pool.query<TaskRow>('SELECT * FROM tasks WHERE seq = $1', [seq]);
    return rows[0] ? toTask(rows[0]) : null;
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
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}
