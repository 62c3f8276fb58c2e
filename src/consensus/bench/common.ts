/**
 * What every Raft benchmark scenario shares: the cluster setup, turning a recorder and checks into
 * a SuiteResult (suite `consensus.raft`), and yielding to the event loop now and then so Ctrl-C
 * and progress work while a synchronous simulation runs.
 */
import { Recorder } from '../../measure/recorder.js';
import type { ProgressSink } from '../../report/progress.js';
import type { CheckResult, Resources, SuiteResult } from '../../core/result.js';
import type { FaultSchedule } from '../../sim/faults.js';
import { formatLatency, type LatencySpec } from '../../sim/latency.js';
import type { SimClusterOptions } from '../raft/sim-cluster.js';
import { declareRaftMetrics } from './metrics.js';

export const SUITE_NAME = 'consensus.raft';
declareRaftMetrics();

/**
 * One cluster to benchmark: the simulated cluster's options with every default resolved, plus a
 * fault schedule. Real mode reads the same setup (its clients connect directly over loopback, so
 * `clientLatency` and `processing` apply to the simulator only).
 */
export interface RaftSetup extends Omit<SimClusterOptions, 'trace' | 'checkLogsOnElection' | 'nodeFactory'> {
  loss: number;
  duplicate: number;
  reorder: number;
  preVote: boolean;
  checkQuorum: boolean;
  batch: boolean;
  maxEntriesPerAppend: number;
  faults?: FaultSchedule;
}

/**
 * A setup with the Raft paper's defaults (150–300 ms election timeout, heartbeat half its minimum,
 * check-quorum, batching, a clean network), overridable per field: for benchmarks and tests.
 */
export function raftSetup(nodes: number, seed: number, latency: LatencySpec, overrides: Partial<RaftSetup> = {}): RaftSetup {
  return {
    nodes,
    seed,
    latency,
    loss: 0,
    duplicate: 0,
    reorder: 0,
    electionTimeoutUs: [150_000, 300_000],
    heartbeatUs: 75_000,
    preVote: false,
    checkQuorum: true,
    batch: true,
    maxEntriesPerAppend: 256,
    ...overrides,
  };
}

export interface ScenarioRun {
  intervalUs: number;
  signal?: AbortSignal;
  progress: ProgressSink;
  /** Extra text for the suite's backend label (what a sweep varies). */
  label?: string;
}

/** The simulated cluster's options: the setup without its fault schedule (applied separately). */
export function clusterOptions(s: RaftSetup): SimClusterOptions {
  const { faults: _faults, ...options } = s;
  return options;
}

export function formatTimeoutRange(r: readonly [number, number]): string {
  return `${r[0] / 1000}-${r[1] / 1000}ms`;
}

export function backendLabel(mode: 'sim' | 'real', s: RaftSetup, label?: string): string {
  return `${mode}:${s.nodes}-nodes${label ? `:${label}` : ''}`;
}

/** The setup as recorded in suite metrics-free form (goes into config / workers). */
export function describeSetup(s: RaftSetup): Record<string, unknown> {
  return {
    nodes: s.nodes,
    latency: formatLatency(s.latency),
    electionTimeout: formatTimeoutRange(s.electionTimeoutUs),
    heartbeatUs: s.heartbeatUs,
    preVote: s.preVote,
    checkQuorum: s.checkQuorum,
    batch: s.batch,
    loss: s.loss,
    duplicate: s.duplicate,
    reorder: s.reorder,
    ...(s.faults && s.faults.text ? { faults: s.faults.text } : {}),
    ...(s.processing ? { processingPerMessageUs: s.processing.perMessageUs, processingPerEntryUs: s.processing.perEntryUs } : {}),
  };
}

export function buildSuite(args: {
  backend: string;
  recorder: Recorder;
  endUs: number;
  checks: CheckResult[];
  metrics: Record<string, number>;
  resources: Resources;
  workers?: Array<Record<string, unknown>>;
}): SuiteResult {
  const { operations, intervals } = args.recorder.finish(args.endUs);
  const suite: SuiteResult = {
    name: SUITE_NAME,
    backend: args.backend,
    operations,
    intervals,
    checks: args.checks,
    resources: args.resources,
    metrics: roundMetrics(args.metrics),
  };
  if (args.workers) suite.workers = args.workers;
  return suite;
}

function roundMetrics(m: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(m)) out[k] = Number.isFinite(v) ? Math.round(v * 1000) / 1000 : 0;
  return out;
}

/** Raw samples kept per operation for bootstrap intervals: enough for stable CIs, cheap to resample. */
export const RESERVOIR = 500;

/** Lets pending I/O (signals, progress writes) run; call between slices of simulation. */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A check naming the seed when it fails, so the failure can be replayed. */
export function withSeed(checks: CheckResult[], seed: number): CheckResult[] {
  return checks.map((c) => (c.passed ? c : { ...c, detail: `${c.detail} — replay with --seed ${seed}` }));
}
