/**
 * Raft in the registry: its parameters, scenarios, metrics, fault targets and checkers, and how a
 * scenario runs — in the simulator (election, throughput, latency, faults) or over real TCP.
 */
import { z } from 'zod';
import { UsageError } from '../../core/errors.js';
import { parseBytes, parseDurationUs, parseIntFlag, parsePositiveDurationUs, parsePositiveNumber } from '../../core/parse.js';
import type { SuiteResult } from '../../core/result.js';
import type { ScenarioRun } from '../bench/common.js';
import { parseShareFlag, withDefaults, workloadParams, type SharedSetup } from '../bench/params.js';
import { runRealScenario } from '../real/run-real.js';
import { SAFETY_PROPERTIES } from '../checkers/safety.js';
import type { ProtocolDefinition, ProtocolMetric, ProtocolRunRequest } from '../registry.js';
import { runElectionScenario } from '../raft-kv/election.js';
import { formatTimeoutRange, SUITE_NAME, type RaftSetup } from '../raft-kv/setup.js';
import { runWorkloadScenario, type WorkloadOptions, type WorkloadScenario } from '../raft-kv/workload.js';

/** The faults scenario's schedule when none is given: leader crash, leader isolation, a lossy spell, a random crash. */
export const DEFAULT_FAULTS = 'crash-leader@3s-5s; isolate-leader@7s-9s; loss=30%@11s-12s; crash-random@13s-14s';

const text = (def: string, placeholder: string, help: string) => z.string().default(def).meta({ placeholder }).describe(help);

export const raftParams = workloadParams.extend({
  electionTimeout: text('150-300ms', 'MIN-MAX', 'randomized election timeout range, e.g. 150-300ms; a comma list sweeps ranges'),
  heartbeat: z.string().optional().meta({ placeholder: 'd' }).describe('heartbeat interval (default: half the minimum election timeout, as in the Raft paper)'),
  preVote: z.boolean().default(false).describe('enable pre-vote (Raft thesis §9.6)'),
  checkQuorum: z.boolean().default(true).describe('leaders step down when they lose their majority, and votes respect leader leases (--no-check-quorum: off)'),
  batch: text('on', 'on|off', 'batch appends (one in flight per follower) or send each entry at once; "on,off" runs both'),
  maxBatch: text('256', 'n', 'most entries in one append'),
  timerReset: text('paper', 'paper|any-higher-term', 'when a follower restarts its election timer: on granting a vote or hearing from the leader (paper), or also on every step-down to a higher term (etcd)'),
  realFsync: z.boolean().default(false).describe('real mode: fsync every durable write (reported as fsyncMeanUs)'),
});

const METRICS: Record<string, ProtocolMetric> = {
  committedOpsPerSec: { unit: 'ops/s', direction: 'bigger', description: 'commands committed and answered per second' },
  messagesPerOp: { unit: 'count', direction: 'smaller', description: 'Raft messages between nodes per committed command' },
  bytesPerOp: { unit: 'bytes', direction: 'smaller', description: 'Raft bytes between nodes per committed command' },
  successRate: { unit: 'ratio', direction: 'bigger', description: 'share of commands that succeeded' },
  splitVotes: { unit: 'count', direction: 'smaller', description: 'extra election terms needed after leader crashes' },
  electionsWithSplitVote: { unit: 'count', direction: 'smaller', description: 'elections that needed more than one term' },
  termsPerElection: { unit: 'count', direction: 'smaller', description: 'mean terms from a crash to a new leader' },
  failedElections: { unit: 'count', direction: 'smaller', description: 'crashes not followed by a new leader in time' },
  electionsOver10s: { unit: 'ratio', direction: 'smaller', description: 'share of elections that took longer than 10 s (Fig. 16, 150–150 ms)' },
  availabilityLeader: { unit: 'ratio', direction: 'bigger', description: 'share of time a majority followed a live leader' },
  availabilityRequests: { unit: 'ratio', direction: 'bigger', description: 'share of 100 ms windows in which a command succeeded' },
  recoveryMaxUs: { unit: 'us', direction: 'smaller', description: 'longest time from a fault to the next successful command' },
  unrecoveredFaults: { unit: 'count', direction: 'smaller', description: 'faults after which no command succeeded' },
  lostAcknowledgedWrites: { unit: 'count', direction: 'smaller', description: 'acknowledged writes missing from the committed log (must be 0)' },
  leaderChanges: { unit: 'count', direction: 'smaller', description: 'leaders elected during the run' },
  diskWritesPerOp: { unit: 'count', direction: 'smaller', description: 'durable writes (fsyncs) per committed command, all nodes' },
  fsyncMeanUs: { unit: 'us', direction: 'smaller', description: 'mean durable write latency (simulated disk or real fsync)' },
  deliveriesPerSec: { unit: 'ops/s', direction: 'bigger', description: 'simulated message deliveries per wall second' },
  simSpeedup: { unit: 'ratio', direction: 'bigger', description: 'simulated seconds per wall second' },
  wallSeconds: { unit: 'none', direction: 'smaller', description: 'wall time the simulation took' },
};

