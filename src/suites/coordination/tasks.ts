/**
 * tasks: every agent claims from one queue. The parent seeds the queue (with dependencies), the
 * agents create, claim, complete and update tasks for the measured window and then drain the
 * queue; the invariant checkers then read every claim and completion and the store's final state:
 * no task claimed twice, none claimable left unclaimed, dependencies respected.
 *
 * `--complete off` measures claims alone (agents claim and never complete): every check still
 * runs — no double claim; once drained, every pending task must be blocked by a dependency (which,
 * with nothing completed by the agents, is any task with a dependency that was not completed); and
 * a task with dependencies claimed at all is a dependency violation, since none of them completed.
 * A drain that runs out of time is a FAILED check, not a skipped one: "nothing claimable left" was
 * then never verified (size --queue so the agents can drain it, or raise --drain-timeout).
 */
import type { CheckResult, SuiteResult } from '../../core/result.js';
import type { Backend } from '../../targets/ports.js';
import { Rng } from '../../measure/rng.js';
import { OrderedMerge } from '../invariants/ordered-merge.js';
import { checkNoClaimableLeft, keyedClaim, keyedComplete, TaskHistoryChecker, type FinalTask, type KeyedTaskEvent } from '../invariants/tasks.js';
import type { AgentInfo } from '../agents/harness.js';
import { choiceParam, defineParams, durationParam, intParam, mixParam, type ParamValues } from '../../core/params.js';
import type { SuiteDefinition, SuiteRunOptions } from '../types.js';
import { agentLogs, assembleSuiteResult, runSuiteAgents, sumStats, withSuiteBackend } from './common.js';
import { TASK_OPS, type TaskLogBatch, type TasksAgentLog } from './tasks-agent.js';

const OP_TO_BACKEND: Record<string, string[]> = {
  create: ['tasks.create'],
  claim: ['tasks.claim'],
  complete: ['tasks.complete'],
  update: ['tasks.get', 'tasks.update'],
};

export const tasksParams = defineParams({
  queue: intParam({ help: 'tasks seeded before the agents start', default: 500, quick: 100, min: 0, max: 10_000_000 }),
  mix: mixParam({ help: 'operation weights', names: TASK_OPS, default: 'create=35,claim=45,update=20' }),
  depPercent: intParam({ help: 'percent of created tasks that depend on earlier ones', default: 30, min: 0, max: 100, unit: 'percent' }),
  complete: choiceParam({ help: 'off: agents claim and never complete (claim throughput alone; every check still runs)', values: ['on', 'off'] as const, default: 'on' }),
  drainTimeout: durationParam({ help: 'time the agents have to drain the queue after the window; running out fails the run', default: '15s', quick: '5s', unit: 'ms', min: 100, max: 600_000 }),
});
export type TasksParams = ParamValues<typeof tasksParams.shape>;

export async function runTasksSuite(o: SuiteRunOptions, injected?: Backend, params: TasksParams = tasksParams.parse({}, { quick: o.quick })): Promise<SuiteResult> {
  const queue = params.queue;
  const mix = params.mix;
  const depProbability = params.depPercent / 100;
  const completing = params.complete === 'on';
  const drainTimeoutMs = params.drainTimeout;
  return withSuiteBackend(o, injected, async (sb) => {
    const seeded = await seedQueue(sb.backend, queue, depProbability, o.seed);
    const history = new StreamedHistory(o.agents);
    const r = await runSuiteAgents(o, sb, {
      role: 'tasks',
      label: completing ? 'tasks' : 'tasks (claim only)',
      params: { mix, depProbability, drainTimeoutMs, complete: completing },
      // The agents' drain runs inside the grace period; 5 s more for reporting.
      finishGraceMs: drainTimeoutMs + 5_000,
      onEvent: (event, agent) => history.accept(event, agent),
      // Before any agent logs: the claim and the completion may come from the two least certain hosts.
      onRemoteJoined: (clocks) => (history.checker.toleranceUs = 2 * Math.max(0, ...clocks.map((c) => c.uncertaintyUs))),
    });
    history.finish();
    const logs = agentLogs<TasksAgentLog>(r);
    const drained = !r.aborted && logs.length > 0 && logs.every((l) => l.drained) && r.outcomes.every((a) => a.report !== undefined);
    const endState = await readEndState(sb.backend, history.checker);
    const finalTasks = endState.tasks;
    const checks = [
      history.checker.doubleClaimCheck(),
      checkNoClaimableLeft(finalTasks, drained),
      history.checker.dependencyCheck((id) => endState.status.get(id)),
    ];
    const drainTimedOut = r.counters.drainTimedOut ?? 0;
    if (!r.aborted && drainTimedOut > 0) replaceCheck(checks, drainFailure(finalTasks, drainTimedOut, drainTimeoutMs));
    const contention = sumStats(r.backendStats, ['tasks.claim']);
    const metrics: Record<string, number> = {
      seededTasks: seeded,
      completionOn: completing ? 1 : 0,
      tasksTotal: seeded + (r.counters.created ?? 0),
      tasksPendingAtEnd: finalTasks.filter((t) => t.status === 'pending').length,
      claims: history.checker.claimCount,
      claimEmpty: r.counters.claimEmpty ?? 0,
      // A claim conflict is a claim that found the store locked by another agent's claim: each
      // busy retry inside the claim, and each claim that failed busy after all of them.
      claimConflicts: contention.retries + contention.busy,
      claimBusyFailures: contention.busy,
      updateConflicts: r.counters.updateConflicts ?? 0,
      completed: r.counters.completed ?? 0,
      completeRefused: r.counters.completeRefused ?? 0,
      claimMismatch: r.counters.claimMismatch ?? 0,
    };
    if ((r.counters.claimMismatch ?? 0) > 0) {
      checks.push({ name: 'claims return the claimed task', passed: false, status: 'failed', detail: `${r.counters.claimMismatch} claims returned a task not marked claimed by the caller` });
    }
    return assembleSuiteResult('tasks', sb, r, checks, metrics, OP_TO_BACKEND);
  });
}

