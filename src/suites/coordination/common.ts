/**
 * What the five coordination suites share: opening the backend the way the
 * agents will (worker processes for a store several processes can share, in-process agents for the
 * memory backend), folding the backend's contention counters into the operations, and assembling
 * the SuiteResult.
 */
import type { CheckResult, HostResult, OperationResult, SuiteResult } from '../../core/result.js';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isSharedAcrossProcesses, openBackend, parseBackendSpec } from '../../targets/backend.js';
import type { Backend, BackendStats } from '../../targets/ports.js';
import { runAgents, type AgentOutcome, type RunAgentsOptions, type RunAgentsResult } from '../agents/harness.js';
import type { AgentParams } from '../agents/protocol.js';
import { UsageError } from '../../core/errors.js';
import type { SuiteRunOptions } from '../types.js';
import { getRole, roleModuleUrl } from './roles.js';

// ── backend and agents ───────────────────────────────────────────────────────────────────────

export interface SuiteBackend {
  spec: string;
  /** The parent's own connection: setup before the agents start and the end-state checks after. */
  backend: Backend;
  /** Whether agents run in this process (a store that cannot be shared across processes). */
  inProcess: boolean;
  /**
   * The folder the backend spec is resolved against — this run's scratch folder — so agent
   * processes open the same scratch store as the parent.
   */
  dataDir: string;
  /**
   * Agent ids of this run carry it (`agent-0@<idSpace>`), so two runs never share an id even on one
   * explicitly named store. Undefined for an injected adapter, whose owner controls who uses it.
   */
  idSpace?: string;
}

/**
 * Where a benchmark's store lives: a fresh folder per suite run under the data folder. Suites empty
 * their store before they start; run on the user's own store (the one `swarmperf memory`, MCP and the
 * memory sink use) that would delete the user's entries, and two runs sharing one store would
 * disturb each other's checks.
 */
export function createScratch(dataDir: string): Scratch {
  const nonce = randomBytes(3).toString('hex');
  const dir = join(dataDir, 'scratch', `${Date.now().toString(36)}-${process.pid}-${nonce}`);
  mkdirSync(dir, { recursive: true });
  return { dir, nonce };
}

interface Scratch {
  dir: string;
  /** Random, unique to this suite run. */
  nonce: string;
}

/**
 * An explicit `--backend sqlite:PATH` / `jsonfile:DIR` is the user's choice of store, except when it
 * names the data folder's own memory store: that one is never emptied by a benchmark.
 */
export function refuseUserStore(spec: string, dataDir: string, env: NodeJS.ProcessEnv = process.env): void {
  const explicit = parseBackendSpec(spec, join(dataDir, 'scratch', 'x'));
  if (explicit.location === undefined) return;
  const userStores = [parseBackendSpec('sqlite', dataDir).location, parseBackendSpec('jsonfile', dataDir).location];
  try {
    const configured = parseBackendSpec(env.SWARMPERF_MEMORY_BACKEND ?? 'sqlite', dataDir).location;
    if (configured !== undefined) userStores.push(configured);
  } catch {
    // A malformed SWARMPERF_MEMORY_BACKEND is reported where the memory store is opened.
  }
  if (userStores.some((u) => u !== undefined && resolve(u) === resolve(explicit.location as string))) {
    throw new UsageError(
      `--backend: "${spec}" is the memory store of the data folder (${explicit.location}); a benchmark empties its store, so it runs on a scratch store of its own — give --backend ${explicit.kind} without a path`,
    );
  }
}

/**
 * Opens the suite's backend. `injected` (tests: a deliberately broken adapter) runs in-process
 * agents against that instance instead.
 */
async function openSuiteBackend(o: SuiteRunOptions, scratch: Scratch, injected?: Backend): Promise<SuiteBackend> {
  if (injected) return { spec: injected.name, backend: injected, inProcess: true, dataDir: scratch.dir };
  const spec = o.backend;
  refuseUserStore(spec, o.dataDir);
  const backend = await openBackend(spec, scratch.dir);
  return { spec, backend, inProcess: !isSharedAcrossProcesses(spec), dataDir: scratch.dir, idSpace: scratch.nonce };
}

