/**
 * Errors every adapter throws alike, each with a stable `code`: the load models record
 * `error.code` as the failure reason, so a suite can tell contention from a bug.
 */

/** An argument the port contract rejects (empty key, `/` in a namespace, negative TTL, ...). */
export class InvalidArgumentError extends Error {
  readonly code = 'INVALID_ARGUMENT';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidArgumentError';
  }
}

/** update() on a task that does not exist. */
export class TaskNotFoundError extends Error {
  readonly code = 'TASK_NOT_FOUND';
  constructor(id: string) {
    super(`task ${id} does not exist`);
    this.name = 'TaskNotFoundError';
  }
}

/**
 * The store stayed busy (SQLITE_BUSY, "database is locked"; or a lock file held by another
 * process) through the busy timeout and every bounded retry. Surfaced, never hidden: `code` is
 * 'SQLITE_BUSY' for SQLite and 'LOCK_TIMEOUT' for lock files.
 */
export class BackendBusyError extends Error {
  readonly code: 'SQLITE_BUSY' | 'LOCK_TIMEOUT';
  readonly operation: string;
  readonly attempts: number;
  constructor(code: 'SQLITE_BUSY' | 'LOCK_TIMEOUT', operation: string, attempts: number, detail: string) {
    super(`${operation}: ${detail} after ${attempts} attempt(s)`);
    this.name = 'BackendBusyError';
    this.code = code;
    this.operation = operation;
    this.attempts = attempts;
  }
}
