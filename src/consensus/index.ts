/**
 * The consensus lab's entry: registers the built-in protocols and exposes what the CLI, the MCP
 * server and library users call — `listProtocols()`, `getProtocol(name)`, `runConsensusBench()`,
 * `consensusBenchDefaults()` and the parameter schemas (for deriving flags or an input schema).
 */
import { gossipProtocol } from './protocols/gossip.js';
import { pbftProtocol } from './protocols/pbft.js';
import { raftProtocol } from './protocols/raft.js';
import { z } from 'zod';
import { sharedParams } from './bench/params.js';
import { getProtocol, listProtocols, registerProtocol, type ProtocolMetric } from './registry.js';

export { getProtocol, listProtocols, registerProtocol, type ProtocolDefinition, type ProtocolMetric, type ScenarioInfo, type FaultTargetKind } from './registry.js';
export { runConsensusBench, consensusBenchDefaults, type ConsensusBenchRun, type ConsensusRunParts } from './bench/run.js';
export { sharedParams, workloadParams } from './bench/params.js';
export { comparisonTable, COMPARE_SUITE } from './bench/compare.js';
export type { ProtocolNode, Ready, Outbound, DurableWrite } from './protocol.js';

for (const p of [raftProtocol, pbftProtocol, gossipProtocol]) if (!getProtocol(p.name)) registerProtocol(p);

/**
 * One zod object with every bench parameter: `protocol` and `scenario` limited to what is
 * registered, then the shared and every protocol's own parameters (all optional, flag text, the
 * same defaults as the CLI). For MCP's benchmark_run input: same names, same defaults, one source.
 */
export function consensusParamsSchema(): z.ZodObject {
  const protocols = listProtocols();
  const names = protocols.map((p) => p.name);
  const scenarios = [...new Set(protocols.flatMap((p) => p.scenarios.map((s) => s.name)))];
  const shape: Record<string, z.ZodType> = {
    protocol: z.string().describe(`protocol(s), comma-separated: ${names.join(', ')}`),
    scenario: z.enum(scenarios as [string, ...string[]]).optional().describe(protocols.map((p) => `${p.name}: ${p.scenarios.map((s) => s.name).join(' | ')} (default ${p.defaultScenario})`).join('; ')),
  };
  for (const schema of [sharedParams, ...protocols.map((p) => p.params)]) {
    for (const [key, field] of Object.entries(schema.shape)) if (!(key in shape)) shape[key] = (field as z.ZodType).optional();
  }
  return z.object(shape);
}

/** Every protocol's suite metrics (suite, metric, unit and direction), for results/metrics to declare. */
export function consensusMetricDeclarations(): Array<{ suite: string; name: string; info: ProtocolMetric }> {
  return listProtocols().flatMap((p) => Object.entries(p.metrics).map(([name, info]) => ({ suite: p.suite, name, info })));
}
