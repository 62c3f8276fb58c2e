/**
 * The parent side: runs N agents of one role against one backend and merges what they measured.
 *
 * Agents are worker processes (child_process.fork of dist/suites/agents/worker.js), because lock
 * contention — "database is locked" — only shows across processes. A backend that cannot be shared
 * across processes (memory) runs its agents in this process instead, concurrently on one event loop.
 *
 * Timeline: start every agent → each sets up and reports ready (the barrier) → the parent sends one
 * wall-clock plan (warmup start, measured start, measured end) so every agent measures the same
 * window → agents report → the parent merges histograms exactly. Ctrl-C sends stop: agents end their
 * load and report what they measured. Agents that do not report in time are killed (SIGKILL).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ProgressSink, ProgressSnapshot } from '../../core/events.js';
import { startSuiteSampler } from '../../runner/suite.js';
import type { Resources } from '../../core/result.js';
import type { WindowRecording } from './agent-recorder.js';
import type { Backend, BackendStats } from '../../targets/ports.js';
import { LiveWindows } from './live-windows.js';
import { mergeRecordings, type MergedRecording } from './merge.js';
import { isAgentMessage, type AgentMessage, type AgentParams, type AgentReport, type AgentSpec, type ParentMessage, type TimingPlan } from './protocol.js';
import { runAgentRole, sumBackendStats, type AgentRole } from './runtime.js';

/**
 * How long after the measured window agents may take to clean up and report before they are killed
 * as hung. A hang detector, not a speed limit: generous, since a loaded machine or a server backend
 * (a round trip per deregistration) can need many seconds for what takes milliseconds when idle.
 */
const DEFAULT_FINISH_GRACE_MS = 30_000;

export interface RunAgentsOptions {
  role: string;
  /** URL of a module exporting getRole(name), which each agent process imports to find its role. */
  roleModule?: string;
  agents: number;
  /** Backend spec each worker process opens. */
  backend: string;
  dataDir: string;
  /** Appended to agent ids (`agent-0@<idSpace>`) so agents of concurrent runs never share an id. */
  idSpace?: string;
  /**
   * Run the agents in this process, sharing this backend instance (the memory backend, or a test
   * adapter). Otherwise every agent is a forked process that opens `backend` itself.
   */
  inProcess?: { backend: Backend; role: AgentRole };
  params: AgentParams;
  seed: number;
  warmupUs: number;
  durationUs: number;
  intervalUs: number;
  iterations?: number;
  signal: AbortSignal;
  progress: ProgressSink;
  label: string;
  /** Time agents have after the measured end for their end-of-run work (drain, read-back), ms. */
  finishGraceMs?: number;
  /** Time agents have to start and set up, ms. */
  startTimeoutMs?: number;
  /** Live events from agents; `control` can replace (kill and respawn) an agent. */
  onEvent?: (event: unknown, agent: AgentInfo, control: AgentsControl) => void;
  sampleIntervalMs?: number;
  /** Raw samples pooled for each operation's bootstrap intervals (see MergeOptions.ciSamples). */
  ciSamples?: number;
}

export interface AgentInfo {
  index: number;
  agentId: string;
  generation: number;
  pid: number;
}

export interface AgentsControl {
  /** Kills the agent in slot `index` (SIGKILL, or an abrupt stop in-process) and starts a fresh one in its place. */
  replace(index: number): void;
  readonly plan: TimingPlan | undefined;
}

export interface AgentOutcome extends AgentInfo {
  report?: AgentReport;
  /** Why no report came (crash, timeout); undefined for agents killed on purpose. */
  failure?: string;
  /** Killed on purpose by the suite (a failover). */
  killed: boolean;
  mode: 'process' | 'in-process';
}

export interface RunAgentsResult {
  outcomes: AgentOutcome[];
  merged: MergedRecording;
  resources: Resources;
  plan: TimingPlan | undefined;
  aborted: boolean;
  counters: Record<string, number>;
  /** Contention counters summed over every agent's connection. */
  backendStats: BackendStats;
  /**
   * Resource-sample labels of the processes that recorded the latencies (SuiteResult.measuredBy):
   * the agent processes, or 'main' when the agents ran in this process.
   */
  measuredBy: string[];
}

