/** jsonfile TaskStore: tasks.json; every change (claim included) is a read-modify-write under its lock. */
import { InvalidArgumentError, TaskNotFoundError } from '../errors.js';
import type { WallClockMs } from '../options.js';
import { VersionConflictError, type ClaimFilter, type NewTask, type Task, type TaskPatch, type TaskStatus, type TaskStore } from '../ports.js';
import { checkNewTask, checkPriority, claimOrder } from '../validate.js';
import type { JsonDocuments, Versioned } from './documents.js';

interface TaskJson {
  task_id: string;
  seq: number;
  title: string;
  priority: number;
  depends_on: string[];
  status: TaskStatus;
  claimed_by: string | null;
  result: unknown;
  version: number;
  created_at: number;
  updated_at: number;
}

export interface TasksDoc extends Versioned {
  version: string;
  /** Never decreases (kept across reset), so task ids are never reused. */
  next_seq: number;
  tasks: TaskJson[];
}

export const TASKS_FILE = 'tasks.json';
const empty = (): TasksDoc => ({ version: '1.0.0', next_seq: 1, tasks: [], last_updated: new Date(0).toISOString(), lock_version: 0 });

export class JsonTaskStore implements TaskStore {
  constructor(
    private readonly docs: JsonDocuments,
    private readonly now: WallClockMs,
  ) {}

  async create(task: NewTask): Promise<Task> {
    checkNewTask(task);
    return this.docs.update('tasks.create', TASKS_FILE, empty, (doc) => {
      const deps = [...new Set(task.dependsOn ?? [])];
      for (const dep of deps) if (!doc.tasks.some((t) => t.task_id === dep)) throw new InvalidArgumentError(`dependsOn: unknown task ${dep}`);
      const t = this.now();
      const seq = doc.next_seq++;
      const stored: TaskJson = { task_id: `task-${seq}`, seq, title: task.title, priority: task.priority, depends_on: deps, status: 'pending', claimed_by: null, result: null, version: 1, created_at: t, updated_at: t };
      doc.tasks.push(stored);
      return { result: toTask(stored), changed: true };
    });
  }

  async update(id: string, patch: TaskPatch, expectedVersion: number): Promise<Task> {
    if (patch.priority !== undefined) checkPriority(patch.priority);
    return this.docs.update('tasks.update', TASKS_FILE, empty, (doc) => {
      const t = doc.tasks.find((x) => x.task_id === id);
      if (!t) throw new TaskNotFoundError(id);
      if (t.version !== expectedVersion) throw new VersionConflictError(id, expectedVersion, t.version);
      if (patch.title !== undefined) t.title = patch.title;
      if (patch.priority !== undefined) t.priority = patch.priority;
      t.version++;
      t.updated_at = this.now();
      return { result: toTask(t), changed: true };
    });
  }

  claim(workerId: string, filter: ClaimFilter = {}): Promise<Task | null> {
    return this.docs.update('tasks.claim', TASKS_FILE, empty, (doc) => {
      const status = new Map(doc.tasks.map((t) => [t.task_id, t.status]));
      let best: TaskJson | undefined;
      for (const t of doc.tasks) {
        if (t.status !== 'pending') continue;
        if (filter.minPriority !== undefined && t.priority < filter.minPriority) continue;
        if (!t.depends_on.every((d) => status.get(d) === 'completed')) continue;
        if (!best || claimOrder(t, best) < 0) best = t;
      }
      if (!best) return { result: null, changed: false };
      best.status = 'claimed';
      best.claimed_by = workerId;
      best.version++;
      best.updated_at = this.now();
      return { result: toTask(best), changed: true };
    });
  }

  complete(id: string, result: unknown): Promise<boolean> {
    return this.docs.update('tasks.complete', TASKS_FILE, empty, (doc) => {
      const t = doc.tasks.find((x) => x.task_id === id);
      if (!t || t.status !== 'claimed') return { result: false, changed: false };
      t.status = 'completed';
      t.result = JSON.parse(JSON.stringify(result ?? null)) as unknown;
      t.version++;
      t.updated_at = this.now();
      return { result: true, changed: true };
    });
  }

  list(status?: TaskStatus): Promise<Task[]> {
    const doc = this.docs.read(TASKS_FILE, empty);
    return Promise.resolve(doc.tasks.filter((t) => status === undefined || t.status === status).map(toTask));
  }

  get(id: string): Promise<Task | null> {
    const t = this.docs.read(TASKS_FILE, empty).tasks.find((x) => x.task_id === id);
    return Promise.resolve(t ? toTask(t) : null);
  }
}

function toTask(t: TaskJson): Task {
  return {
    id: t.task_id,
    title: t.title,
    priority: t.priority,
    dependsOn: [...t.depends_on],
    status: t.status,
    claimedBy: t.claimed_by,
    result: JSON.parse(JSON.stringify(t.result ?? null)) as unknown,
    version: t.version,
    createdAt: t.created_at,
    updatedAt: t.updated_at,
  };
}
