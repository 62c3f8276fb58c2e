/**
 * Task-queue invariants over the history of claims and completions every agent logged, plus the
 * store's state at the end:
 *   - no task claimed twice (by two workers, or twice by one);
 *   - no claimable task left unclaimed once the queue was drained;
 *   - dependencies respected: a task is claimed only after each of its dependencies completed.
 *
 * Order facts come from ONE clock: the machine's monotonic clock (CLOCK_MONOTONIC, read with
 * process.hrtime), which every process on the machine shares — not per-process wall clocks, whose
 * origins differ by milliseconds under load and once made a correct store fail this check. A
 * dependency violation is reported only when it is certain: the claim returned before any
 * successful completion of the dependency even started.
 *
 * The checker streams: events are fed in key order (OrderedMerge) while the run goes on, and what
 * it keeps is sets of task ids as runs of consecutive seqs (id-set.ts) plus the few open
 * questions, so memory follows the queue, not the length of the run.
 */
import type { CheckResult } from '../../core/result.js';
import { checkFromCount, Examples, skipped } from './common.js';
import { TaskIdSet } from './id-set.js';

export interface ClaimEvent {
  taskId: string;
  workerId: string;
  /** µs on the ordering clock (one clock for every agent). */
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
  /** Allowance for clock differences, µs (0 with one clock). */
  skewUs?: number;
}

export type TaskStatusLookup = (id: string) => FinalTask['status'] | undefined;

/** An event in the order the checker must see it: completions before claims at equal keys. */
export type KeyedTaskEvent = { key: number; rank: 0; complete: CompleteEvent } | { key: number; rank: 1; claim: ClaimEvent };

export function keyedClaim(claim: ClaimEvent, skewUs = 0): KeyedTaskEvent {
  return { key: claim.endUs + skewUs, rank: 1, claim };
}

export function keyedComplete(complete: CompleteEvent): KeyedTaskEvent {
  return { key: complete.startUs, rank: 0, complete };
}

/** Claims whose dependency had not started completing when they returned, kept in detail up to this many. */
const OPEN_QUESTIONS = 10_000;
/** Recent claimers remembered to name both workers of a double claim. */
const RECENT_CLAIMERS = 65_536;

interface OpenClaim {
  claim: ClaimEvent;
  dep: string;
}

export class TaskHistoryChecker {
  private readonly claimed = new TaskIdSet();
  private readonly completed = new TaskIdSet();
  /** The last RECENT_CLAIMERS claims (task, worker) in a ring: searched only when a double claim is found. */
  private readonly ringTask: string[] = new Array<string>(RECENT_CLAIMERS);
  private readonly ringWorker: string[] = new Array<string>(RECENT_CLAIMERS);
  private ringAt = 0;
  /** Tasks claimed more than once → every claimer seen (violations only). */
  private readonly doubled = new Map<string, string[]>();
  /** dependency id → claims that returned before it started completing. */
  private readonly open = new Map<string, OpenClaim[]>();
  private openCount = 0;
  private openOverflow = 0;
  private readonly early = new Examples();
  private claims = 0;
  private withDeps = 0;
  /**
   * Times of agents on other hosts are lined up by measured clock offsets, each known to ± its
   * uncertainty: a claim that returned at most this long before its dependency started completing
   * may not have been early, and is not reported (0 on one host, one clock).
   */
  toleranceUs = 0;

  get claimCount(): number {
    return this.claims;
  }

  /** Ids and runs held: the checker's memory, for the bounded-memory benchmark. */
  get footprint(): number {
    return this.claimed.footprint + this.completed.footprint + RECENT_CLAIMERS + this.openCount + this.doubled.size;
  }

  /** Whether a successful completion of the task has been seen (so far, in key order). */
  hasCompleted(id: string): boolean {
    return this.completed.has(id);
  }

  feed(e: KeyedTaskEvent): void {
    if (e.rank === 0) this.onComplete(e.complete);
    else this.onClaim(e.claim);
  }

  onClaim(c: ClaimEvent): void {
    this.claims++;
    if (!this.claimed.add(c.taskId)) {
      const seen = this.doubled.get(c.taskId);
      if (seen) seen.push(c.workerId);
      else this.doubled.set(c.taskId, [this.firstClaimer(c.taskId) ?? 'an earlier claim', c.workerId]);
    }
    this.ringTask[this.ringAt] = c.taskId;
    this.ringWorker[this.ringAt] = c.workerId;
    this.ringAt = (this.ringAt + 1) % RECENT_CLAIMERS;
    if (c.dependsOn.length === 0) return;
    this.withDeps++;
    for (const dep of c.dependsOn) {
      if (this.completed.has(dep)) continue;
      if (this.openCount >= OPEN_QUESTIONS) {
        this.openOverflow++;
        continue;
      }
      const list = this.open.get(dep);
      if (list) list.push({ claim: c, dep });
      else this.open.set(dep, [{ claim: c, dep }]);
      this.openCount++;
    }
  }

