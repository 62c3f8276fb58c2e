/**
 * `swarmperf bench --protocol external --node "<command>" --workload lin-kv`: the user's own
 * consensus node, n copies spoken to through the Maelstrom protocol (maelstrom.ts), as one more
 * protocol of the registry: the shared --nodes, --latency, --loss and --seed apply, the result is
 * a suite like every other protocol's.
 */
import { z } from 'zod';
import { UsageError } from '../../core/errors.js';
import { parseIntFlag, parsePositiveDurationUs } from '../../core/parse.js';
import type { SuiteResult } from '../../core/result.js';
import { Recorder } from '../../measure/recorder.js';
import { withDefaults } from '../bench/params.js';
import { splitCommandLine } from '../../targets/mcp/spec.js';
import type { ProtocolDefinition, ProtocolMetric, ProtocolRunRequest } from '../registry.js';
import { runMaelstromLinKv, type MaelstromOutcome } from './maelstrom.js';

export const EXTERNAL_SUITE = 'consensus.external';

const text = (def: string, placeholder: string, help: string) => z.string().default(def).meta({ placeholder }).describe(help);

export const externalParams = z.object({
  node: text('', 'command', 'external: the node binary speaking Maelstrom JSON on stdin/stdout (n copies are spawned)'),
  workload: text('lin-kv', 'lin-kv', 'external: Maelstrom workload (lin-kv; broadcast, g-set, unique-ids not yet)'),
  nodeKeys: text('3', 'n', 'external: distinct keys the clients share (few, so that operations meet)'),
  nodeClients: text('', 'n', 'external: clients, spread over all nodes (default 2 per node)'),
  rpcTimeout: text('1s', 'd', 'external: a client request unanswered this long is indefinite (may or may not have happened)'),
});

const METRICS: Record<string, ProtocolMetric> = {
  serverMsgsPerOp: { unit: 'count', direction: 'smaller', description: 'node-to-node messages per client operation' },
  clientMsgsPerOp: { unit: 'count', direction: 'smaller', description: 'client requests and replies per client operation' },
  availability: { unit: 'ratio', direction: 'bigger', description: 'share of client operations answered with a known outcome' },
  indefinite: { unit: 'count', direction: 'smaller', description: 'client operations with an unknown outcome (timeout, crash code 13, code 0)' },
  definiteFailures: { unit: 'count', direction: 'smaller', description: 'client operations refused with a definite error (did not happen)' },
};

function toSuite(r: MaelstromOutcome, command: string, durationUs: number, intervalUs: number): SuiteResult {
  const rec = new Recorder({ startUs: 0, intervalUs });
  for (const op of ['read', 'write', 'cas']) rec.declare(op);
  for (const x of r.records) {
    // 20 (no such key) and 22 (cas precondition failed) are answers, not failures.
    if (x.outcome === 'ok' || x.outcome === '20' || x.outcome === '22') rec.record(x.name, x.latencyUs, x.atUs);
    else rec.recordError(x.name, x.outcome === 'timeout' ? 'timeout' : `error ${x.outcome}`, x.latencyUs, x.atUs);
  }
  const end = r.records.reduce((m, x) => Math.max(m, x.atUs + x.latencyUs), durationUs);
  const { operations, intervals } = rec.finish(end);
  const lin = r.linearizability;
  return {
    name: EXTERNAL_SUITE,
    backend: command,
    operations,
    intervals,
    checks: [
      {
        name: 'lin-kv linearizable',
        passed: lin.verdict === 'ok',
        detail: lin.verdict === 'ok' ? `${lin.operations} operations on ${lin.keys} keys linearizable` : lin.verdict === 'unknown' ? `not decided within the search bound: ${lin.detail}` : lin.detail,
      },
    ],
    resources: { sampleIntervalMs: 0, samples: [] },
    metrics: {
      serverMsgsPerOp: r.msgsPerOp.server,
      clientMsgsPerOp: r.msgsPerOp.client,
      availability: r.availability,
      indefinite: r.ops.indefinite,
      definiteFailures: r.ops.definiteFail,
    },
  };
}

export const externalProtocol: ProtocolDefinition = {
  name: 'external',
  description: 'your own node binary, n copies spoken to through the Maelstrom protocol (JSON on stdin/stdout), checked with the lin-kv workload',
  suite: EXTERNAL_SUITE,
  params: externalParams,
  scenarios: [{ name: 'lin-kv', description: 'read/write/cas from clients spread over all nodes on --node-keys keys; linearizability per key', comparison: true }],
  defaultScenario: 'lin-kv',
  modes: ['real'],
  maxNodes: 25,
  metrics: METRICS,
  tolerance: () => ({ crash: 0, byzantine: 0 }),
  ordersCommands: true,
  faultTargets: [],
  checkers: ['lin-kv linearizable'],
  async run(req: ProtocolRunRequest) {
    const p = withDefaults(externalParams, req.params);
    if (p.node.trim() === '') throw new UsageError('--node: expected the command that starts your node, e.g. --node "./my-node --flag"');
    if (p.workload !== 'lin-kv') throw new UsageError(`--workload: only lin-kv is supported so far, got "${p.workload}"`);
    // Every flag checked before any node starts.
    const [command, ...args] = splitCommandLine('--node', p.node);
    const nodes = req.shared.nodes;
    const clients = p.nodeClients.trim() === '' ? 2 * nodes : parseIntFlag('--node-clients', p.nodeClients, 1, 1_000);
    const keys = parseIntFlag('--node-keys', p.nodeKeys, 1, 1_000);
    const rpcTimeoutUs = parsePositiveDurationUs('--rpc-timeout', p.rpcTimeout);
    if (rpcTimeoutUs < 1_000 || rpcTimeoutUs > 600_000_000) throw new UsageError(`--rpc-timeout: expected 1ms to 10m, got "${p.rpcTimeout}"`);
    req.progress.log(`▶ external lin-kv · ${nodes} × ${p.node} · ${clients} clients · seed ${req.seed}`);
    let r: MaelstromOutcome;
    try {
      r = await runMaelstromLinKv({
        command: command as string,
        args,
        nodes,
        clients,
        keys,
        operations: req.iterations ?? Number.MAX_SAFE_INTEGER,
        durationMs: Math.round(req.durationUs / 1000),
        rpcTimeoutMs: Math.round(rpcTimeoutUs / 1000),
        latency: req.shared.latency,
        loss: req.shared.loss,
        seed: req.seed,
      });
    } catch (err) {
      // A node that does not start or never answers init is a problem with --node, not a crash.
      throw new UsageError(`--node: ${err instanceof Error ? err.message : String(err)}`);
    }
    return { suites: [toSuite(r, p.node, req.durationUs, req.intervalUs)], aborted: false };
  },
};
