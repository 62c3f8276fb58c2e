/** PBFT in the registry: Byzantine-fault-tolerant ordering with n = 3f + 1 replicas, simulator only. */
import { z } from 'zod';
import { UsageError } from '../../core/errors.js';
import { parseDurationUs, parseIntFlag, parsePositiveDurationUs } from '../../core/parse.js';
import { withDefaults, workloadParams } from '../bench/params.js';
import type { ProtocolDefinition, ProtocolMetric } from '../registry.js';
import { PBFT_SUITE, runPbftWorkload } from '../pbft/workload.js';
import { BYZANTINE_BEHAVIOURS, type ByzantineBehaviour } from '../pbft/replica.js';
import type { PbftSetup } from '../pbft/cluster.js';
import { parseWorkload } from './raft.js';

const text = (def: string, placeholder: string, help: string) => z.string().default(def).meta({ placeholder }).describe(help);

export const pbftParams = workloadParams.extend({
  byzantine: z.string().optional().meta({ placeholder: 'N:behaviour[,…]' }).describe(`pbft: Byzantine replicas (1-based), behaviours ${BYZANTINE_BEHAVIOURS.join(' | ')}, e.g. 1:equivocate,4:wrong-digest`),
  authCost: text('5us,5us', 'SEND,VERIFY', 'pbft: authentication CPU per message sent and per message received (MACs ≈ µs; signatures: e.g. 50us,100us)'),
  checkpointInterval: text('16', 'n', 'pbft: executions between checkpoints (log truncated below a stable one)'),
  viewChangeTimeout: text('300ms', 'd', 'pbft: how long a backup waits for a forwarded request before voting the primary out (doubles per further view change)'),
  slow: text('400ms', 'd', 'pbft: how late a "slow" Byzantine replica\'s messages leave'),
});

const METRICS: Record<string, ProtocolMetric> = {
  committedOpsPerSec: { unit: 'ops/s', direction: 'bigger', description: 'commands accepted by clients (f + 1 matching replies) per second' },
  messagesPerOp: { unit: 'count', direction: 'smaller', description: 'PBFT messages between replicas per committed command' },
  bytesPerOp: { unit: 'bytes', direction: 'smaller', description: 'PBFT bytes between replicas per committed command' },
  successRate: { unit: 'ratio', direction: 'bigger', description: 'share of commands that succeeded' },
  viewChanges: { unit: 'count', direction: 'smaller', description: 'views installed after the first' },
  availabilityRequests: { unit: 'ratio', direction: 'bigger', description: 'share of 100 ms windows in which a command succeeded' },
  recoveryMaxUs: { unit: 'us', direction: 'smaller', description: 'longest time from a fault to the next successful command' },
};

/** "1:equivocate,4:slow" → 0-based replica → behaviour. */
export function parseByzantine(raw: string | undefined, nodes: number): Map<number, ByzantineBehaviour> {
  const out = new Map<number, ByzantineBehaviour>();
  if (raw === undefined || raw.trim() === '') return out;
  for (const part of raw.split(',')) {
    const m = /^\s*(\d+)\s*:\s*([a-z-]+)\s*$/.exec(part);
    if (!m) throw new UsageError(`--byzantine: expected N:behaviour such as 1:equivocate, got "${part}"`);
    const node = Number(m[1]);
    const b = m[2] as ByzantineBehaviour;
    if (node < 1 || node > nodes) throw new UsageError(`--byzantine "${part}": replica ${node} does not exist (replicas are 1..${nodes})`);
    if (!BYZANTINE_BEHAVIOURS.includes(b)) throw new UsageError(`--byzantine "${part}": unknown behaviour "${b}" (expected ${BYZANTINE_BEHAVIOURS.join(', ')})`);
    if (out.has(node - 1)) throw new UsageError(`--byzantine: replica ${node} is listed twice`);
    out.set(node - 1, b);
  }
  return out;
}

function parseAuth(raw: string): [number, number] {
  const parts = raw.split(',');
  if (parts.length !== 2) throw new UsageError(`--auth-cost: expected SEND,VERIFY such as 5us,5us, got "${raw}"`);
  return [parseDurationUs('--auth-cost', (parts[0] as string).trim()), parseDurationUs('--auth-cost', (parts[1] as string).trim())];
}

export const pbftProtocol: ProtocolDefinition = {
  name: 'pbft',
  description: 'PBFT (Byzantine-fault-tolerant ordering, n = 3f + 1): pre-prepare/prepare/commit, checkpoints, view change, authentication cost',
  suite: PBFT_SUITE,
  params: pbftParams,
  scenarios: [
    { name: 'throughput', description: 'closed loop, --concurrency clients → committed ops/s, messages and bytes per op', comparison: true },
    { name: 'latency', description: 'open loop at --rate → latency from the intended start' },
    { name: 'faults', description: 'open loop under --faults (crash-leader hits the primary) and --byzantine → availability, recovery, view changes', defaultFaults: 'crash-leader@3s-5s; loss=10%@7s-8s', defaultDurationUs: 10_000_000 },
  ],
  defaultScenario: 'throughput',
  modes: ['sim'],
  maxNodes: 100,
  metrics: METRICS,
  tolerance: (n) => ({ crash: Math.floor((n - 1) / 3), byzantine: Math.floor((n - 1) / 3) }),
  ordersCommands: true,
  faultTargets: ['crash', 'crash-leader', 'crash-random', 'restart', 'partition', 'isolate', 'isolate-leader', 'rates'],
  checkers: ['agreement (honest replicas)', 'acknowledged writes executed', 'progress after a view change', 'linearizability'],
  async run(req) {
    const p = withDefaults(pbftParams, req.params);
    const nodes = req.shared.nodes;
    if (nodes < 4) throw new UsageError(`--nodes ${nodes}: PBFT needs n = 3f + 1 ≥ 4 replicas`);
    const [authSendUs, authVerifyUs] = parseAuth(p.authCost);
    const setup: PbftSetup = {
      ...req.shared,
      checkpointInterval: parseIntFlag('--checkpoint-interval', p.checkpointInterval, 1, 1_000_000),
      window: 4 * parseIntFlag('--checkpoint-interval', p.checkpointInterval, 1, 1_000_000),
      viewChangeTimeoutUs: parsePositiveDurationUs('--view-change-timeout', p.viewChangeTimeout),
      byzantine: parseByzantine(p.byzantine, nodes),
      slowUs: parsePositiveDurationUs('--slow', p.slow),
      authSendUs,
      authVerifyUs,
    };
    const workload = parseWorkload(p, req.scenario, req);
    const f = Math.floor((nodes - 1) / 3);
    req.progress.log(`▶ pbft ${req.scenario} · sim · ${nodes} replicas (f = ${f}) · byzantine ${setup.byzantine.size} · seed ${req.seed}`);
    if (setup.byzantine.size > f) req.progress.log(`pbft: ${setup.byzantine.size} Byzantine replicas exceed f = ${f}: agreement is no longer guaranteed (the checker will say)`);
    const r = await runPbftWorkload(setup, workload, { intervalUs: req.intervalUs, signal: req.signal, progress: req.progress });
    return { suites: [r.suite], aborted: r.aborted };
  },
};
