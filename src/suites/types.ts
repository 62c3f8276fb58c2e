/**
 * A suite is one benchmark definition: it drives a workload against a backend and returns a
 * SuiteResult (operations, intervals, checks, resources). Suites never format output.
 */
import type { Clock } from '../measure/clock.js';
import type { ProgressSink } from '../core/events.js';
import type { SuiteResult } from '../core/result.js';

export interface SuiteOptionSpec {
  /** Commander flags, e.g. "--keys <n>". */
  flags: string;
  description: string;
  defaultValue?: string;
}

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
  /** Worker processes ("agents") a suite should run. */
  agents: number;
  /** Backend spec, e.g. "memory", "sqlite", "sqlite:/tmp/x.db". */
  backend: string;
  /** Folder where the suite may keep files (databases, logs). */
  dataDir: string;
  signal: AbortSignal;
  progress: ProgressSink;
  /** Suite-specific flags (camelCased names as commander gives them), raw strings. */
  extra: Record<string, unknown>;
}

export interface SuiteDefinition {
  name: string;
  description: string;
  /** Extra flags this suite understands; `swarmperf run` accepts them. */
  options?: SuiteOptionSpec[];
  /** Whether `swarmperf run` with no suite named runs this one. */
  runByDefault?: boolean;
  run(options: SuiteRunOptions): Promise<SuiteResult>;
}

const registry = new Map<string, SuiteDefinition>();

export function registerSuite(def: SuiteDefinition): void {
  if (registry.has(def.name)) throw new Error(`suite ${def.name} is registered twice`);
  registry.set(def.name, def);
}

export function getSuite(name: string): SuiteDefinition | undefined {
  return registry.get(name);
}

export function listSuites(): SuiteDefinition[] {
  return [...registry.values()];
}