  /** The oldest claimer of the task still in the ring (the first claim of a double claim). */
  private firstClaimer(taskId: string): string | undefined {
    for (let k = 0; k < RECENT_CLAIMERS; k++) {
      const i = (this.ringAt + k) % RECENT_CLAIMERS;
      if (this.ringTask[i] === taskId) return this.ringWorker[i];
    }
    return undefined;
  }

  onComplete(d: CompleteEvent): void {
    if (!d.ok || !this.completed.add(d.taskId)) return;
    const waiting = this.open.get(d.taskId);
    if (!waiting) return;
    this.open.delete(d.taskId);
    this.openCount -= waiting.length;
    for (const { claim } of waiting) {
      if (d.startUs - claim.endUs <= this.toleranceUs) continue;
      this.early.add(() => `${claim.taskId} claimed by ${claim.workerId} ${Math.round(d.startUs - claim.endUs)} µs before its dependency ${d.taskId} was completed`);
    }
  }

  /** Dependencies whose final status decides the open questions (ask the store for these). */
  unresolvedDependencies(): string[] {
    return [...this.open.keys()];
  }

  doubleClaimCheck(): CheckResult {
    const examples = [...this.doubled].slice(0, 3).map(([task, workers]) => `${task} claimed by ${workers.join(' and ')}`);
    return checkFromCount('no task claimed by two workers', this.doubled.size, examples, `${this.claims} claims of ${this.claimed.size} tasks, each claimed once`);
  }

  /**
   * After the last event: a claim whose dependency never completed while watched is a violation
   * unless the store says the dependency completed (a completion nobody logged, e.g. by an agent
   * killed before it reported).
   */
  dependencyCheck(statusOf: TaskStatusLookup): CheckResult {
    const never = new Examples();
    for (const [dep, waiting] of this.open) {
      if (statusOf(dep) === 'completed') continue;
      for (const { claim } of waiting) never.add(() => `${claim.taskId} claimed by ${claim.workerId} although its dependency ${dep} never completed`);
    }
    const count = this.early.count + never.count + this.openOverflow;
    const examples = [...this.early.items, ...never.items].slice(0, 3);
    if (examples.length === 0 && this.openOverflow > 0) examples.push(`${this.openOverflow} claims before their dependency completed (details not kept)`);
    return checkFromCount('dependencies respected', count, examples, `${this.withDeps} claims of tasks with dependencies, each after its dependencies completed`);
  }
}

/** Feeds a whole history (tests, small runs) in key order. */
function replay(h: Pick<TaskHistory, 'claims' | 'completes' | 'skewUs'>): TaskHistoryChecker {
  const events: KeyedTaskEvent[] = [...h.completes.map(keyedComplete), ...h.claims.map((c) => keyedClaim(c, h.skewUs ?? 0))];
  events.sort((a, b) => a.key - b.key || a.rank - b.rank);
  const checker = new TaskHistoryChecker();
  for (const e of events) checker.feed(e);
  return checker;
}

export function checkNoDoubleClaims(claims: readonly ClaimEvent[]): CheckResult {
  const checker = new TaskHistoryChecker();
  for (const c of claims) checker.onClaim(c);
  return checker.doubleClaimCheck();
}

export function checkNoClaimableLeft(finalTasks: readonly FinalTask[], drained: boolean): CheckResult {
  const name = 'no claimable task left unclaimed';
  if (!drained) return skipped(name, 'the run was interrupted before the queue was drained');
  const status = new Map(finalTasks.map((t) => [t.id, t.status]));
  const violations = new Examples();
  let pending = 0;
  for (const t of finalTasks) {
    if (t.status !== 'pending') continue;
    pending++;
    const blocked = t.dependsOn.filter((d) => status.get(d) !== 'completed');
    if (blocked.length === 0) violations.add(() => `${t.id} is pending with every dependency completed`);
  }
  return checkFromCount(name, violations.count, violations.items, `queue drained: ${pending} tasks pending, each blocked by an unfinished dependency`);
}

export function checkDependenciesRespected(h: Pick<TaskHistory, 'claims' | 'completes' | 'finalTasks' | 'skewUs'>): CheckResult {
  const finalStatus = new Map(h.finalTasks.map((t) => [t.id, t.status]));
  return replay(h).dependencyCheck((id) => finalStatus.get(id));
}

export function checkTaskInvariants(h: TaskHistory): CheckResult[] {
  const checker = replay(h);
  const finalStatus = new Map(h.finalTasks.map((t) => [t.id, t.status]));
  return [checker.doubleClaimCheck(), checkNoClaimableLeft(h.finalTasks, h.drained), checker.dependencyCheck((id) => finalStatus.get(id))];
}
