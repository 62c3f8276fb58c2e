/**
 * NATS KV TaskStore: one key per task (`t.<seq>`), every change a revision-checked update. Each
 * process keeps a replica of the tasks, loaded once and then fed by a KV watch, to choose what to
 * claim without reading the whole bucket; the claim itself is a compare-and-set on the task's
 * revision, so it is atomic however stale the replica: a lost race (another process claimed or
 * changed the task first) refreshes that task and tries the next candidate, counted in
 * stats().retries['tasks.claim']. Claims inside one process never race each other (a task being
 * claimed here is skipped by this process's other claims). The replica only decides what to try;
 * list() and get() always read the bucket.
 */
import type { KV, KvEntry } from '@nats-io/kv';
import { InvalidArgumentError, TaskNotFoundError } from '../errors.js';
import type { WallClockMs } from '../options.js';
import { VersionConflictError, type ClaimFilter, type NewTask, type Task, type TaskPatch, type TaskStatus, type TaskStore } from '../ports.js';
import type { Counters } from '../remote/counters.js';
import { checkNewTask, checkPriority, claimOrder } from '../validate.js';
import { casWrite, entriesOf, getLive, isCasConflict, type KeyLister } from './kv.js';
import { taskSeq, taskView, type StoredTask } from '../remote/task-record.js';

interface Replica {
  task: StoredTask;
  revision: number;
}

export class NatsTaskStore implements TaskStore {
  private readonly replica = new Map<number, Replica>();
  private readonly claiming = new Set<number>();
  private loading: Promise<void> | undefined;
  private stopWatch: (() => void) | undefined;

  constructor(
    private readonly kv: KV,
    private readonly now: WallClockMs,
    private readonly counters: Counters,
    private readonly keysOf: KeyLister,
    /** How many task keys the bucket holds now (from the stream's subject counts). */
    private readonly countTasks: () => Promise<number>,
  ) {}

  async create(task: NewTask): Promise<Task> {
    checkNewTask(task);
    const dependsOn = [...new Set(task.dependsOn ?? [])];
    for (const dep of dependsOn) {
      const seq = taskSeq(dep);
      // A dependency on a task that does not exist could never complete: the task would be stuck.
      if (seq === null || (!this.replica.has(seq) && !(await getLive(this.kv, `t.${seq}`)))) throw new InvalidArgumentError(`dependsOn: unknown task ${dep}`);
    }
    // The id is the revision of a write to `ctr.task`: the bucket's stream sequence, unique and never
    // reused (not even after a purge), in one round trip and without contention between creators.
    const seq = await this.kv.put('ctr.task', '');
    const t = this.now();
    const stored: StoredTask = { seq, title: task.title, priority: task.priority, dependsOn, status: 'pending', claimedBy: null, result: null, version: 1, createdAt: t, updatedAt: t };
    this.remember(stored, await this.kv.create(`t.${seq}`, JSON.stringify(stored)));
    return taskView(stored);
  }

  async update(id: string, patch: TaskPatch, expectedVersion: number): Promise<Task> {
    const seq = taskSeq(id);
    if (seq === null) throw new TaskNotFoundError(id);
    if (patch.priority !== undefined) checkPriority(patch.priority);
    const written = await casWrite<StoredTask>(this.kv, `t.${seq}`, 'tasks.update', this.counters, (current) => {
      if (!current) throw new TaskNotFoundError(id);
      if (current.version !== expectedVersion) throw new VersionConflictError(id, expectedVersion, current.version);
      return { ...current, title: patch.title ?? current.title, priority: patch.priority ?? current.priority, version: current.version + 1, updatedAt: this.now() };
    });
    const { value, revision } = written as { value: StoredTask; revision: number };
    this.remember(value, revision);
    return taskView(value);
  }

