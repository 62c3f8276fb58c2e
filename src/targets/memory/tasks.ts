/**
 * In-process TaskStore. Pending tasks are kept in one array sorted by claim order (priority
 * descending, then creation order), so a claim walks from the front and usually stops at the first
 * task instead of scanning the whole store.
 *
 * Completed tasks are retired beyond the newest `retainCompleted` (default 10 000): a long benchmark
 * creates hundreds of thousands of tasks a second, and keeping every one made a 60 s run grow to
 * 4 GB. A retired task is no longer returned by get() or list(); isRetired() says so, and it still
 * counts as a completed dependency (ids are `task-<seq>` and never reused, so "below the next seq
 * and gone" can only mean retired).
 */
import { InvalidArgumentError, TaskNotFoundError } from '../errors.js';
import type { WallClockMs } from '../options.js';
import { VersionConflictError, type ClaimFilter, type NewTask, type Task, type TaskPatch, type TaskStatus, type TaskStore } from '../ports.js';
import { checkNewTask, checkPriority, claimOrder } from '../validate.js';

interface StoredTask {
  seq: number;
  id: string;
  title: string;
  priority: number;
  dependsOn: string[];
  status: TaskStatus;
  claimedBy: string | null;
  /** JSON text, so results behave as in every other adapter (a copy, JSON types only). */
  resultJson: string;
  version: number;
  createdAt: number;
  updatedAt: number;
}

export const DEFAULT_RETAIN_COMPLETED = 10_000;

export class MemoryTaskStore implements TaskStore {
  private readonly tasks = new Map<string, StoredTask>();
  private pending: StoredTask[] = [];
  private seq = 0;
  /** Seqs at or below this were created before the last clear(): unknown, not retired. */
  private floorSeq = 0;
  /** Completed ids, oldest first, from `completedHead` on. */
  private completedIds: string[] = [];
  private completedHead = 0;
  constructor(
    private readonly now: WallClockMs,
    private readonly retainCompleted = DEFAULT_RETAIN_COMPLETED,
  ) {}

  create(task: NewTask): Task {
    checkNewTask(task);
    const dependsOn = [...new Set(task.dependsOn ?? [])];
    for (const dep of dependsOn) {
      // A dependency on a task that does not exist could never complete: the task would be stuck.
      if (!this.tasks.has(dep) && !this.isRetired(dep)) throw new InvalidArgumentError(`dependsOn: unknown task ${dep}`);
    }
    const t = this.now();
    const seq = ++this.seq;
    const stored: StoredTask = {
      seq,
      id: `task-${seq}`,
      title: task.title,
      priority: task.priority,
      dependsOn,
      status: 'pending',
      claimedBy: null,
      resultJson: 'null',
      version: 1,
      createdAt: t,
      updatedAt: t,
    };
    this.tasks.set(stored.id, stored);
    this.insertPending(stored);
    return view(stored);
  }

  update(id: string, patch: TaskPatch, expectedVersion: number): Task {
    const stored = this.tasks.get(id);
    if (!stored) throw new TaskNotFoundError(id);
    if (stored.version !== expectedVersion) throw new VersionConflictError(id, expectedVersion, stored.version);
    if (patch.priority !== undefined) checkPriority(patch.priority);
    const reposition = stored.status === 'pending' && patch.priority !== undefined && patch.priority !== stored.priority;
    if (reposition) this.removePending(stored);
    if (patch.title !== undefined) stored.title = patch.title;
    if (patch.priority !== undefined) stored.priority = patch.priority;
    if (reposition) this.insertPending(stored);
    stored.version++;
    stored.updatedAt = this.now();
    return view(stored);
  }

  claim(workerId: string, filter: ClaimFilter = {}): Task | null {
    for (let i = 0; i < this.pending.length; i++) {
      const task = this.pending[i] as StoredTask;
      // Sorted by priority descending: once below the floor, nothing further qualifies.
      if (filter.minPriority !== undefined && task.priority < filter.minPriority) return null;
      if (!this.dependenciesDone(task)) continue;
      this.pending.splice(i, 1);
      task.status = 'claimed';
      task.claimedBy = workerId;
      task.version++;
      task.updatedAt = this.now();
      return view(task);
    }
    return null;
  }

  complete(id: string, result: unknown): boolean {
    const task = this.tasks.get(id);
    if (!task || task.status !== 'claimed') return false;
    task.status = 'completed';
    task.resultJson = JSON.stringify(result ?? null);
    task.version++;
    task.updatedAt = this.now();
    this.retire(id);
    return true;
  }

  isRetired(id: string): boolean {
    const m = /^task-([1-9]\d{0,15})$/.exec(id);
    if (!m) return false;
    const seq = Number(m[1]);
    return seq > this.floorSeq && seq <= this.seq && !this.tasks.has(id);
  }

  /** Keeps the newest `retainCompleted` completed tasks; drops the oldest beyond that. */
  private retire(completedId: string): void {
    this.completedIds.push(completedId);
    while (this.completedIds.length - this.completedHead > this.retainCompleted) {
      const oldest = this.completedIds[this.completedHead++] as string;
      this.tasks.delete(oldest);
    }
    if (this.completedHead >= 4096 && this.completedHead * 2 >= this.completedIds.length) {
      this.completedIds = this.completedIds.slice(this.completedHead);
      this.completedHead = 0;
    }
  }

  list(status?: TaskStatus): Task[] {
    const out: Task[] = [];
    for (const t of this.tasks.values()) if (status === undefined || t.status === status) out.push(view(t));
    return out; // Map iteration is insertion (= creation) order.
  }

  get(id: string): Task | null {
    const t = this.tasks.get(id);
    return t ? view(t) : null;
  }

  clear(): void {
    this.tasks.clear();
    this.pending = [];
    this.completedIds = [];
    this.completedHead = 0;
    this.floorSeq = this.seq;
    // Ids keep increasing across reset: a stale id held by a worker can never name a new task.
  }

  private dependenciesDone(task: StoredTask): boolean {
    for (const dep of task.dependsOn) {
      const t = this.tasks.get(dep);
      if (t ? t.status !== 'completed' : !this.isRetired(dep)) return false;
    }
    return true;
  }

  private insertPending(task: StoredTask): void {
    let lo = 0;
    let hi = this.pending.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (claimOrder(this.pending[mid] as StoredTask, task) <= 0) lo = mid + 1;
      else hi = mid;
    }
    this.pending.splice(lo, 0, task);
  }

  private removePending(task: StoredTask): void {
    const i = this.pending.indexOf(task);
    if (i >= 0) this.pending.splice(i, 1);
  }
}

function view(t: StoredTask): Task {
  return {
    id: t.id,
    title: t.title,
    priority: t.priority,
    dependsOn: [...t.dependsOn],
    status: t.status,
    claimedBy: t.claimedBy,
    result: JSON.parse(t.resultJson) as unknown,
    version: t.version,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
  };
}
