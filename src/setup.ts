/**
 * The composition root: the one place that says what swarmperf is made of. It registers the
 * suites, backends, enrichers, sinks, report formats and protocols with their registries. The CLI
 * (cli/main.ts), the MCP server (`swarmperf mcp`, or a library user's createSwarmperfServer) and
 * `import('swarmperf')` (src/index.ts) all call setup() before anything else; calling it again
 * does nothing. Each line below is one part; adding a part is one line here.
 */
import { bottleneckEnricher, fingerprintEnricher } from './analysis/enrich.js';
import { consensusMetricDeclarations, getProtocol, registerProtocol } from './consensus/index.js';
import { externalProtocol } from './consensus/external/protocol.js';
import { declareSuiteMetric } from './results/metrics.js';
import { historySink } from './results/history/sink.js';
import { memorySink } from './results/memory-sink.js';
import { liveOutput } from './results/live.js';
import { cpuHotspotEnricher } from './profile/hotspot.js';
import { registerEnricher, registerOutput, registerSink } from './results/pipeline.js';
import { BUILTIN_REPORT_FORMATS, registerReportFormat } from './report/render.js';
import { coordinationSuites } from './suites/coordination/index.js';
import { selftestSuite } from './suites/selftest.js';
import { getSuite, registerSuite, type AnySuite } from './suites/types.js';
import { BUILTIN_BACKENDS, registerBackend } from './targets/backend.js';

let done = false;

export function setup(): void {
  if (done) return;
  done = true;

  // Suites, in the order `swarmperf run` runs them.
  for (const suite of [selftestSuite, ...coordinationSuites] as AnySuite[]) if (!getSuite(suite.name)) registerSuite(suite);

  // Backends: the built-in kinds (defined in targets/backend.ts so forked agent workers can open
  // them too); a new kind is registerBackend(its definition) here.
  for (const backend of BUILTIN_BACKENDS) registerBackend(backend);

  // What happens to every RunResult: enrichers first, then sinks (these become Outputs).
  registerEnricher('fingerprint', fingerprintEnricher);
  registerEnricher('bottlenecks', bottleneckEnricher);
  registerEnricher('cpu-hotspot', cpuHotspotEnricher);
  registerSink('history', historySink);
  registerSink('memory-store', memorySink);
  // The live file a dashboard follows while the run goes; best effort (nobody asked for it by name).
  registerOutput('live', (ctx) => ({ ...liveOutput(ctx.dataDir), bestEffort: true }));

  // Report formats of `swarmperf report --format`.
  for (const format of BUILTIN_REPORT_FORMATS) registerReportFormat(format);

  // Protocols: importing src/consensus/index.ts registers them (raft, pbft, gossip) in
  // src/consensus/registry.ts; their suite metrics get their units and directions here.
  if (!getProtocol(externalProtocol.name)) registerProtocol(externalProtocol); // the user's own node (Maelstrom protocol)
  for (const d of consensusMetricDeclarations()) declareSuiteMetric(d.suite, d.name, d.info);
}

// The protocol registry lives in src/consensus/registry.ts; these names stay for library users.
export { listProtocols, getProtocol } from './consensus/index.js';
export type { ProtocolDefinition as ProtocolEntry } from './consensus/index.js';
