/**
 * etcd TaskStore: one key per task (`t/<seq>`), every change a transaction on its mod_revision.
 * Each process keeps a replica of the tasks — one range read, then a watch from the revision that
 * read saw, so nothing falls between the two — to choose what to claim; the claim is a
 * transaction on the candidate's mod_revision, so it is atomic however stale the replica. A lost
 * race refreshes that task and tries the next candidate (counted in stats().retries['tasks.claim']);
 * claims in one process never race each other. list() and get() always read etcd.
 */
import type { Namespace, Watcher } from 'etcd3';
import { InvalidArgumentError, TaskNotFoundError } from '../errors.js';
import type { WallClockMs } from '../options.js';
import { VersionConflictError, type ClaimFilter, type NewTask, type Task, type TaskPatch, type TaskStatus, type TaskStore } from '../ports.js';
import type { Counters } from '../remote/counters.js';
import { checkNewTask, checkPriority, claimOrder } from '../validate.js';
import { casWrite, read, readPrefix, type Versioned } from './kv.js';
import { taskSeq, taskView, type StoredTask } from '../remote/task-record.js';

const keyOf = (seq: number): string => `t/${seq}`;

export class EtcdTaskStore implements TaskStore {
  private readonly replica = new Map<number, Versioned<StoredTask>>();
  private readonly claiming = new Set<number>();
  private loading: Promise<void> | undefined;
  private watcher: Watcher | undefined;

  constructor(
    private readonly ns: Namespace,
    private readonly now: WallClockMs,
    private readonly counters: Counters,
  ) {}

  async create(task: NewTask): Promise<Task> {
    checkNewTask(task);
    const dependsOn = [...new Set(task.dependsOn ?? [])];
    for (const dep of dependsOn) {
      const seq = taskSeq(dep);
      // A dependency on a task that does not exist could never complete: the task would be stuck.
      if (seq === null || (!this.replica.has(seq) && !(await read(this.ns, keyOf(seq))))) throw new InvalidArgumentError(`dependsOn: unknown task ${dep}`);
    }
    // The id is the etcd revision of a write to `ctr/task`: unique and never reused, in one round trip
    // and without contention between creators.
    const seq = Number((await this.ns.put('ctr/task').value('').exec()).header.revision);
    const t = this.now();
    const stored: StoredTask = { seq, title: task.title, priority: task.priority, dependsOn, status: 'pending', claimedBy: null, result: null, version: 1, createdAt: t, updatedAt: t };
    const res = await this.ns.put(keyOf(seq)).value(JSON.stringify(stored)).exec();
    this.remember(stored, Number(res.header.revision));
    return taskView(stored);
  }

  async update(id: string, patch: TaskPatch, expectedVersion: number): Promise<Task> {
    const seq = taskSeq(id);
    if (seq === null) throw new TaskNotFoundError(id);
    if (patch.priority !== undefined) checkPriority(patch.priority);
    const written = (await casWrite<StoredTask>(this.ns, keyOf(seq), 'tasks.update', this.counters, (current) => {
      if (!current) throw new TaskNotFoundError(id);
      if (current.version !== expectedVersion) throw new VersionConflictError(id, expectedVersion, current.version);
      return { ...current, title: patch.title ?? current.title, priority: patch.priority ?? current.priority, version: current.version + 1, updatedAt: this.now() };
    })) as Versioned<StoredTask>;
    this.remember(written.value, written.revision);
    return taskView(written.value);
  }

  async claim(workerId: string, filter: ClaimFilter = {}): Promise<Task | null> {
    await this.load();
    for (;;) {
      const candidate = this.nextCandidate(filter.minPriority);
      if (!candidate) return null;
      const task = candidate.value;
      const claimed: StoredTask = { ...task, status: 'claimed', claimedBy: workerId, version: task.version + 1, updatedAt: this.now() };
      this.claiming.add(task.seq);
      try {
        const key = keyOf(task.seq);
        const res = await this.ns.if(key, 'Mod', '==', candidate.revision).then(this.ns.put(key).value(JSON.stringify(claimed))).commit();
        if (res.succeeded) {
          this.remember(claimed, Number(res.header.revision));
          return taskView(claimed);
        }
        this.counters.retry('tasks.claim');
        const fresh = await read<StoredTask>(this.ns, key);
        if (fresh) this.remember(fresh.value, fresh.revision);
        else this.replica.delete(task.seq);
      } finally {
        this.claiming.delete(task.seq);
      }
    }
  }

  async complete(id: string, result: unknown): Promise<boolean> {
    const seq = taskSeq(id);
    if (seq === null) return false;
    const json = JSON.parse(JSON.stringify(result ?? null)) as unknown;
    const written = await casWrite<StoredTask>(this.ns, keyOf(seq), 'tasks.complete', this.counters, (current) =>
      current && current.status === 'claimed' ? { ...current, status: 'completed', result: json, version: current.version + 1, updatedAt: this.now() } : undefined,
    );
    if (written) this.remember(written.value, written.revision);
    return written !== undefined;
  }

  async list(status?: TaskStatus): Promise<Task[]> {
    const tasks = (await readPrefix<StoredTask>(this.ns, 't/')).entries.map((e) => e.value);
    return tasks.filter((t) => status === undefined || t.status === status).sort((a, b) => a.seq - b.seq).map(taskView);
  }

  async get(id: string): Promise<Task | null> {
    const seq = taskSeq(id);
    if (seq === null) return null;
    const got = await read<StoredTask>(this.ns, keyOf(seq));
    return got ? taskView(got.value) : null;
  }

  clearReplica(): void {
    this.replica.clear();
  }

  async stop(): Promise<void> {
    await this.watcher?.cancel().catch(() => {});
  }

  private nextCandidate(minPriority: number | undefined): Versioned<StoredTask> | undefined {
    let best: Versioned<StoredTask> | undefined;
    for (const r of this.replica.values()) {
      const t = r.value;
      if (t.status !== 'pending' || this.claiming.has(t.seq)) continue;
      if (minPriority !== undefined && t.priority < minPriority) continue;
      if (best && claimOrder(best.value, t) <= 0) continue;
      if (t.dependsOn.every((dep) => this.replica.get(taskSeq(dep) ?? 0)?.value.status === 'completed')) best = r;
    }
    return best;
  }

  private remember(task: StoredTask, revision: number): void {
    const known = this.replica.get(task.seq);
    if (!known || known.revision < revision) this.replica.set(task.seq, { value: task, revision });
  }

  private load(): Promise<void> {
    this.loading ??= (async () => {
      const { entries, revision } = await readPrefix<StoredTask>(this.ns, 't/');
      for (const e of entries) this.remember(e.value, e.revision);
      const watcher = await this.ns.watch().prefix('t/').startRevision(String(revision + 1)).create();
      watcher.on('put', (kv) => this.remember(JSON.parse(kv.value.toString()) as StoredTask, Number(kv.mod_revision)));
      watcher.on('delete', (kv) => this.replica.delete(Number(kv.key.toString().slice('t/'.length))));
      this.watcher = watcher;
    })();
    return this.loading;
  }
}

