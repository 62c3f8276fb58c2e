/**
 * How the server adapters (redis, postgres, nats, etcd) name tasks and, where the server keeps a
 * task as one JSON document (nats, etcd), what that document holds and how it becomes a Task.
 */
import type { Task, TaskStatus } from '../ports.js';

/** `task-<seq>` ↔ seq; anything else names no task. */
export function taskSeq(id: string): number | null {
  const m = /^task-([1-9]\d{0,15})$/.exec(id);
  return m ? Number(m[1]) : null;
}

/** A task as a JSON document in a key-value store. */
export interface StoredTask {
  seq: number;
  title: string;
  priority: number;
  dependsOn: string[];
  status: TaskStatus;
  claimedBy: string | null;
  result: unknown;
  version: number;
  createdAt: number;
  updatedAt: number;
}

/** The Task a caller sees: copies, so changing it never changes the stored document. */
export function taskView(t: StoredTask): Task {
  return {
    id: `task-${t.seq}`,
    title: t.title,
    priority: t.priority,
    dependsOn: [...t.dependsOn],
    status: t.status,
    claimedBy: t.claimedBy,
    result: structuredClone(t.result),
    version: t.version,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
  };
}
