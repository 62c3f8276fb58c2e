import { SimKvClients } from '../../src/consensus/kv/clients.js';
import { SimCluster, type SimClusterOptions } from '../../src/consensus/raft-kv/cluster.js';
import { checkLinearizability, type LinearizabilityResult } from '../../src/consensus/checkers/linearizability.js';
import type { CheckResult } from '../../src/core/result.js';
import { parseLatency } from '../../src/sim/latency.js';
import type { FaultSchedule } from '../../src/sim/faults.js';

export interface SmallRun {
  cluster: SimCluster;
  clients: SimKvClients;
  checks: CheckResult[];
  lin: LinearizabilityResult;
}

/** A short simulated run with clients: the unit of the property tests. */
export function smallRun(seed: number, opts: Partial<SimClusterOptions> & { faults?: FaultSchedule; durationUs?: number; clients?: number } = {}): SmallRun {
  const { faults, durationUs = 2_000_000, clients: nClients = 3, ...rest } = opts;
  const cluster = new SimCluster({
    nodes: 3,
    seed,
    latency: parseLatency('uniform:1ms-5ms'),
    electionTimeoutUs: [50_000, 100_000],
    heartbeatUs: 20_000,
    checkLogsOnElection: true,
    ...rest,
  });
  const clients = new SimKvClients(cluster, cluster.sim.rng.fork(), {
    clients: nClients,
    keys: 2,
    readRatio: 0.4,
    casRatio: 0.2,
    valueBytes: 4,
    attemptTimeoutUs: 200_000,
    backoffUs: 10_000,
    giveUpUs: 1_000_000,
    startUs: 100_000,
    endUs: durationUs,
    keepHistory: true,
  });
  if (faults) cluster.applyFaults(faults);
  cluster.runUntil(durationUs + 1_000_000);
  cluster.finalChecks();
  return { cluster, clients, checks: cluster.checker.results(), lin: checkLinearizability(clients.history) };
}

export function failed(checks: CheckResult[]): string[] {
  return checks.filter((c) => !c.passed).map((c) => `${c.name}: ${c.detail}`);
}