interface Handle extends AgentInfo {
  child?: ChildProcess;
  abort?: AbortController;
  send(m: ParentMessage): void;
  state: 'starting' | 'ready' | 'running' | 'done';
  killed: boolean;
  report?: AgentReport;
  failure?: string;
  stderrTail: string;
  snapshot?: ProgressSnapshot;
  /** Windows this agent closed so far (sent with its progress, then with its report). */
  windows: WindowRecording[];
  /** Every window before this one is final for this agent. */
  closedBefore: number;
}

const START_MARGIN_MS = 30;

/** The compiled worker entry. Tests and benchmarks run from src/ via tsx; workers always run from dist/. */
export function workerScriptPath(): string {
  const candidates = [new URL('./worker.js', import.meta.url), new URL('../../../dist/suites/agents/worker.js', import.meta.url)];
  for (const c of candidates) {
    const path = fileURLToPath(c);
    if (path.endsWith('.js') && existsSync(path)) return path;
  }
  throw new Error('agents: the worker script dist/suites/agents/worker.js is missing; build first (npx tsc -p tsconfig.build.json)');
}

export async function runAgents(o: RunAgentsOptions): Promise<RunAgentsResult> {
  if (!(o.agents >= 1)) throw new Error('agents: at least one agent is needed');
  const mode: 'process' | 'in-process' = o.inProcess ? 'in-process' : 'process';
  const role = o.inProcess?.role;
  const script = mode === 'process' ? workerScriptPath() : '';
  const handles: Handle[] = [];
  const retired: Handle[] = [];
  let plan: TimingPlan | undefined;
  const liveWindows = o.progress.window
    ? new LiveWindows(o.progress, o.intervalUs, o.durationUs, () => [...handles, ...retired].map((h) => ({ windows: h.windows, closedBefore: h.closedBefore, done: h.state === 'done' })))
    : undefined;
  let wake: (() => void) | undefined;
  const poke = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const waitFor = async (done: () => boolean, deadlineMs: number): Promise<boolean> => {
    while (!done()) {
      const left = deadlineMs - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, Math.min(left, 100)).unref();
      });
    }
    return true;
  };

  const control: AgentsControl = {
    replace(index: number) {
      const old = handles[index];
      if (!old || old.state === 'done') return;
      old.killed = true;
      old.state = 'done';
      kill(old);
      retired.push(old);
      handles[index] = spawn(index, old.generation + 1);
    },
    get plan() {
      return plan;
    },
  };

  const onMessage = (h: Handle, m: AgentMessage): void => {
    if (h.killed) return; // a killed in-process agent may still be unwinding
    switch (m.type) {
      case 'ready':
        if (h.state === 'starting') {
          h.state = 'ready';
          // A replacement joins a run already under way: release it at once.
          if (plan) {
            h.state = 'running';
            h.send({ type: 'go', plan });
          }
        }
        break;
      case 'progress':
        if (m.phase === 'measure') {
          h.snapshot = m.snapshot;
          if (m.windows) {
            h.windows.push(...m.windows.windows);
            h.closedBefore = m.windows.closedBefore;
            liveWindows?.emitReady();
          }
        }
        break;
      case 'event':
        o.onEvent?.(m.event, { index: h.index, agentId: h.agentId, generation: h.generation, pid: h.pid }, control);
        break;
      case 'report':
        // The report holds only the windows not yet sent with progress: one list, in order.
        h.windows.push(...m.report.recording.windows);
        m.report.recording.windows = h.windows;
        h.closedBefore = Number.POSITIVE_INFINITY;
        h.report = m.report;
        h.state = 'done';
        liveWindows?.emitReady();
        break;
      case 'failed':
        h.failure = m.message;
        h.state = 'done';
        break;
    }
    poke();
  };

  const spawn = (index: number, generation: number): Handle => {
    const spec: AgentSpec = {
      role: o.role,
      ...(o.roleModule !== undefined ? { roleModule: o.roleModule } : {}),
      index,
      agents: o.agents,
      agentId: `agent-${index}${generation === 0 ? '' : `.${generation}`}${o.idSpace !== undefined ? `@${o.idSpace}` : ''}`,
      generation,
      backend: o.backend,
      dataDir: o.dataDir,
      seed: (o.seed + 7919 * index + 104729 * generation) >>> 0,
      params: o.params,
      intervalUs: o.intervalUs,
    };
    if (o.iterations !== undefined) spec.iterations = Math.ceil(o.iterations / o.agents);
    if (mode === 'in-process') {
      const abort = new AbortController();
      let releasePlan: (p: TimingPlan) => void = () => {};
      const planPromise = new Promise<TimingPlan>((resolve) => (releasePlan = resolve));
      const h: Handle = {
        index,
        agentId: spec.agentId,
        generation,
        pid: process.pid,
        abort,
        state: 'starting',
        killed: false,
        stderrTail: '',
        windows: [],
        closedBefore: 0,
        send(m) {
          if (m.type === 'go') releasePlan(m.plan);
          else if (m.type === 'stop') abort.abort();
        },
      };
      // Messages are delivered asynchronously, as over IPC, so an agent never re-enters the parent.
      const transport = { send: (m: AgentMessage) => queueMicrotask(() => onMessage(h, m)), plan: planPromise, signal: abort.signal };
      void runAgentRole(role as AgentRole, spec, (o.inProcess as { backend: Backend }).backend, transport, false);
      return h;
    }
    const child = fork(script, [], { serialization: 'advanced', execArgv: [], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    const h: Handle = {
      index,
      agentId: spec.agentId,
      generation,
      pid: child.pid ?? -1,
      child,
      state: 'starting',
      killed: false,
      stderrTail: '',
      windows: [],
      closedBefore: 0,
      send(m) {
        if (child.connected) child.send(m, () => {});
      },
    };
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      h.stderrTail = (h.stderrTail + chunk).slice(-2000);
    });
    child.on('message', (m: unknown) => {
      if (isAgentMessage(m)) onMessage(h, m);
    });
    child.on('error', (err) => {
      if (h.state !== 'done' && !h.killed) h.failure = `agent ${h.agentId}: ${err.message}`;
      h.state = 'done';
      poke();
    });
    // 'close', not 'exit': 'exit' can come before the parent has read a large report still in the
    // IPC pipe (a long tasks drain log), which then looked like an agent that died before reporting.
    // 'close' waits for the IPC channel to disconnect, i.e. for every message to be delivered.
    child.on('close', (code, sig) => {
      if (h.state !== 'done' && !h.killed) {
        h.failure = `agent ${h.agentId} (pid ${h.pid}) exited with ${sig ?? `code ${code}`} before reporting${h.stderrTail ? `: ${h.stderrTail.trim().split('\n').slice(-3).join(' | ')}` : ''}`;
        h.state = 'done';
      }
      poke();
    });
    h.send({ type: 'start', spec });
    return h;
  };

  // Samples stream to the run's outputs as they are taken (the runner's sampler).
  const sampler = startSuiteSampler(o.progress, {
    intervalMs: o.sampleIntervalMs ?? 500,
    children: () => handles.filter((h) => h.child && h.state !== 'done').map((h) => ({ pid: h.pid, label: h.agentId })),
  });
  const onAbort = (): void => {
    for (const h of handles) if (h.state !== 'done') h.send({ type: 'stop' });
    poke();
  };
  o.signal.addEventListener('abort', onAbort, { once: true });
  let progressTimer: NodeJS.Timeout | undefined;
  try {
    for (let i = 0; i < o.agents; i++) handles.push(spawn(i, 0));
    const startDeadline = Date.now() + (o.startTimeoutMs ?? 60_000);
    const allReady = await waitFor(() => o.signal.aborted || handles.every((h) => h.state !== 'starting'), startDeadline);
    const broken = handles.filter((h) => h.failure !== undefined || (h.state === 'starting' && !o.signal.aborted));
    if (!allReady || broken.length > 0) {
      const why = broken.map((h) => h.failure ?? `agent ${h.agentId} did not get ready within ${o.startTimeoutMs ?? 60_000} ms`);
      throw new Error(`${o.label}: agents failed to start: ${why.join('; ')}`);
    }
    if (!o.signal.aborted) {
      const t0 = Date.now() + START_MARGIN_MS;
      plan = {
        warmupStartWallMs: t0,
        measureStartWallMs: t0 + o.warmupUs / 1000,
        measureEndWallMs: t0 + (o.warmupUs + o.durationUs) / 1000,
      };
      for (const h of handles) {
        h.state = 'running';
        h.send({ type: 'go', plan });
      }
      const p = plan;
      progressTimer = setInterval(() => {
        const now = Date.now();
        if (now < p.measureStartWallMs) return;
        o.progress.update({ ...aggregate(handles), elapsedUs: (now - p.measureStartWallMs) * 1000, label: o.label, plannedUs: o.durationUs });
      }, 250);
      progressTimer.unref();
    } else {
      for (const h of handles) h.send({ type: 'stop' });
    }
    const endWallMs = plan?.measureEndWallMs ?? Date.now();
    const reportDeadline = () => (o.signal.aborted ? Math.min(endWallMs, Date.now()) + 5_000 : endWallMs + (o.finishGraceMs ?? DEFAULT_FINISH_GRACE_MS));
    // Re-evaluated each wake, so Ctrl-C shortens the wait; replacements join `handles` as they come.
    while (!handles.every((h) => h.state === 'done')) {
      const dl = reportDeadline();
      if (Date.now() >= dl) break;
      await waitFor(() => handles.every((h) => h.state === 'done') || Date.now() >= reportDeadline(), dl);
    }
    for (const h of handles) {
      if (h.state === 'starting' && o.signal.aborted) {
        // Stopped before it was even ready (a slow start on a busy machine): it measured nothing,
        // so ending it is the stop the user asked for, not a failure.
        h.killed = true;
        h.state = 'done';
        kill(h);
      } else if (h.state !== 'done') {
        h.failure = `agent ${h.agentId} did not report in time and was killed`;
        h.state = 'done';
        kill(h);
      }
    }
  } catch (err) {
    for (const h of [...handles, ...retired]) kill(h);
    sampler.stop();
    throw err;
  } finally {
    if (progressTimer) clearInterval(progressTimer);
    o.progress.done();
    o.signal.removeEventListener('abort', onAbort);
  }
  const resources = sampler.stop();
  // Reported workers exit on their own; make sure none lingers.
  setTimeout(() => {
    for (const h of [...handles, ...retired]) kill(h);
  }, 2_000).unref();

  const all = [...handles, ...retired].sort((a, b) => a.index - b.index || a.generation - b.generation);
  const reports = all.flatMap((h) => (h.report ? [h.report] : []));
  const merged = mergeRecordings(
    reports.map((r) => r.recording),
    { intervalUs: o.intervalUs, seed: o.seed, ...(o.ciSamples !== undefined ? { ciSamples: o.ciSamples } : {}) },
  );
  liveWindows?.finish(reports.map((r) => r.recording.windows), merged.durationUs);
  const counters: Record<string, number> = {};
  for (const r of reports) for (const [k, v] of Object.entries(r.counters)) counters[k] = (counters[k] ?? 0) + v;
  const backendStats = sumBackendStats(mode === 'in-process' ? [o.inProcess?.backend.stats?.()] : reports.map((r) => r.backendStats));
  const outcomes: AgentOutcome[] = all.map((h) => {
    const out: AgentOutcome = { index: h.index, agentId: h.agentId, generation: h.generation, pid: h.pid, killed: h.killed, mode };
    if (h.report) out.report = h.report;
    if (h.failure !== undefined && !h.killed) out.failure = h.failure;
    return out;
  });
  const measuredBy = mode === 'in-process' ? ['main'] : [...new Set(all.filter((h) => h.report).map((h) => h.agentId))];
  return { outcomes, merged, resources, plan, aborted: o.signal.aborted, counters, backendStats, measuredBy };
}

function kill(h: Handle): void {
  if (h.child) {
    if (h.child.exitCode === null && h.child.signalCode === null) h.child.kill('SIGKILL');
  } else h.abort?.abort();
}

function aggregate(handles: Handle[]): Omit<ProgressSnapshot, 'elapsedUs'> {
  const ops = new Map<string, { name: string; count: number; errors: number; dropped: number; p99Us: number }>();
  for (const h of handles) {
    for (const op of h.snapshot?.operations ?? []) {
      const a = ops.get(op.name);
      if (!a) ops.set(op.name, { ...op });
      else {
        a.count += op.count;
        a.errors += op.errors;
        a.dropped += op.dropped;
        a.p99Us = Math.max(a.p99Us, op.p99Us);
      }
    }
  }
  const operations = [...ops.values()];
  return { operations, totalCount: operations.reduce((s, op) => s + op.count, 0) };
}
