/**
 * `swarmperf bench --protocol external --node "<command>" --workload lin-kv|broadcast|g-set|unique-ids`:
 * the user's own node, n copies spoken to through the Maelstrom protocol (maelstrom.ts), as one
 * more protocol of the registry: the shared --nodes, --latency, --loss, --dup, --reorder, --faults
 * and --seed apply (faults on the real clock: partitions, crashes with a fresh restart, pauses,
 * rate windows), --rate makes the clients open-loop, and the result is a suite like every other
 * protocol's.
 */
import { z } from 'zod';
import { UsageError } from '../../core/errors.js';
import { parseDurationUs, parseIntFlag, parsePositiveDurationUs, parsePositiveNumber } from '../../core/parse.js';
import type { SuiteResult } from '../../core/result.js';
import { roundMetrics } from '../bench/common.js';
import { withDefaults, workloadParams } from '../bench/params.js';
import { splitCommandLine } from '../../targets/mcp/spec.js';
import { windowListener } from '../../runner/phase.js';
import type { ProtocolDefinition, ProtocolMetric, ProtocolRunRequest } from '../registry.js';
import { runMaelstrom, type MaelstromOutcome } from './maelstrom.js';
import { NodeStartError } from './cluster.js';
import { WORKLOADS, type WorkloadName } from './workloads.js';

export const EXTERNAL_SUITE = 'consensus.external';

const text = (def: string, placeholder: string, help: string) => z.string().default(def).meta({ placeholder }).describe(help);

export const externalParams = workloadParams.pick({ rate: true }).extend({
  node: text('', 'command', 'external: the node binary speaking Maelstrom JSON on stdin/stdout (n copies are spawned)'),
  workload: text('lin-kv', WORKLOADS.join('|'), `external: Maelstrom workload (${WORKLOADS.join(', ')})`),
  nodeKeys: text('3', 'n', 'external lin-kv: distinct keys the clients share (few, so that operations meet)'),
  nodeClients: text('', 'n', 'external: clients, spread over all nodes (default 2 per node; open loop: the most requests in flight)'),
  rpcTimeout: text('1s', 'd', 'external: a client request unanswered this long is indefinite (may or may not have happened)'),
  settle: text('1s', 'd', 'external: for broadcast and g-set, the wait after the load (faults healed) before the final read of every node'),
});

const METRICS: Record<string, ProtocolMetric> = {
  serverMsgsPerOp: { unit: 'count', direction: 'smaller', description: 'node-to-node messages per client operation' },
  clientMsgsPerOp: { unit: 'count', direction: 'smaller', description: 'client requests and replies per client operation' },
  availability: { unit: 'ratio', direction: 'bigger', description: 'share of client operations answered with a known outcome' },
  indefinite: { unit: 'count', direction: 'smaller', description: 'client operations with an unknown outcome (timeout, crash code 13, code 0, custom codes)' },
  definiteFailures: { unit: 'count', direction: 'smaller', description: 'client operations refused with a definite error (did not happen)' },
  faults: { unit: 'count', direction: 'smaller', description: 'faults of the schedule that started' },
  keysTouched: { unit: 'count', direction: 'bigger', description: 'lin-kv: keys the history touched' },
  opsPerKey: { unit: 'count', direction: 'bigger', description: 'lin-kv: operations per key (how much clients met)' },
  lost: { unit: 'count', direction: 'smaller', description: 'broadcast/g-set: acknowledged elements missing from a final read' },
  stale: { unit: 'count', direction: 'smaller', description: 'broadcast/g-set: elements some read missed after they were known, present at the end' },
  neverRead: { unit: 'count', direction: 'smaller', description: 'broadcast/g-set: elements no read began after they were known' },
  stableLatencyP50Us: { unit: 'us', direction: 'smaller', description: 'broadcast/g-set: median time from an add until every read has it' },
  stableLatencyP99Us: { unit: 'us', direction: 'smaller', description: 'broadcast/g-set: 99th percentile stable latency' },
  stableLatencyMaxUs: { unit: 'us', direction: 'smaller', description: 'broadcast/g-set: longest stable latency' },
  duplicateIds: { unit: 'count', direction: 'smaller', description: 'unique-ids: ids handed out more than once' },
};

