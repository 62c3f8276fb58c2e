/**
 * `bench` as a library: one or more registered protocols, one or more cluster sizes → the parts
 * of one RunResult (suites, config, times; the caller stamps id and environment with
 * results/run-result's buildRunResult, which sits above this layer). The CLI and the MCP server both call `runConsensusBench`; neither knows a protocol
 * by name. With several protocols it runs each one's comparison scenario at every size and adds a
 * `consensus.compare` suite: one row per protocol and size, and recommendations derived from the
 * measured figures.
 */
import { UsageError } from '../../core/errors.js';
import type { SuiteResult } from '../../core/result.js';
import { getProtocol, listProtocols, type ProtocolDefinition } from '../registry.js';
import type { ScenarioProgress } from './common.js';
import { compareProtocols } from './compare.js';
import { parseNodeList, parseShared, sharedParams, withDefaults } from './params.js';
import { sweepSuiteName } from '../../core/sweep.js';

export interface ConsensusBenchRun {
  durationUs: number;
  warmupUs: number;
  intervalUs: number;
  iterations?: number;
  seed: number;
  signal: AbortSignal;
  progress: ScenarioProgress;
  startedAt: Date;
  tags?: Record<string, string>;
  /** The caller left --duration at its default (a scenario may then choose its own, e.g. faults: 15 s). */
  durationIsDefault?: boolean;
}

/** A RunResult before its id and environment fingerprint (results/run-result's RunResultInput). */
export interface ConsensusRunParts {
  startedAt: Date;
  finishedAt: Date;
  partial: boolean;
  config: Record<string, unknown>;
  suites: SuiteResult[];
  tags?: Record<string, string>;
}

/** Every protocol parameter (shared and per protocol) at its default: what MCP and the CLI start from. */
export function consensusBenchDefaults(): Record<string, unknown> {
  const out: Record<string, unknown> = { ...sharedParams.parse({}) };
  for (const p of listProtocols()) Object.assign(out, p.params.parse({}), out);
  return out;
}

