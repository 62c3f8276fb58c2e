/**
 * External consensus nodes through the Maelstrom protocol (JSON lines on stdin/stdout): swarmperf
 * spawns n copies of the user's node binary (cluster.ts), drives one of Maelstrom's workloads
 * (workloads.ts) from clients spread over all nodes — closed loop (each client waits for its
 * reply) or open loop (--rate arrivals whatever the nodes do, latency from the intended start) with
 * the project's executors — plays the fault schedule on the real clock (partitions, crashes,
 * pauses, loss windows), then heals everything, lets the cluster settle, reads every node once more
 * where the workload needs it, and checks the history.
 *
 * Client c(k+1) talks to node n((k mod n)+1), as Maelstrom binds its clients. In the open loop a
 * client is an in-flight slot: one request at a time, so its history stays sequential.
 */
import type { CheckResult, IntervalResult, OperationResult } from '../../core/result.js';
import type { ClosedWindow } from '../../core/events.js';
import { runClosedLoop } from '../../load/closed-loop.js';
import { constantRate, DEFAULT_MAX_LAG_US, runOpenLoop } from '../../load/open-loop.js';
import type { Workload } from '../../load/types.js';
import { RealClock } from '../../measure/clock.js';
import { Recorder } from '../../measure/recorder.js';
import { Rng } from '../../measure/rng.js';
import { percentileSorted } from '../../measure/stats.js';
import type { FaultRecord, FaultSchedule } from '../../sim/faults.js';
import type { LatencySpec } from '../../sim/latency.js';
import { RealFaultTimer } from '../real/fault-timer.js';
import { MaelstromCluster } from './cluster.js';
import { WORKLOAD_DEFINITIONS, type Outcome, type WorkloadName } from './workloads.js';

export interface MaelstromOptions {
  /** The node binary and its arguments (spawned directly, no shell). */
  command: string;
  args?: string[];
  workload: WorkloadName;
  nodes: number;
  /** Closed loop: clients; open loop: the most requests in flight (each slot one client). */
  clients: number;
  /** lin-kv: distinct keys the clients share (few, so that operations meet). */
  keys?: number;
  /** Stop after this many client operations (or at durationMs). */
  operations?: number;
  durationMs: number;
  /** Open loop: requests per second; absent = closed loop. */
  rate?: number;
  /** A client RPC unanswered this long is indefinite (Maelstrom's timeout). */
  rpcTimeoutMs?: number;
  /** One-way latency of node-to-node messages (default uniform 0–2 ms). */
  latency?: LatencySpec;
  /** Share of node-to-node messages lost / duplicated / reordered (0..1). */
  loss?: number;
  duplicate?: number;
  reorder?: number;
  /** Played on the real clock from the start of the load. */
  faults?: FaultSchedule;
  /** After the load and the healing: how long to wait before the final reads (broadcast, g-set). */
  settleMs?: number;
  seed?: number;
  /** How long each node has to answer `init` (default 10 s). */
  initTimeoutMs?: number;
  intervalUs?: number;
  signal?: AbortSignal;
  onWindow?: (w: ClosedWindow) => void;
  /** Called every 100 ms with the recorder, for a progress line. */
  onTick?: (recorder: Recorder, nowUs: number) => void;
}

export interface MaelstromOutcome {
  workload: WorkloadName;
  checks: CheckResult[];
  /** msgs per op, availability, counts and the workload's own figures. */
  metrics: Record<string, number>;
  operations: OperationResult[];
  intervals: IntervalResult[];
  /** Messages between nodes / between clients and nodes (requests and replies), during the load. */
  serverMessages: number;
  clientMessages: number;
  msgsPerOp: { server: number; client: number };
  ops: { invoked: number; ok: number; definiteFail: number; indefinite: number };
  /** Known outcomes / invoked. */
  availability: number;
  /** Latency of operations with a known outcome, µs (closed loop: service time; open loop: from the intended start). */
  latencyUs: { p50: number; p90: number; p99: number; max: number };
  faults: FaultRecord[];
  durationUs: number;
  aborted: boolean;
  /** Lines nodes wrote to stderr (last few), for the report when something breaks. */
  stderrTail: string;
}

/** Why an operation did not end with a known outcome: the recorder's error reason. */
class OperationFailed extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

/** Nearest-rank percentile of sorted values, 0 when there are none. */
const percentile = (sortedValues: readonly number[], p: number): number => (sortedValues.length === 0 ? 0 : percentileSorted(sortedValues, p));