function toSuite(r: MaelstromOutcome, command: string): SuiteResult {
  const metrics = roundMetrics(r.metrics);
  const suite: SuiteResult = {
    name: EXTERNAL_SUITE,
    backend: command,
    operations: r.operations,
    intervals: r.intervals,
    checks: r.checks,
    resources: { sampleIntervalMs: 0, samples: [] },
    metrics,
  };
  const workers: Array<Record<string, unknown>> = [{ workload: r.workload, ops: r.ops, latencyUs: r.latencyUs }];
  if (r.faults.length > 0) workers.push({ faults: r.faults });
  if (r.stderrTail !== '') workers.push({ stderrTail: r.stderrTail });
  suite.workers = workers;
  return suite;
}

function parseWorkload(raw: string): WorkloadName {
  const w = raw.trim();
  if (!(WORKLOADS as readonly string[]).includes(w)) throw new UsageError(`--workload: expected one of ${WORKLOADS.join(', ')}, got "${raw}"`);
  return w as WorkloadName;
}

export const externalProtocol: ProtocolDefinition = {
  name: 'external',
  description: `your own node binary, n copies spoken to through the Maelstrom protocol (JSON on stdin/stdout); workloads ${WORKLOADS.join(', ')}`,
  suite: EXTERNAL_SUITE,
  params: externalParams,
  scenarios: [{ name: 'maelstrom', description: 'the --workload from clients spread over all nodes, closed loop (or --rate open loop), --faults on the real clock, checked per workload', comparison: true }],
  defaultScenario: 'maelstrom',
  modes: ['real'],
  maxNodes: 25,
  metrics: METRICS,
  tolerance: () => ({ crash: 0, byzantine: 0 }),
  ordersCommands: true,
  // No leader targets: an external node does not say who leads.
  faultTargets: ['crash', 'crash-random', 'restart', 'partition', 'isolate', 'pause', 'rates'],
  checkers: ['lin-kv linearizable', 'broadcast: no acknowledged element lost', 'g-set: no acknowledged element lost', 'unique-ids: no id handed out twice'],
  async run(req: ProtocolRunRequest) {
    const p = withDefaults(externalParams, req.params);
    if (p.node.trim() === '') throw new UsageError('--node: expected the command that starts your node, e.g. --node "./my-node --flag"');
    // Every flag checked before any node starts.
    const workload = parseWorkload(p.workload);
    const [command, ...args] = splitCommandLine('--node', p.node);
    const nodes = req.shared.nodes;
    const clients = p.nodeClients.trim() === '' ? 2 * nodes : parseIntFlag('--node-clients', p.nodeClients, 1, 1_000);
    const keys = parseIntFlag('--node-keys', p.nodeKeys, 1, 1_000);
    const rpcTimeoutUs = parsePositiveDurationUs('--rpc-timeout', p.rpcTimeout, { min: 1_000, max: 600_000_000 });
    const settleUs = parseDurationUs('--settle', p.settle, { max: 600_000_000 });
    const rate = p.rate !== undefined ? parsePositiveNumber('--rate', p.rate) : undefined;
    const s = req.shared;
    const loop = rate === undefined ? `${clients} clients closed-loop` : `${rate}/s open-loop (≤ ${clients} in flight)`;
    req.progress.log(`▶ external ${workload} · ${nodes} × ${p.node} · ${loop}${s.faults ? ` · faults ${s.faults.text}` : ''} · seed ${req.seed}`);
    const label = `external ${workload} (${nodes} nodes)`;
    let r: MaelstromOutcome;
    try {
      r = await runMaelstrom({
        command: command as string,
        args,
        workload,
        nodes,
        clients,
        keys,
        ...(req.iterations !== undefined ? { operations: req.iterations } : {}),
        durationMs: Math.round(req.durationUs / 1000),
        ...(rate !== undefined ? { rate } : {}),
        rpcTimeoutMs: Math.round(rpcTimeoutUs / 1000),
        settleMs: Math.round(settleUs / 1000),
        latency: s.latency,
        loss: s.loss,
        duplicate: s.duplicate,
        reorder: s.reorder,
        ...(s.faults ? { faults: s.faults } : {}),
        seed: req.seed,
        intervalUs: req.intervalUs,
        signal: req.signal,
        ...windowListener(req.progress),
        onTick: (rec, nowUs) => req.progress.update({ ...rec.snapshot(nowUs), label, plannedUs: req.durationUs }),
      });
    } catch (err) {
      // A node that does not start or never answers init is a problem with --node, not a crash.
      if (err instanceof NodeStartError) throw new UsageError(`--node: ${err.message}`);
      throw err;
    }
    req.progress.done();
    return { suites: [toSuite(r, p.node)], aborted: r.aborted };
  },
};
