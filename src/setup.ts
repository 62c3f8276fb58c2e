/**
 * The composition root: the one place that says what swarmperf is made of. It registers the
 * suites, backends, enrichers, sinks, report formats and protocols with their registries. The CLI
 * (cli/main.ts), the MCP server (`swarmperf mcp`, or a library user's createSwarmperfServer) and
 * `import('swarmperf')` (src/index.ts) all call setup() before anything else; calling it again
 * does nothing. Each line below is one part; adding a part is one line here.
 */
import { bottleneckEnricher } from './analysis/enrich.js';
import { SUITE_NAME as RAFT_SUITE_NAME } from './consensus/bench/common.js';
import { historySink } from './results/history/sink.js';
import { memorySink } from './results/memory-sink.js';
import { registerEnricher, registerSink } from './results/pipeline.js';
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
  registerEnricher('bottlenecks', bottleneckEnricher);
  registerSink('history', historySink);
  registerSink('memory-store', memorySink);

  // Report formats of `swarmperf report --format`.
  for (const format of BUILTIN_REPORT_FORMATS) registerReportFormat(format);

  // Protocols.
  registerProtocols();
}

// ── protocols ────────────────────────────────────────────────────────────────────────────────
// ADAPTER, to be replaced by src/consensus/registry.ts (listProtocols()/getProtocol()) when it
// lands: until then the existing Raft benchmark is described here, in this one place, and
// `swarmperf bench` / MCP benchmark_run run it as before.

export interface ProtocolEntry {
  name: string;
  description: string;
  scenarios: readonly string[];
  /** The suite name its results carry. */
  suiteName: string;
}

const protocols = new Map<string, ProtocolEntry>();

function registerProtocols(): void {
  protocols.set('raft', {
    name: 'raft',
    description: 'Raft (leader election, log replication) in the deterministic simulator or over real transports',
    scenarios: ['election', 'throughput', 'latency', 'faults'],
    suiteName: RAFT_SUITE_NAME,
  });
}

export function listProtocols(): ProtocolEntry[] {
  return [...protocols.values()];
}

export function getProtocol(name: string): ProtocolEntry | undefined {
  return protocols.get(name);
}
