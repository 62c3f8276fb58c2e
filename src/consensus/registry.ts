/**
 * The protocol registry: each protocol says once what it is — its name, its parameters (a zod
 * schema with defaults, units and help text), its scenarios, its suite metrics, the fault targets
 * that make sense for it (`crash-leader` only where a leader exists), its checkers — and how to
 * run a scenario. `bench`, the MCP tool and the comparison enumerate this registry; nothing else
 * lists protocols.
 */
import type { z } from 'zod';
import type { SuiteResult } from '../core/result.js';
import type { ScenarioProgress } from './bench/common.js';
import type { SharedSetup } from './bench/params.js';

/** Unit and direction of a suite metric (the shape results/metrics declares). */
export interface ProtocolMetric {
  unit: 'us' | 'ops/s' | 'count' | 'bytes' | 'ratio' | 'none';
  direction: 'bigger' | 'smaller';
  description: string;
}

export interface ScenarioInfo {
  name: string;
  description: string;
  /** Comparison role: which scenario `--protocol a,b,c` runs for this protocol's row. */
  comparison?: boolean;
  /** Fault schedule when --faults is not given. */
  defaultFaults?: string;
  /** Measured duration when --duration is left at its default (room for the default faults). */
  defaultDurationUs?: number;
}

/** Fault-schedule targets a protocol understands (see sim/faults.ts). */
export type FaultTargetKind = 'crash' | 'crash-leader' | 'crash-random' | 'restart' | 'partition' | 'isolate' | 'isolate-leader' | 'pause' | 'rates';

export interface ProtocolRunRequest {
  scenario: string;
  mode: 'sim' | 'real';
  /** Network, CPU, disk and fault settings shared by every protocol, for one cluster size. */
  shared: SharedSetup;
  /** The protocol's own parameters, validated by its schema (flag text, as the CLI gives it). */
  params: Record<string, unknown>;
  durationUs: number;
  warmupUs: number;
  intervalUs: number;
  iterations?: number;
  seed: number;
  signal: AbortSignal;
  progress: ScenarioProgress;
}

export interface ProtocolDefinition {
  name: string;
  description: string;
  /** Suite name of its results, e.g. consensus.raft. */
  suite: string;
  /** The protocol's own parameters (string flag text with defaults; booleans for switches). */
  params: z.ZodObject;
  scenarios: readonly ScenarioInfo[];
  defaultScenario: string;
  modes: ReadonlyArray<'sim' | 'real'>;
  /** Largest cluster the simulator runs for it. */
  maxNodes: number;
  metrics: Readonly<Record<string, ProtocolMetric>>;
  faultTargets: readonly FaultTargetKind[];
  /** Faults survived by design at n members (crash-stop and Byzantine), for the comparison. */
  tolerance(n: number): { crash: number; byzantine: number };
  /** Whether it orders client commands (a replicated log) or only disseminates (gossip). */
  ordersCommands: boolean;
  /** Names of the checks every run reports. */
  checkers: readonly string[];
  /** Runs one scenario on one cluster size; may return several suites (a sweep of its own parameters). */
  run(req: ProtocolRunRequest): Promise<{ suites: SuiteResult[]; aborted: boolean }>;
}

const protocols = new Map<string, ProtocolDefinition>();

export function registerProtocol(p: ProtocolDefinition): void {
  if (protocols.has(p.name)) throw new Error(`protocol "${p.name}" is registered twice`);
  protocols.set(p.name, p);
}

/** Every registered protocol, in registration order. */
export function listProtocols(): ProtocolDefinition[] {
  return [...protocols.values()];
}

export function getProtocol(name: string): ProtocolDefinition | undefined {
  return protocols.get(name);
}
