/**
 * The consensus lab's entry: registers the built-in protocols and exposes what the CLI, the MCP
 * server and library users call — `listProtocols()`, `getProtocol(name)`, `runConsensusBench()`,
 * `consensusBenchDefaults()` and the parameter schemas (for deriving flags or an input schema).
 */
import { gossipProtocol } from './protocols/gossip.js';
import { pbftProtocol } from './protocols/pbft.js';
import { raftProtocol } from './protocols/raft.js';
import { getProtocol, listProtocols, registerProtocol, type ProtocolMetric } from './registry.js';

export { getProtocol, listProtocols, registerProtocol, type ProtocolDefinition, type ProtocolMetric, type ScenarioInfo, type FaultTargetKind } from './registry.js';
export { runConsensusBench, consensusBenchDefaults, type ConsensusBenchRun, type ConsensusRunParts } from './bench/run.js';
export { sharedParams, workloadParams } from './bench/params.js';
export { comparisonTable, COMPARE_SUITE } from './bench/compare.js';
export type { ProtocolNode, Ready, Outbound, DurableWrite } from './protocol.js';

for (const p of [raftProtocol, pbftProtocol, gossipProtocol]) if (!getProtocol(p.name)) registerProtocol(p);

/** Every protocol's suite metrics (suite, metric, unit and direction), for results/metrics to declare. */
export function consensusMetricDeclarations(): Array<{ suite: string; name: string; info: ProtocolMetric }> {
  return listProtocols().flatMap((p) => Object.entries(p.metrics).map(([name, info]) => ({ suite: p.suite, name, info })));
}
