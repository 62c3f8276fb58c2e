/**
 * A user's adapter (module:, mcp:) may provide only some of the five ports. A coordination suite
 * whose port is missing is reported as skipped — a SuiteResult with `skipped` set and one passed
 * check saying why — instead of failing half-way when an agent first calls the missing port.
 */
import type { SuiteResult } from '../../core/result.js';
import { openBackend } from '../../targets/backend.js';
import { portsProvided, type PortName } from '../../targets/external/ports.js';
import type { AnySuite, SuiteRunOptions } from '../types.js';

/** The port each coordination suite drives. */
export const SUITE_PORTS: Readonly<Record<string, PortName>> = { registry: 'registry', tasks: 'tasks', memory: 'memory', election: 'election', bus: 'bus' };

/** Backend kinds that may provide only some ports. */
const PARTIAL_KINDS = new Set(['module', 'mcp']);

function kindOf(spec: string): string {
  return spec.trim().split(/[?:]/, 1)[0] as string;
}

/** Which ports the backend a spec names provides (opens and closes it once). */
export async function portsOfSpec(spec: string, dataDir: string): Promise<{ name: string; ports: readonly PortName[] }> {
  const backend = await openBackend(spec, dataDir);
  try {
    return { name: backend.name, ports: portsProvided(backend) };
  } finally {
    await backend.close();
  }
}

export function skippedSuite(suite: string, backend: string, port: PortName, provided: readonly PortName[]): SuiteResult {
  const reason = `${backend} provides no ${port} port (it provides ${provided.join(', ') || 'none'})`;
  return {
    name: suite,
    backend,
    skipped: reason,
    operations: [],
    intervals: [],
    checks: [{ name: 'skipped', passed: true, detail: `not run: ${reason}` }],
    resources: { sampleIntervalMs: 0, samples: [] },
  };
}

/** Runs the suite, or reports it skipped when the backend lacks the port it drives. */
export async function runUnlessPortMissing(suite: AnySuite, options: SuiteRunOptions, params: Parameters<AnySuite['run']>[1]): Promise<SuiteResult> {
  const port = SUITE_PORTS[suite.name];
  if (port === undefined || !PARTIAL_KINDS.has(kindOf(options.backend))) return suite.run(options, params);
  const { name, ports } = await portsOfSpec(options.backend, options.dataDir);
  if (ports.includes(port)) return suite.run(options, params);
  const result = skippedSuite(suite.name, name, port, ports);
  options.progress.log(`⤼ ${suite.name} skipped: ${result.skipped ?? ''}`);
  return result;
}