/** "150-300ms", "150ms-300ms", "0.15-0.3s" → [min, max] µs. */
export function parseTimeoutRange(flag: string, raw: string): [number, number] {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(us|µs|ms|s)?\s*-\s*(\d+(?:\.\d+)?)\s*(us|µs|ms|s)?\s*$/.exec(raw);
  if (!m) throw new UsageError(`${flag}: expected MIN-MAX such as 150-300ms, got "${raw}"`);
  const unit = m[4] ?? m[2] ?? 'ms';
  const lo = parseDurationUs(flag, `${m[1]}${m[2] ?? unit}`);
  const hi = parseDurationUs(flag, `${m[3]}${unit}`);
  if (lo <= 0) throw new UsageError(`${flag}: the minimum must be above zero in "${raw}"`);
  if (hi < lo) throw new UsageError(`${flag}: the maximum is below the minimum in "${raw}"`);
  return [lo, hi];
}

type RaftParams = z.infer<typeof raftParams>;

interface PlanItem {
  setup: RaftSetup;
  label?: string;
}

/** One setup per election-timeout range and batching choice (a sweep inside one cluster size). */
function raftPlan(shared: SharedSetup, p: RaftParams): PlanItem[] {
  const ranges = p.electionTimeout.split(',').map((r) => parseTimeoutRange('--election-timeout', r));
  const batches = p.batch.split(',').map((b) => {
    const t = b.trim();
    if (t !== 'on' && t !== 'off') throw new UsageError(`--batch: expected on, off or on,off, got "${p.batch}"`);
    return t === 'on';
  });
  const heartbeatFlagUs = p.heartbeat === undefined ? undefined : parsePositiveDurationUs('--heartbeat', p.heartbeat);
  const maxBatch = parseIntFlag('--max-batch', p.maxBatch, 1, 1_000_000);
  if (p.timerReset !== 'paper' && p.timerReset !== 'any-higher-term') throw new UsageError(`--timer-reset: expected paper or any-higher-term, got "${p.timerReset}"`);
  const plan: PlanItem[] = [];
  for (const range of ranges) {
    const heartbeatUs = heartbeatFlagUs ?? Math.max(1, Math.floor(range[0] / 2));
    if (heartbeatUs >= range[0]) throw new UsageError(`--heartbeat: ${p.heartbeat} is not below the minimum election timeout (${range[0] / 1000} ms); followers would time out between heartbeats`);
    for (const batch of batches) {
      const setup: RaftSetup = {
        ...shared,
        electionTimeoutUs: range,
        heartbeatUs,
        preVote: p.preVote,
        checkQuorum: p.checkQuorum,
        batch,
        maxEntriesPerAppend: maxBatch,
        timerReset: p.timerReset,
        realFsync: p.realFsync,
      };
      const parts: string[] = [];
      if (ranges.length > 1) parts.push(`et=${formatTimeoutRange(range)}`);
      if (batches.length > 1) parts.push(`batch=${batch ? 'on' : 'off'}`);
      const item: PlanItem = { setup };
      if (parts.length > 0) item.label = parts.join(':');
      plan.push(item);
    }
  }
  return plan;
}