function resolveProtocols(raw: unknown): ProtocolDefinition[] {
  const names = String(raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const known = listProtocols().map((p) => p.name);
  if (names.length === 0) throw new UsageError(`--protocol: give one or more of ${known.join(', ')}`);
  return names.map((n) => {
    const p = getProtocol(n);
    if (!p) throw new UsageError(`--protocol: unknown protocol "${n}"; known: ${known.join(', ')}`);
    return p;
  });
}

/** The scenario a protocol runs: the one asked for, or (comparing) its comparison scenario, or its default. */
function scenarioFor(p: ProtocolDefinition, asked: string | undefined, comparing: boolean): string {
  if (asked !== undefined) {
    if (!p.scenarios.some((s) => s.name === asked)) throw new UsageError(`--scenario: ${p.name} has no scenario "${asked}"; it has: ${p.scenarios.map((s) => s.name).join(', ')}`);
    return asked;
  }
  if (comparing) return (p.scenarios.find((s) => s.comparison) ?? p.scenarios[0])?.name ?? p.defaultScenario;
  return p.defaultScenario;
}

/**
 * Runs `bench` from its raw flags (validated here, UsageError naming the flag) and returns one
 * RunResult with a suite per protocol, size and swept setting.
 */
/**
 * What distinguishes one member of a sweep, read from its backend label ("sim:5-nodes:et=150-300ms:batch=on"):
 * the cluster size when sizes are swept, and each key=value the protocol put in the label.
 */
function sweepParams(backend: string, nodes: number | undefined): Record<string, string | number> {
  const params: Record<string, string | number> = {};
  if (nodes !== undefined) params.nodes = nodes;
  for (const part of backend.split(':').slice(2)) {
    const eq = part.indexOf('=');
    if (eq > 0) params[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return params;
}

export async function runConsensusBench(raw: Record<string, unknown>, o: ConsensusBenchRun): Promise<{ run: ConsensusRunParts; aborted: boolean }> {
  const protocols = resolveProtocols(raw.protocol);
  const comparing = protocols.length > 1;
  const shared = withDefaults(sharedParams, raw);
  if (shared.mode !== 'sim' && shared.mode !== 'real') throw new UsageError(`--mode: expected sim or real, got "${shared.mode}"`);
  const mode = shared.mode;
  const plans = protocols.map((p) => {
    if (!p.modes.includes(mode)) throw new UsageError(`--mode ${mode}: ${p.name} runs in ${p.modes.join(', ')} mode only`);
    const scenario = scenarioFor(p, shared.scenario, comparing);
    const info = p.scenarios.find((s) => s.name === scenario);
    const sizes = parseNodeList(shared.nodes, p.maxNodes);
    const durationUs = o.durationIsDefault && info?.defaultDurationUs !== undefined ? info.defaultDurationUs : o.durationUs;
    // Parse everything before anything runs: a bad flag fails at once, not after minutes.
    const setups = sizes.map((n) => parseShared(shared, n, o.seed, p, info?.defaultFaults && scenario === info.name ? info.defaultFaults : undefined));
    p.params.parse(pickParams(p, raw));
    return { p, scenario, setups, durationUs };
  });
  const suites: SuiteResult[] = [];
  let aborted = false;
  outer: for (const plan of plans) {
    for (const setup of plan.setups) {
      if (o.signal.aborted) {
        aborted = true;
        break outer;
      }
      const r = await plan.p.run({
        scenario: plan.scenario,
        mode,
        shared: setup,
        params: raw,
        durationUs: plan.durationUs,
        warmupUs: o.warmupUs,
        intervalUs: o.intervalUs,
        ...(o.iterations !== undefined ? { iterations: o.iterations } : {}),
        seed: o.seed,
        signal: o.signal,
        progress: o.progress,
      });
      const sweeping = plan.setups.length > 1 || r.suites.length > 1;
      const named = sweeping ? r.suites.map((suite) => ({ ...suite, name: sweepSuiteName(suite.name, sweepParams(suite.backend, plan.setups.length > 1 ? setup.nodes : undefined)) })) : r.suites;
      suites.push(...named.map((suite) => (mode === 'sim' ? inVirtualTime(suite) : suite)));
      if (r.aborted) {
        aborted = true;
        break outer;
      }
    }
  }
  if (comparing && !aborted) suites.push(compareProtocols(suites, plans.map((p) => ({ name: p.p.name, suite: p.p.suite, scenario: p.scenario, ordersCommands: p.p.ordersCommands, tolerance: p.p.tolerance }))));
  aborted ||= o.signal.aborted;
  const run: ConsensusRunParts = {
    startedAt: o.startedAt,
    finishedAt: new Date(),
    partial: aborted,
    config: {
      command: 'bench',
      protocol: protocols.map((p) => p.name).join(','),
      scenario: plans.map((p) => p.scenario).join(','),
      mode,
      nodes: [...new Set(plans.flatMap((p) => p.setups.map((s) => s.nodes)))],
      ...benchConfig(raw, plans.map((p) => p.p)),
      durationUs: plans[0]?.durationUs ?? o.durationUs,
      warmupUs: o.warmupUs,
      intervalUs: o.intervalUs,
      seed: o.seed,
      ...(o.iterations !== undefined ? { iterations: o.iterations } : {}),
    },
    suites,
    ...(o.tags ? { tags: o.tags } : {}),
  };
  return { run, aborted };
}

/**
 * A simulated suite ran in virtual time: its latencies are simulated, so no process measured them
 * (measuredBy empty) and the simulator's own CPU, event loop and GC are no finding about it.
 */
function inVirtualTime(suite: SuiteResult): SuiteResult {
  return { ...suite, virtualTime: true, measuredBy: [] };
}

function pickParams(p: ProtocolDefinition, raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(p.params.shape)) if (raw[k] !== undefined) out[k] = typeof raw[k] === 'number' ? String(raw[k]) : raw[k];
  return out;
}

/** The settings as given (shared and each protocol's), for the RunResult's config. */
function benchConfig(raw: Record<string, unknown>, protocols: ProtocolDefinition[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const keys = new Set([...Object.keys(sharedParams.shape), ...protocols.flatMap((p) => Object.keys(p.params.shape))]);
  for (const k of keys) {
    if (k === 'scenario' || k === 'mode' || k === 'nodes') continue;
    const v = raw[k];
    if (v !== undefined && !(Array.isArray(v) && v.length === 0)) out[k] = v;
  }
  return out;
}
