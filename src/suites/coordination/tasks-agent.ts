/**
 * The tasks agent: one worker of a swarm sharing one task queue. Each iteration it completes the
 * task it holds, or creates a task (some depending on tasks created before), claims the next one,
 * or updates a task's priority with optimistic concurrency (re-read and retry on a version
 * conflict, every retry counted). Every claim and completion — warmup, measured window and the
 * final drain alike — goes into the history the invariant checkers read.
 *
 * With completion off (`complete: false`, the suite's `--complete off`) an agent never completes
 * what it claims: claim throughput is then measured alone, like-for-like with a bare claim loop.
 * Claimed tasks stay claimed, so nothing that depends on them ever becomes claimable, and the drain
 * ends as soon as claim() finds nothing — there is no holder whose completion could unblock more.
 */
import { runClosedLoop } from '../../load/closed-loop.js';
import type { Workload } from '../../load/types.js';
import type { Recorder } from '../../measure/recorder.js';
import type { Task } from '../../targets/ports.js';
import type { AgentContext, AgentRole } from '../agents/runtime.js';
import { orderUs } from '../agents/runtime.js';

export const TASK_OPS = ['create', 'claim', 'update'] as const;
export type TaskOp = (typeof TASK_OPS)[number];

export interface TasksAgentLog {
  drained: boolean;
}

/**
 * One claim (`c`: task, start, end, dependencies) or successful-or-not completion (`d`: task, start,
 * end, ok), times in µs on the ordering clock. Tuples: millions cross the IPC channel.
 */
export type TaskLogEntry = ['c', string, number, number, string[]] | ['d', string, number, number, boolean];

/** A batch of the agent's history; `watermarkUs`: none of its later entries has an earlier key. */
export interface TaskLogBatch {
  kind: 'tasks-log';
  entries: TaskLogEntry[];
  watermarkUs: number;
  final: boolean;
}

const BATCH_ENTRIES = 2048;
const BATCH_AGE_US = 50_000;

/**
 * Streams the agent's claims and completions to the parent in batches instead of keeping them: a
 * long run's history would not fit in memory. flush() is called between operations only, so no
 * operation is in flight and "now" is a valid watermark.
 */
class TaskLogStream {
  private entries: TaskLogEntry[] = [];
  private lastFlushUs = orderUs();
  constructor(private readonly ctx: AgentContext) {}

  push(entry: TaskLogEntry): void {
    this.entries.push(entry);
  }

  /** Between operations: sends the batch when it is full or old. */
  tick(): void {
    if (this.entries.length >= BATCH_ENTRIES) this.flush(false);
    else if (this.entries.length > 0 && orderUs() - this.lastFlushUs >= BATCH_AGE_US) this.flush(false);
  }

  flush(final: boolean): void {
    const now = orderUs();
    this.lastFlushUs = now;
    const batch: TaskLogBatch = { kind: 'tasks-log', entries: this.entries, watermarkUs: now, final };
    this.entries = [];
    this.ctx.emit(batch);
  }
}

const RECENT = 64;
const MAX_UPDATE_ATTEMPTS = 5;