/** The client load from its flags (shared with PBFT). */
export function parseWorkload(p: z.infer<typeof workloadParams>, scenario: string, req: Pick<ProtocolRunRequest, 'durationUs' | 'warmupUs' | 'iterations'>): WorkloadOptions {
  const readRatio = parseShareFlag('--reads', p.reads);
  const casRatio = parseShareFlag('--cas', p.cas);
  if (readRatio + casRatio > 1) throw new UsageError(`--reads ${p.reads} and --cas ${p.cas} add up to more than 1`);
  const rate = p.rate !== undefined ? parsePositiveNumber('--rate', p.rate) : scenario === 'latency' || scenario === 'faults' ? 500 : undefined;
  const w: WorkloadOptions = {
    scenario: (scenario === 'latency' || scenario === 'faults' ? scenario : 'throughput') as WorkloadScenario,
    durationUs: req.durationUs,
    warmupUs: req.warmupUs,
    concurrency: parseIntFlag('--concurrency', p.concurrency, 1, 100_000),
    keys: parseIntFlag('--keys', p.keys, 1, 10_000_000),
    readRatio,
    casRatio,
    valueBytes: parseBytes('--value-size', p.valueSize),
    linearizabilityMaxOps: parseIntFlag('--lin-max-ops', p.linMaxOps, 0),
  };
  if (rate !== undefined) w.rate = rate;
  if (req.iterations !== undefined) w.iterations = req.iterations;
  return w;
}

async function runRaft(req: ProtocolRunRequest): Promise<{ suites: SuiteResult[]; aborted: boolean }> {
  const p = withDefaults(raftParams, req.params);
  const plan = raftPlan(req.shared, p);
  const workload = parseWorkload(p, req.scenario, req);
  const trials = parseIntFlag('--trials', p.trials, 1, 1_000_000);
  const suites: SuiteResult[] = [];
  for (const item of plan) {
    if (req.signal.aborted) return { suites, aborted: true };
    const run: ScenarioRun = { intervalUs: req.intervalUs, signal: req.signal, progress: req.progress };
    if (item.label) run.label = item.label;
    req.progress.log(`▶ raft ${req.scenario} · ${req.mode} · ${item.setup.nodes} nodes${item.label ? ` · ${item.label}` : ''} · seed ${req.seed}`);
    const r = await runRaftScenario(req, item.setup, trials, workload, run);
    suites.push(r.suite);
    if (r.aborted) return { suites, aborted: true };
  }
  return { suites, aborted: false };
}

function runRaftScenario(req: ProtocolRunRequest, setup: RaftSetup, trials: number, workload: WorkloadOptions, run: ScenarioRun): Promise<{ suite: SuiteResult; aborted: boolean }> {
  if (req.mode === 'real') return runRealScenario(setup, req.scenario as 'election' | 'throughput' | 'latency' | 'faults', { trials, workload }, run);
  if (req.scenario === 'election') return runElectionScenario(setup, { trials }, run);
  return runWorkloadScenario(setup, workload, run);
}

export const raftProtocol: ProtocolDefinition = {
  name: 'raft',
  description: 'Raft (leader-based crash-fault-tolerant consensus, n = 2f + 1) with a replicated key-value store',
  suite: SUITE_NAME,
  params: raftParams,
  scenarios: [
    { name: 'election', description: 'leader crashed --trials times, each uniformly within a heartbeat → time to a new leader, split votes (Raft paper §9.3, Fig. 16)' },
    { name: 'throughput', description: 'closed loop, --concurrency clients → committed ops/s, commit phases, messages and bytes per op', comparison: true },
    { name: 'latency', description: 'open loop at --rate → commit latency from the intended start' },
    { name: 'faults', description: `open loop under --faults (default "${DEFAULT_FAULTS}", 15 s) → availability, recovery per fault, lost writes`, defaultFaults: DEFAULT_FAULTS, defaultDurationUs: 15_000_000 },
  ],
  defaultScenario: 'election',
  modes: ['sim', 'real'],
  maxNodes: 999,
  metrics: METRICS,
  tolerance: (n) => ({ crash: Math.floor((n - 1) / 2), byzantine: 0 }),
  ordersCommands: true,
  faultTargets: ['crash', 'crash-leader', 'crash-random', 'restart', 'partition', 'isolate', 'isolate-leader', 'rates'],
  checkers: [...SAFETY_PROPERTIES, 'linearizability', 'election liveness'],
  run: runRaft,
};