/**
 * A suite's backend lifecycle: a scratch folder of its own, the backend opened there and emptied,
 * `body`, then the backend closed (except an injected adapter, which its caller owns) and the
 * scratch folder removed unless --keep-store.
 */
export async function withSuiteBackend<T>(o: SuiteRunOptions, injected: Backend | undefined, body: (sb: SuiteBackend) => Promise<T>): Promise<T> {
  refuseUserStore(o.backend, o.dataDir);
  const scratch = createScratch(o.dataDir);
  const keep = o.keepStore === true;
  let sb: SuiteBackend | undefined;
  try {
    sb = await openSuiteBackend(o, scratch, injected);
    await sb.backend.reset();
    return await body(sb);
  } finally {
    if (sb && !injected) await closeQuietly(sb.backend);
    if (keep) o.progress.log(`scratch store kept: ${scratch.dir}`);
    else rmSync(scratch.dir, { recursive: true, force: true });
  }
}

export interface AgentsRunInput {
  role: string;
  params: AgentParams;
  label: string;
  finishGraceMs?: number;
  onEvent?: RunAgentsOptions['onEvent'];
  onRemoteJoined?: RunAgentsOptions['onRemoteJoined'];
}

export function runSuiteAgents(o: SuiteRunOptions, sb: SuiteBackend, input: AgentsRunInput): Promise<RunAgentsResult> {
  const options: RunAgentsOptions = {
    role: input.role,
    agents: o.agents,
    backend: sb.spec,
    dataDir: sb.dataDir,
    ...(sb.idSpace !== undefined ? { idSpace: sb.idSpace } : {}),
    params: input.params,
    seed: o.seed,
    warmupUs: o.warmupUs,
    durationUs: o.durationUs,
    intervalUs: o.intervalUs,
    signal: o.signal,
    progress: o.progress,
    label: `${input.label} (${sb.backend.name}, ${o.agents} agent${o.agents === 1 ? '' : 's'}${sb.inProcess ? ', in-process' : ''}${o.remote ? `, ${o.remote.count} on other hosts` : ''})`,
    sampleIntervalMs: o.quick ? 250 : 1000,
    ...(o.quick ? { ciSamples: 300 } : {}),
  };
  if (o.iterations !== undefined) options.iterations = o.iterations;
  if (sb.inProcess) options.inProcess = { backend: sb.backend, role: getRole(input.role) };
  else options.roleModule = roleModuleUrl();
  if (input.finishGraceMs !== undefined) options.finishGraceMs = input.finishGraceMs;
  if (input.onEvent) options.onEvent = input.onEvent;
  if (input.onRemoteJoined) options.onRemoteJoined = input.onRemoteJoined;
  if (o.remote) {
    if (sb.inProcess) throw new UsageError(`--remote-agents: the ${sb.backend.name} backend runs its agents in this process; agents on other hosts need a server backend every host reaches`);
    options.remote = o.remote;
  }
  return runAgents(options);
}

/**
 * Adds the backend's contention counters to the operations that caused them: retries after
 * SQLITE_BUSY go into `retries` (busy errors that outlasted the retries are already errors, with
 * their reason, from the thrown error's code); the time spent waiting for a held lock, measured
 * by the backend, into `breakdown.lockWaitUs` and `breakdown.lockWaits`. A backend that measures
 * lock waits gets them recorded even when zero (measured, none), one that does not stays silent.
 */
export function foldBackendStats(operations: OperationResult[], stats: BackendStats, opToBackend: Record<string, string[]>): void {
  for (const op of operations) {
    const names = opToBackend[op.name] ?? [];
    const sums = sumStats(stats, names);
    if (sums.retries > 0) op.retries = (op.retries ?? 0) + sums.retries;
    if (stats.lockWaitUs === undefined || names.length === 0) continue;
    op.breakdown = { ...op.breakdown, lockWaitUs: Math.round(sums.lockWaitUs), lockWaits: sums.lockWaits };
  }
}