  async claim(workerId: string, filter: ClaimFilter = {}): Promise<Task | null> {
    await this.load();
    for (;;) {
      const candidate = this.nextCandidate(filter.minPriority);
      if (!candidate) return null;
      const { task, revision } = candidate;
      const claimed: StoredTask = { ...task, status: 'claimed', claimedBy: workerId, version: task.version + 1, updatedAt: this.now() };
      this.claiming.add(task.seq);
      try {
        this.remember(claimed, await this.kv.update(`t.${task.seq}`, JSON.stringify(claimed), revision));
        return taskView(claimed);
      } catch (err) {
        if (!isCasConflict(err)) throw err;
        this.counters.retry('tasks.claim');
        await this.refresh(task.seq);
      } finally {
        this.claiming.delete(task.seq);
      }
    }
  }

  async complete(id: string, result: unknown): Promise<boolean> {
    const seq = taskSeq(id);
    if (seq === null) return false;
    const json = JSON.parse(JSON.stringify(result ?? null)) as unknown;
    const written = await casWrite<StoredTask>(this.kv, `t.${seq}`, 'tasks.complete', this.counters, (current) =>
      current && current.status === 'claimed' ? { ...current, status: 'completed', result: json, version: current.version + 1, updatedAt: this.now() } : undefined,
    );
    if (written) this.remember(written.value, written.revision);
    return written !== undefined;
  }

  async list(status?: TaskStatus): Promise<Task[]> {
    const tasks = (await entriesOf(this.kv, await this.keysOf('t.>'))).map((e) => e.json<StoredTask>());
    return tasks.filter((t) => status === undefined || t.status === status).sort((a, b) => a.seq - b.seq).map(taskView);
  }

  async get(id: string): Promise<Task | null> {
    const seq = taskSeq(id);
    if (seq === null) return null;
    const entry = await getLive(this.kv, `t.${seq}`);
    return entry ? taskView(entry.json<StoredTask>()) : null;
  }

  /** Forgets the replica (reset() purged the bucket). */
  clearReplica(): void {
    this.replica.clear();
  }

  stop(): void {
    this.stopWatch?.();
  }

  private nextCandidate(minPriority: number | undefined): Replica | undefined {
    let best: Replica | undefined;
    for (const r of this.replica.values()) {
      const t = r.task;
      if (t.status !== 'pending' || this.claiming.has(t.seq)) continue;
      if (minPriority !== undefined && t.priority < minPriority) continue;
      if (best && claimOrder(best.task, t) <= 0) continue;
      if (t.dependsOn.every((dep) => this.replica.get(taskSeq(dep) ?? 0)?.task.status === 'completed')) best = r;
    }
    return best;
  }

  private remember(task: StoredTask, revision: number): void {
    const known = this.replica.get(task.seq);
    if (!known || known.revision < revision) this.replica.set(task.seq, { task, revision });
  }

  private apply(entry: KvEntry): void {
    const seq = Number(entry.key.slice(2));
    if (entry.operation === 'PUT') this.remember(entry.json<StoredTask>(), entry.revision);
    else if ((this.replica.get(seq)?.revision ?? 0) < entry.revision) this.replica.delete(seq);
  }

  private async refresh(seq: number): Promise<void> {
    const entry = await this.kv.get(`t.${seq}`);
    if (entry) this.apply(entry);
  }

  /**
   * One KV watch delivers every task's last value, then every change: no gap between loading and
   * following. Loaded once the server says nothing more is pending (delta 0), or at once when
   * there are no tasks at all.
   */
  private load(): Promise<void> {
    this.loading ??= (async () => {
      const expected = await this.countTasks();
      let loaded!: () => void;
      const done = new Promise<void>((resolve) => (loaded = resolve));
      if (expected === 0) loaded();
      const watch = await this.kv.watch({ key: 't.>' });
      this.stopWatch = () => watch.stop();
      let seen = 0;
      void (async () => {
        for await (const entry of watch) {
          this.apply(entry);
          if (++seen >= expected || entry.delta === 0) loaded();
        }
      })().catch(() => this.counters.retry('tasks.watch'));
      await done;
    })();
    return this.loading;
  }
}

