/**
 * Task-queue invariants over the history of claims and completions every agent logged, plus the
 * store's final state:
 *   - no task claimed twice (by two workers, or twice by one);
 *   - no claimable task left unclaimed once the queue was drained;
 *   - dependencies respected: a task is claimed only after each of its dependencies completed.
 * Times are wall-clock µs (comparable across processes on one machine); a dependency violation is
 * reported only when it is certain whatever the clock skew allowance: the claim returned before the
 * dependency's completion even started.
 */
import type { CheckResult } from '../../core/result.js';
import { checkFrom, skipped } from './common.js';

export interface ClaimEvent {
  taskId: string;
  workerId: string;
  startUs: number;
  endUs: number;
  dependsOn: string[];
}

export interface CompleteEvent {
  taskId: string;
  workerId: string;
  startUs: number;
  endUs: number;
  /** What complete() returned. */
  ok: boolean;
}

export interface FinalTask {
  id: string;
  status: 'pending' | 'claimed' | 'completed';
  dependsOn: string[];
  claimedBy: string | null;
}

export interface TaskHistory {
  claims: ClaimEvent[];
  completes: CompleteEvent[];
  finalTasks: FinalTask[];
  /** Whether the agents drained the queue at the end (false for an interrupted run). */
  drained: boolean;
  /** Allowance for clock differences between processes, µs. */
  skewUs?: number;
}

export function checkNoDoubleClaims(claims: readonly ClaimEvent[]): CheckResult {
  const byTask = new Map<string, string[]>();
  for (const c of claims) {
    const list = byTask.get(c.taskId);
    if (list) list.push(c.workerId);
    else byTask.set(c.taskId, [c.workerId]);
  }
  const violations: string[] = [];
  for (const [task, workers] of byTask) if (workers.length > 1) violations.push(`${task} claimed by ${workers.join(' and ')}`);
  return checkFrom('no task claimed by two workers', violations, `${claims.length} claims of ${byTask.size} tasks, each claimed once`);
}

export function checkNoClaimableLeft(finalTasks: readonly FinalTask[], drained: boolean): CheckResult {
  const name = 'no claimable task left unclaimed';
  if (!drained) return skipped(name, 'the run was interrupted before the queue was drained');
  const status = new Map(finalTasks.map((t) => [t.id, t.status]));
  const violations: string[] = [];
  for (const t of finalTasks) {
    if (t.status !== 'pending') continue;
    const blocked = t.dependsOn.filter((d) => status.get(d) !== 'completed');
    if (blocked.length === 0) violations.push(`${t.id} is pending with every dependency completed`);
  }
  const pending = finalTasks.filter((t) => t.status === 'pending').length;
  return checkFrom(name, violations, `queue drained: ${finalTasks.length} tasks, ${pending} pending (each blocked by an unfinished dependency)`);
}

export function checkDependenciesRespected(h: Pick<TaskHistory, 'claims' | 'completes' | 'finalTasks' | 'skewUs'>): CheckResult {
  const skew = h.skewUs ?? 0;
  const firstCompletion = new Map<string, CompleteEvent>();
  for (const c of h.completes) {
    if (!c.ok) continue;
    const prev = firstCompletion.get(c.taskId);
    if (!prev || c.startUs < prev.startUs) firstCompletion.set(c.taskId, c);
  }
  const finalStatus = new Map(h.finalTasks.map((t) => [t.id, t.status]));
  const violations: string[] = [];
  let withDeps = 0;
  for (const claim of h.claims) {
    if (claim.dependsOn.length === 0) continue;
    withDeps++;
    for (const dep of claim.dependsOn) {
      const done = firstCompletion.get(dep);
      if (!done) {
        if (finalStatus.get(dep) !== 'completed') violations.push(`${claim.taskId} claimed by ${claim.workerId} although its dependency ${dep} never completed`);
      } else if (claim.endUs + skew < done.startUs) {
        violations.push(`${claim.taskId} claimed by ${claim.workerId} ${Math.round(done.startUs - claim.endUs)} µs before its dependency ${dep} was completed`);
      }
    }
  }
  return checkFrom('dependencies respected', violations, `${withDeps} claims of tasks with dependencies, each after its dependencies completed`);
}

export function checkTaskInvariants(h: TaskHistory): CheckResult[] {
  return [checkNoDoubleClaims(h.claims), checkNoClaimableLeft(h.finalTasks, h.drained), checkDependenciesRespected(h)];
}
