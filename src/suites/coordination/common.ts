/**
 * What the five coordination suites share: opening the backend the way the
 * agents will (worker processes for a store several processes can share, in-process agents for the
 * memory backend), folding the backend's contention counters into the operations, and assembling
 * the SuiteResult.
 */
import type { CheckResult, OperationResult, SuiteResult } from '../../core/result.js';
import { isSharedAcrossProcesses, openBackend } from '../../targets/backend.js';
import type { Backend, BackendStats } from '../../targets/ports.js';
import { runAgents, type AgentOutcome, type RunAgentsOptions, type RunAgentsResult } from '../agents/harness.js';
import type { AgentParams } from '../agents/protocol.js';
import type { SuiteRunOptions } from '../types.js';

// ── backend and agents ───────────────────────────────────────────────────────────────────────

export interface SuiteBackend {
  spec: string;
  /** The parent's own connection: setup before the agents start and the end-state checks after. */
  backend: Backend;
  /** Whether agents run in this process (a store that cannot be shared across processes). */
  inProcess: boolean;
}

/**
 * Opens the suite's backend. `injected` (tests: a deliberately broken adapter) runs in-process
 * agents against that instance instead.
 */
async function openSuiteBackend(o: SuiteRunOptions, injected?: Backend): Promise<SuiteBackend> {
  if (injected) return { spec: injected.name, backend: injected, inProcess: true };
  const spec = o.backend;
  const backend = await openBackend(spec, o.dataDir);
  return { spec, backend, inProcess: !isSharedAcrossProcesses(spec) };
}

/**
 * A suite's backend lifecycle: opens it, empties it, runs `body`, and closes it — except an
 * injected adapter, which its caller owns.
 */
export async function withSuiteBackend<T>(o: SuiteRunOptions, injected: Backend | undefined, body: (sb: SuiteBackend) => Promise<T>): Promise<T> {
  const sb = await openSuiteBackend(o, injected);
  try {
    await sb.backend.reset();
    return await body(sb);
  } finally {
    if (!injected) await closeQuietly(sb.backend);
  }
}

export interface AgentsRunInput {
  role: string;
  params: AgentParams;
  label: string;
  finishGraceMs?: number;
  onEvent?: RunAgentsOptions['onEvent'];
}

export function runSuiteAgents(o: SuiteRunOptions, sb: SuiteBackend, input: AgentsRunInput): Promise<RunAgentsResult> {
  const options: RunAgentsOptions = {
    role: input.role,
    agents: o.agents,
    backend: sb.spec,
    dataDir: o.dataDir,
    params: input.params,
    seed: o.seed,
    warmupUs: o.warmupUs,
    durationUs: o.durationUs,
    intervalUs: o.intervalUs,
    signal: o.signal,
    progress: o.progress,
    label: `${input.label} (${sb.backend.name}, ${o.agents} agent${o.agents === 1 ? '' : 's'}${sb.inProcess ? ', in-process' : ''})`,
    sampleIntervalMs: o.quick ? 250 : 1000,
    ...(o.quick ? { ciSamples: 300 } : {}),
  };
  if (o.iterations !== undefined) options.iterations = o.iterations;
  if (sb.inProcess) options.inProcess = { backend: sb.backend };
  if (input.finishGraceMs !== undefined) options.finishGraceMs = input.finishGraceMs;
  if (input.onEvent) options.onEvent = input.onEvent;
  return runAgents(options);
}

/**
 * Adds the backend's contention counters to the operations that caused them: retries after
 * SQLITE_BUSY go into `retries` (busy errors that outlasted the retries are already errors, with
 * their reason, from the thrown error's code).
 */
export function foldBackendStats(operations: OperationResult[], stats: BackendStats, opToBackend: Record<string, string[]>): void {
  for (const op of operations) {
    const { retries } = sumStats(stats, opToBackend[op.name] ?? []);
    if (retries > 0) op.retries = (op.retries ?? 0) + retries;
  }
}

export function sumStats(stats: BackendStats, names: readonly string[]): { retries: number; busy: number } {
  let retries = 0;
  let busy = 0;
  for (const n of names) {
    retries += stats.retries[n] ?? 0;
    busy += stats.busy[n] ?? 0;
  }
  return { retries, busy };
}

/** Every agent reported (or was killed on purpose): a crashed or hung agent fails the run. */
export function agentsReportedCheck(outcomes: readonly AgentOutcome[]): CheckResult {
  const failed = outcomes.filter((a) => a.failure !== undefined);
  if (failed.length === 0) {
    const killed = outcomes.filter((a) => a.killed).length;
    return { name: 'every agent reported', passed: true, detail: `${outcomes.length - killed} agents reported${killed > 0 ? `, ${killed} killed on purpose` : ''}` };
  }
  return { name: 'every agent reported', passed: false, detail: failed.map((a) => a.failure).join('; ').slice(0, 600) };
}

/** Per-agent figures for SuiteResult.workers. */
export function agentFigures(outcomes: readonly AgentOutcome[], durationUs: number): Array<Record<string, unknown>> {
  return outcomes.map((a) => {
    const ops = a.report?.recording.operations ?? [];
    const count = ops.reduce((s, op) => s + op.count, 0);
    const errors = ops.reduce((s, op) => s + op.errors, 0);
    const row: Record<string, unknown> = { agent: a.agentId, pid: a.pid, mode: a.mode, operations: count, errors, throughput: count / (durationUs / 1e6) };
    if (a.killed) row.killed = true;
    if (a.failure !== undefined) row.failure = a.failure;
    if (a.report) for (const [k, v] of Object.entries(a.report.counters)) row[k] = v;
    return row;
  });
}

export function assembleSuiteResult(
  name: string,
  sb: SuiteBackend,
  r: RunAgentsResult,
  checks: CheckResult[],
  metrics: Record<string, number>,
  opToBackend: Record<string, string[]>,
): SuiteResult {
  const operations = r.merged.operations;
  foldBackendStats(operations, r.backendStats, opToBackend);
  const allChecks = [agentsReportedCheck(r.outcomes), ...checks];
  const cleanMetrics: Record<string, number> = {};
  for (const [k, v] of Object.entries(metrics)) if (Number.isFinite(v)) cleanMetrics[k] = v;
  return {
    name,
    backend: sb.backend.name,
    operations,
    intervals: r.merged.intervals,
    checks: allChecks,
    resources: r.resources,
    metrics: cleanMetrics,
    workers: agentFigures(r.outcomes, r.merged.durationUs),
  };
}

/** The agents' `log` fields, typed by the caller (each role defines its own log shape). */
export function agentLogs<T>(r: RunAgentsResult): T[] {
  return r.outcomes.flatMap((a) => (a.report ? [a.report.log as T] : []));
}

async function closeQuietly(backend: Backend): Promise<void> {
  try {
    await backend.close();
  } catch {
    // Closing is best effort at the end of a suite; the measurements are already taken.
  }
}