/** Not drained in time: the "nothing claimable left" invariant went unverified, which fails the run. */
function drainFailure(finalTasks: ReadonlyArray<{ id: string; status: string; dependsOn: string[] }>, agents: number, timeoutMs: number): CheckResult {
  const status = new Map(finalTasks.map((t) => [t.id, t.status]));
  const claimable = finalTasks.filter((t) => t.status === 'pending' && t.dependsOn.every((d) => status.get(d) === 'completed')).length;
  return {
    name: 'no claimable task left unclaimed',
    passed: false,
    status: 'failed',
    detail: `not verified: ${agents} agent(s) did not drain the queue within --drain-timeout ${timeoutMs} ms (${claimable} tasks still claimable); use a smaller --queue or a longer --drain-timeout`,
  };
}

function replaceCheck(checks: CheckResult[], check: CheckResult): void {
  const i = checks.findIndex((c) => c.name === check.name);
  if (i >= 0) checks[i] = check;
  else checks.push(check);
}

/**
 * The agents' histories, merged in order as they arrive and checked on the fly: nothing of the
 * history is kept beyond what the checker needs (see invariants/tasks.ts).
 */
class StreamedHistory {
  readonly checker = new TaskHistoryChecker();
  private readonly merge = new OrderedMerge<KeyedTaskEvent>((e) => this.checker.feed(e));

  constructor(agents: number) {
    // Every agent is a source from the start: nothing is released ahead of one not heard from yet.
    for (let i = 0; i < agents; i++) this.merge.open(sourceOf({ index: i, generation: 0 }));
  }

  /**
   * An agent on another host logs on its own monotonic clock: its times are moved onto this host's
   * by the measured offset (a constant per source, so each source's keys stay in order, as the merge
   * needs), and the checker forgives a claim early by no more than twice the largest offset
   * uncertainty: a claim is reported early only when it was early whatever the true offsets.
   */
  accept(event: unknown, agent: Pick<AgentInfo, 'index' | 'generation' | 'agentId' | 'clock'>): void {
    const batch = event as Partial<TaskLogBatch> | null;
    if (batch?.kind !== 'tasks-log' || !Array.isArray(batch.entries)) return;
    const source = sourceOf(agent);
    const shift = agent.clock?.orderOffsetUs ?? 0;
    const keyed: KeyedTaskEvent[] = batch.entries.map((e) =>
      e[0] === 'c'
        ? keyedClaim({ taskId: e[1], workerId: agent.agentId, startUs: e[2] - shift, endUs: e[3] - shift, dependsOn: e[4] })
        : keyedComplete({ taskId: e[1], workerId: agent.agentId, startUs: e[2] - shift, endUs: e[3] - shift, ok: e[4] }),
    );
    this.merge.push(source, keyed, (batch.watermarkUs ?? -Infinity) - shift);
    if (batch.final) this.merge.close(source);
  }

  finish(): void {
    this.merge.finish();
  }
}

function sourceOf(agent: { index: number; generation: number }): string {
  return `${agent.index}.${agent.generation}`;
}

/**
 * What the end-state checks need from the store, read without listing every task a long run
 * created: the pending tasks, their dependencies, and the dependencies the checker still asks about.
 */
async function readEndState(backend: Backend, checker: TaskHistoryChecker): Promise<{ tasks: FinalTask[]; status: Map<string, FinalTask['status']> }> {
  const pending = await backend.tasks.list('pending');
  const tasks: FinalTask[] = pending.map((t) => ({ id: t.id, status: t.status, dependsOn: t.dependsOn, claimedBy: t.claimedBy }));
  const status = new Map<string, FinalTask['status']>(tasks.map((t) => [t.id, t.status]));
  const wanted = new Set([...pending.flatMap((t) => t.dependsOn), ...checker.unresolvedDependencies()]);
  for (const id of wanted) {
    if (status.has(id)) continue;
    const t = await backend.tasks.get(id);
    let s: FinalTask['status'] | undefined = t?.status;
    if (!t && (await backend.tasks.isRetired?.(id))) s = 'completed';
    if (s === undefined) continue;
    status.set(id, s);
    tasks.push({ id, status: s, dependsOn: t?.dependsOn ?? [], claimedBy: t?.claimedBy ?? null });
  }
  return { tasks, status };
}

/** Seeds the queue before the agents start: some tasks depend on one or two earlier ones. */
async function seedQueue(backend: Backend, count: number, depProbability: number, seed: number): Promise<number> {
  const rng = new Rng(seed ^ 0x7a5c);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const dependsOn: string[] = [];
    if (ids.length > 0 && rng.bool(depProbability)) {
      const n = rng.int(1, Math.min(2, ids.length));
      for (let k = 0; k < n; k++) {
        const id = ids[ids.length - 1 - rng.int(0, Math.min(20, ids.length - 1))] as string;
        if (!dependsOn.includes(id)) dependsOn.push(id);
      }
    }
    const t = await backend.tasks.create({ title: `seed ${i}`, priority: rng.int(0, 9), dependsOn });
    ids.push(t.id);
  }
  return ids.length;
}

export const tasksSuite: SuiteDefinition<typeof tasksParams.shape> = {
  name: 'tasks',
  description: 'task queue shared by N agents: create, claim, complete, update; claim conflicts; no double claims, dependencies respected',
  runByDefault: true,
  remoteAgents: true,
  params: tasksParams,
  run: (o, params) => runTasksSuite(o, undefined, params),
};
