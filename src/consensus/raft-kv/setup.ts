/**
 * One Raft cluster to benchmark: the simulated cluster's options with every default resolved, plus
 * a fault schedule, and how a setup is labelled and recorded.
 */
import type { FaultSchedule } from '../../sim/faults.js';
import { formatLatency, type LatencySpec } from '../../sim/latency.js';
import type { SimClusterOptions } from './cluster.js';

export const SUITE_NAME = 'consensus.raft';

/**
 * One cluster to benchmark: the simulated cluster's options with every default resolved, plus a
 * fault schedule. Real mode reads the same setup (its clients connect directly over loopback, so
 * `clientLatency` and `processing` apply to the simulator only).
 */
export interface RaftSetup extends Omit<SimClusterOptions, 'trace' | 'checkLogsOnElection' | 'nodeFactory' | 'serverFactory'> {
  loss: number;
  duplicate: number;
  reorder: number;
  preVote: boolean;
  checkQuorum: boolean;
  batch: boolean;
  maxEntriesPerAppend: number;
  faults?: FaultSchedule;
  /** Real mode: fsync every durable write (off: written, left to the page cache). */
  realFsync?: boolean;
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

