/**
 * A suite is one benchmark definition: it drives a workload against a backend and returns a
 * SuiteResult (operations, intervals, checks, resources). Suites never format output. Each suite
 * declares its parameters once (`params`, core/params.ts); the CLI derives its flags and MCP its
 * input schema from that declaration, and `run` receives the typed, validated values.
 */
import type { Clock } from '../measure/clock.js';
import type { ProgressSink } from '../core/events.js';
import type { SuiteResult } from '../core/result.js';
import { defineParams, type ParamSet, type ParamShape, type ParamValues } from '../core/params.js';
import type { RemoteAgentsOptions } from './agents/remote-pool.js';

export interface SuiteRunOptions {
  clock: Clock;
  /** Measured duration, µs (after warmup). */
  durationUs: number;
  warmupUs: number;
  intervalUs: number;
  /** Stop after this many iterations if reached before the duration. */
  iterations?: number;
  seed: number;
  /** Shorter, smaller settings for a fast end-to-end check (--quick). */
  quick: boolean;
  /** Keep the scratch store a suite ran on instead of removing it (--keep-store). */
  keepStore?: boolean;
  /** Worker processes ("agents") a suite should run. */
  agents: number;
  /** Backend spec, e.g. "memory", "sqlite", "sqlite:/tmp/x.db". */
  backend: string;
  /** Folder where the suite may keep files (databases, logs). */
  dataDir: string;
  signal: AbortSignal;
  progress: ProgressSink;
  /** Agents on other hosts (counted within `agents`), for suites that declare `remoteAgents`. */
  remote?: RemoteAgentsOptions;
}

export interface SuiteDefinition<S extends ParamShape = ParamShape> {
  name: string;
  description: string;
  /** The suite's own parameters (flags of `swarmperf run`, `params` of MCP benchmark_run). */
  params: ParamSet<S>;
  /** Whether `swarmperf run` with no suite named runs this one. */
  runByDefault?: boolean;
  /**
   * Whether agents may run on other hosts (--remote-agents): true only for suites that measure no
   * latency across two agents' clocks and whose checks can line up logged times with the measured
   * clock offsets (docs/multi-host.md).
   */
  remoteAgents?: boolean;
  run(options: SuiteRunOptions, params: ParamValues<S>): Promise<SuiteResult>;
}

/** A suite without parameters of its own. */
export const NO_PARAMS = defineParams({});

/** Any suite, whatever its parameters (method parameters are bivariant, so each definition fits). */
export type AnySuite = SuiteDefinition;

const registry = new Map<string, AnySuite>();

export function registerSuite(def: AnySuite): void {
  if (registry.has(def.name)) throw new Error(`suite ${def.name} is registered twice`);
  registry.set(def.name, def);
}

export function getSuite(name: string): AnySuite | undefined {
  return registry.get(name);
}

export function listSuites(): AnySuite[] {
  return [...registry.values()];
}