export const tasksAgent: AgentRole = async (ctx) => {
  const store = ctx.backend.tasks;
  const me = ctx.agentId;
  const mix = ctx.param<Record<TaskOp, number>>('mix', { create: 35, claim: 45, update: 20 });
  const depProbability = ctx.param('depProbability', 0.3);
  const drainTimeoutMs = ctx.param('drainTimeoutMs', 10_000);
  const completing = ctx.param('complete', true);
  const rng = ctx.rng;
  const log = new TaskLogStream(ctx);
  const recent: string[] = [];
  const counters = { claimEmpty: 0, claimMismatch: 0, updateConflicts: 0, updateGaveUp: 0, updateRetired: 0, created: 0, completed: 0, completeRefused: 0, claims: 0 };
  let holding: Task | null = null;
  let recorder: Recorder | undefined;

  const total = TASK_OPS.reduce((s, op) => s + mix[op], 0);
  const pick = (): TaskOp => {
    let u = rng.next() * total;
    for (const op of TASK_OPS) {
      u -= mix[op];
      if (u < 0) return op;
    }
    return 'claim';
  };

  const claim = async (): Promise<Task | null> => {
    const startUs = orderUs();
    const task = await store.claim(me);
    const endUs = orderUs();
    if (!task) {
      counters.claimEmpty++;
      return null;
    }
    counters.claims++;
    log.push(['c', task.id, startUs, endUs, task.dependsOn]);
    if (task.status !== 'claimed' || task.claimedBy !== me) counters.claimMismatch++;
    if (completing) holding = task;
    return task;
  };

  const complete = async (task: Task): Promise<void> => {
    const startUs = orderUs();
    // Thrown (e.g. a lock timeout: nothing was written): the task is still held, and completed next.
    const ok = await store.complete(task.id, { by: me });
    holding = null;
    log.push(['d', task.id, startUs, orderUs(), ok]);
    if (ok) counters.completed++;
    else counters.completeRefused++;
  };

  const create = async (): Promise<void> => {
    const dependsOn: string[] = [];
    if (recent.length > 0 && rng.bool(depProbability)) {
      const n = rng.int(1, Math.min(2, recent.length));
      for (let i = 0; i < n; i++) {
        const id = rng.pick(recent);
        if (!dependsOn.includes(id)) dependsOn.push(id);
      }
    }
    const task = await store.create({ title: `${me} task ${counters.created}`, priority: rng.int(0, 9), dependsOn });
    counters.created++;
    recent.push(task.id);
    if (recent.length > RECENT) recent.shift();
  };

  /** Optimistic update: read, write with the version read; on a conflict re-read and try again. */
  const update = async (): Promise<void> => {
    if (recent.length === 0) return create();
    const id = rng.pick(recent);
    for (let attempt = 1; ; attempt++) {
      const current = await store.get(id);
      if (!current) {
        // A store that retires old completed tasks (the memory backend keeps a bounded number) no
        // longer returns them; anything else is a lost task, which the invariants must not hide.
        if (!(await store.isRetired?.(id))) throw new Error(`task ${id} created by ${me} has vanished`);
        counters.updateRetired++;
        const at = recent.indexOf(id);
        if (at >= 0) recent.splice(at, 1);
        return;
      }
      try {
        await store.update(id, { priority: rng.int(0, 9) }, current.version);
        return;
      } catch (err) {
        if ((err as { code?: unknown }).code !== 'VERSION_CONFLICT') throw err;
        counters.updateConflicts++;
        if (attempt >= MAX_UPDATE_ATTEMPTS) {
          counters.updateGaveUp++;
          throw err;
        }
        recorder?.recordRetry('update');
      }
    }
  };

  const workload: Workload = {
    next() {
      // Between two operations: the moment to hand the parent a batch of the history.
      log.tick();
      const held = holding;
      if (held) return { name: 'complete', run: () => complete(held) };
      const op = pick();
      switch (op) {
        case 'create':
          return { name: 'create', run: create };
        case 'claim':
          return { name: 'claim', run: claim };
        case 'update':
          return { name: 'update', run: update };
      }
    },
  };

  await ctx.ready();
  const recording = await ctx.measure((lc, _phase, durationUs, iterations) => {
    recorder = lc.recorder;
    return runClosedLoop(workload, { concurrency: 1, durationUs, ...(iterations !== undefined ? { iterations } : {}) }, lc);
  });
  recorder = undefined;

  // Drain: claim and complete until nothing is claimable and nobody holds a task, so the end state
  // says whether claim() ever reported an empty queue while a task was claimable.
  let drained = false;
  const deadline = Date.now() + drainTimeoutMs;
  while (!ctx.signal.aborted && Date.now() < deadline) {
    log.tick();
    const held: Task | null = holding;
    if (held) {
      await ctx.untilNotBusy(() => complete(held));
      continue;
    }
    if (await ctx.untilNotBusy(claim)) continue;
    if (!completing) {
      drained = true;
      break;
    }
    const inProgress = await ctx.untilNotBusy(() => store.list('claimed'));
    if (inProgress.length === 0) {
      drained = true;
      break;
    }
    await ctx.clock.sleepUntil(ctx.clock.nowUs() + 2_000, ctx.signal);
  }
  log.flush(true);
  const report: TasksAgentLog = { drained };
  return { recording, counters: { ...counters, drainTimedOut: drained || ctx.signal.aborted ? 0 : 1 }, log: report };
};