/** The backend's counters summed over the port operations one benchmark operation calls. */
export function sumStats(stats: BackendStats, names: readonly string[]): { retries: number; busy: number; lockWaitUs: number; lockWaits: number } {
  const sums = { retries: 0, busy: 0, lockWaitUs: 0, lockWaits: 0 };
  for (const n of names) {
    sums.retries += stats.retries[n] ?? 0;
    sums.busy += stats.busy[n] ?? 0;
    sums.lockWaitUs += stats.lockWaitUs?.[n] ?? 0;
    sums.lockWaits += stats.lockWaits?.[n] ?? 0;
  }
  return sums;
}

/** Every agent reported (or was killed on purpose): a crashed or hung agent fails the run. */
export function agentsReportedCheck(outcomes: readonly AgentOutcome[]): CheckResult {
  const failed = outcomes.filter((a) => a.failure !== undefined);
  if (failed.length === 0) {
    const killed = outcomes.filter((a) => a.killed).length;
    return { name: 'every agent reported', passed: true, status: 'passed', detail: `${outcomes.length - killed} agents reported${killed > 0 ? `, ${killed} killed on purpose` : ''}` };
  }
  return { name: 'every agent reported', passed: false, status: 'failed', detail: failed.map((a) => withoutStackFrames(a.failure as string)).join('; ').slice(0, 600) };
}

const STACK_FRAME = /^\s*at\s.*(?:\.[cm]?[jt]s|node:[\w/]+|<anonymous>)(?::\d+)*\)?\s*$/;

/**
 * A crashed agent's failure carries the tail of its stderr, where Node prints stack frames: the
 * reason stays, the frames go (a result and a summary are no place for them).
 */
export function withoutStackFrames(text: string): string {
  return text
    .split(/\n| \| /)
    .filter((part) => !STACK_FRAME.test(part))
    .join(' | ');
}

/** Per-agent figures for SuiteResult.workers. */
export function agentFigures(outcomes: readonly AgentOutcome[], durationUs: number): Array<Record<string, unknown>> {
  return outcomes.map((a) => {
    const ops = a.report?.recording.operations ?? [];
    const count = ops.reduce((s, op) => s + op.count, 0);
    const errors = ops.reduce((s, op) => s + op.errors, 0);
    const row: Record<string, unknown> = { agent: a.agentId, pid: a.pid, mode: a.mode, operations: count, errors, throughput: count / (durationUs / 1e6) };
    if (a.host !== undefined) row.host = a.host;
    if (a.killed) row.killed = true;
    if (a.failure !== undefined) row.failure = withoutStackFrames(a.failure);
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
  const hosts = r.hosts ? hostResults(r) : undefined;
  return {
    ...(hosts ? { hosts } : {}),
    name,
    backend: sb.backend.name,
    operations,
    intervals: r.merged.intervals,
    checks: allChecks,
    resources: r.resources,
    metrics: cleanMetrics,
    workers: agentFigures(r.outcomes, r.merged.durationUs),
    // The agents recorded the latencies: the main process's event loop and GC are nobody's latency.
    measuredBy: r.measuredBy,
  };
}

/** Each host's agents, operations and clock offset (agents on several hosts only). */
function hostResults(r: RunAgentsResult): HostResult[] {
  const ms = (us: number): number => Math.round(us) / 1000;
  return (r.hosts ?? []).map((h) => {
    const mine = r.outcomes.filter((a) => (h.remote ? a.mode === 'remote' && a.pid === h.pid && a.host === h.host : a.mode !== 'remote'));
    const ops = mine.flatMap((a) => a.report?.recording.operations ?? []);
    const row: HostResult = { host: h.host, remote: h.remote, pid: h.pid, agents: h.agents, operations: ops.reduce((s, op) => s + op.count, 0), errors: ops.reduce((s, op) => s + op.errors, 0) };
    if (h.clock) {
      row.clockOffsetMs = ms(h.clock.wallOffsetUs);
      row.orderClockOffsetMs = ms(h.clock.orderOffsetUs);
      row.clockUncertaintyMs = ms(h.clock.uncertaintyUs);
      row.rttMs = ms(h.clock.rttUs);
    }
    return row;
  });
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