export async function runMaelstrom(o: MaelstromOptions): Promise<MaelstromOutcome> {
  const def = WORKLOAD_DEFINITIONS[o.workload];
  const rng = new Rng(o.seed ?? 1);
  const rpcTimeoutMs = o.rpcTimeoutMs ?? 1_000;
  const cluster = new MaelstromCluster({
    command: o.command,
    args: o.args ?? [],
    nodes: o.nodes,
    latency: o.latency ?? { kind: 'uniform', minUs: 0, maxUs: 2_000 },
    loss: o.loss ?? 0,
    duplicate: o.duplicate ?? 0,
    reorder: o.reorder ?? 0,
    seed: o.seed ?? 1,
    initTimeoutMs: o.initTimeoutMs ?? 10_000,
    ...(def.setupMessage ? { setupMessage: def.setupMessage } : {}),
  });
  const signal = o.signal ?? new AbortController().signal;
  try {
    await cluster.start();
    const run = def.create({ keys: o.keys ?? 3, rng: rng.fork() });
    const clock = new RealClock();
    const recorder = new Recorder({ startUs: 0, intervalUs: o.intervalUs ?? 1_000_000, seed: o.seed ?? 1, ...(o.onWindow ? { onWindow: o.onWindow } : {}) });
    for (const name of def.operations) recorder.declare(name);
    const ops = { invoked: 0, ok: 0, definiteFail: 0, indefinite: 0 };
    const latencies: number[] = [];

    const workload: Workload = {
      next(_iteration, worker) {
        const { name, body } = run.next(worker);
        return {
          name,
          run: async () => {
            ops.invoked++;
            const callUs = Math.round(clock.nowUs());
            const reply = await cluster.rpc(`c${worker + 1}`, worker % o.nodes, body, rpcTimeoutMs);
            const retUs = Math.round(clock.nowUs());
            const outcome: Outcome = run.settle(worker, name, body, reply, callUs, retUs);
            if (outcome.kind === 'ok') {
              ops.ok++;
              latencies.push(retUs - callUs);
              return;
            }
            if (outcome.kind === 'fail') ops.definiteFail++;
            else ops.indefinite++;
            throw new OperationFailed(outcome.reason);
          },
        };
      },
    };

    const faults = new RealFaultTimer(o.faults?.events ?? [], cluster, cluster.links, rng.fork(), () => clock.nowUs());
    const ticker = o.onTick ? setInterval(() => o.onTick?.(recorder, clock.nowUs()), 100) : undefined;
    const ctx = { clock, recorder, signal };
    const stop = { durationUs: o.durationMs * 1000, ...(o.operations !== undefined ? { iterations: o.operations } : {}) };
    const outcome =
      o.rate === undefined
        ? await runClosedLoop(workload, { concurrency: o.clients, ...stop }, ctx)
        : await runOpenLoop(workload, { schedule: constantRate(o.rate), maxInFlight: o.clients, maxLagUs: DEFAULT_MAX_LAG_US, ...stop }, ctx);
    if (ticker) clearInterval(ticker);
    const serverMessages = cluster.serverMessages;
    const clientMessages = cluster.clientMessages;

    // Heal, resume and restart what the schedule left in force, then read every node once more.
    await faults.stop(true);
    if (def.finalReads && run.finalRequest && run.settleFinal && !signal.aborted) {
      await new Promise((r) => setTimeout(r, o.settleMs ?? 1_000));
      await Promise.all(
        cluster.ids.map(async (id, i) => {
          if (!cluster.isUp(i)) return;
          const { body } = run.finalRequest!();
          const callUs = Math.round(clock.nowUs());
          const reply = await cluster.rpc(`c${o.clients + i + 1}`, i, body, rpcTimeoutMs);
          run.settleFinal!(id, reply, callUs, Math.round(clock.nowUs()));
        }),
      );
    }
    const verdict = run.check();
    const { operations, intervals } = recorder.finish(outcome.endUs);
    latencies.sort((a, b) => a - b);
    const done = Math.max(1, ops.invoked);
    const msgsPerOp = { server: serverMessages / done, client: clientMessages / done };
    const availability = ops.invoked === 0 ? 0 : ops.ok / ops.invoked;
    return {
      workload: o.workload,
      checks: verdict.checks,
      metrics: {
        serverMsgsPerOp: msgsPerOp.server,
        clientMsgsPerOp: msgsPerOp.client,
        availability,
        indefinite: ops.indefinite,
        definiteFailures: ops.definiteFail,
        faults: faults.log.filter((f) => f.phase === 'start').length,
        ...verdict.metrics,
      },
      operations,
      intervals,
      serverMessages,
      clientMessages,
      msgsPerOp,
      ops,
      availability,
      latencyUs: { p50: percentile(latencies, 50), p90: percentile(latencies, 90), p99: percentile(latencies, 99), max: latencies.at(-1) ?? 0 },
      faults: faults.log,
      durationUs: outcome.endUs,
      aborted: outcome.aborted,
      stderrTail: cluster.stderrTail,
    };
  } finally {
    cluster.stop();
  }
}
