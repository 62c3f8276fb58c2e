/**
 * The one place that runs suites: `swarmperf run`, MCP `benchmark_run` and library users
 * (`import { runSuites } from 'swarmperf'`) all come here. Two steps, so nothing starts on a bad
 * flag: `planSuiteRun` validates the suite names, the run settings and every requested suite's
 * parameters (all of them, before the first suite starts); `executeSuiteRun` runs the plan,
 * builds one RunResult, lets the enrichers add findings and hands it to the sinks (history,
 * memory store).
 *
 * The run settings (agents, backend, duration, …) are declared once in RUN_PARAMS: the CLI flags
 * and the MCP input schema both derive from it, so both have the same defaults.
 */
import { RealClock, type Clock } from '../measure/clock.js';
import { defineParams, durationParam, intParam, textParam, type ParamSet, type ParamShape, type ParamValues, switchParam } from '../core/params.js';
import { UsageError } from '../core/errors.js';
import type { RunResult, SuiteResult } from '../core/result.js';
import { runUnlessPortMissing } from '../suites/external/skip.js';
import { getSuite, listSuites, type AnySuite, type SuiteRunOptions } from '../suites/types.js';

/** Where a suite reports progress (the suites' own contract; the run session's monitors fit it). */
type ProgressSink = SuiteRunOptions['progress'];
import { getBackend, parseBackendSpec } from '../targets/backend.js';
import { withMcpMap } from '../targets/external/mcp/map-flag.js';
import { checkControlGroup, parseControlUrl } from '../targets/control/channel.js';
import { DEFAULT_CONTROL_GROUP, type RemoteAgentsOptions } from '../suites/agents/remote-pool.js';
import { enrichRunResult, sinkRunResult, type RunContext } from './pipeline.js';
import { buildRunResult } from './run-result.js';
import { defaultIntervalUs } from '../runner/interval.js';

const DAY_US = 86_400_000_000;

/** `--backend a,b,c`: each backend in turn, every suite on each (same seed and load). */
export function backendList(spec: string): string[] {
  return spec.split(',').map((one) => one.trim());
}

/** Library callers that pass no progress see none. */
const NO_PROGRESS: ProgressSink = { update() {}, log() {}, done() {} };

/** The settings of a suite run, shared by every suite in it. */
export const RUN_PARAMS = defineParams({
  agents: intParam({ help: 'worker processes (agents) per suite', default: 4, min: 1, max: 256 }),
  backend: textParam({
    help: 'backend: memory | sqlite[:PATH] | jsonfile[:DIR] | redis:// | postgres:// | nats:// | etcd:// | module:FILE | mcp:COMMAND?map=FILE (your own store: docs/your-system.md), tuning after "?" (e.g. sqlite?busyTimeout=50); a comma list runs each with the same seed and load',
    placeholder: '<spec>',
    default: 'sqlite',
    maxLength: 1024,
    // Kind and tuning checked here; the path is resolved against the data folder when the suite opens it.
    check: (_label, spec) => (backendList(spec).forEach((one) => parseBackendSpec(one, '.')), spec),
  }),
  mcpMap: textParam({ help: 'mapping file (JSON or YAML) for the mcp: and mcp+http:// backends of --backend that have no ?map=', placeholder: '<file>', maxLength: 1024 }),
  duration: durationParam({ help: 'measured duration, e.g. 30s, 2m', default: '10s', quick: '2s', unit: 'us', min: 1, max: 7 * DAY_US }),
  warmup: durationParam({ help: 'warmup before measuring, excluded from results (0s for none)', default: '2s', quick: '0.5s', unit: 'us', min: 0, max: DAY_US }),
  interval: durationParam({ help: 'interval window for per-window figures', defaultNote: 'a tenth of the duration, at most 5s', unit: 'us', min: 1, max: DAY_US }),
  iterations: intParam({ help: 'stop after this many operations (if sooner than the duration)', min: 1, max: Number.MAX_SAFE_INTEGER }),
  seed: intParam({ help: 'seed for every random choice (reproduces the run)', defaultNote: 'random, printed', min: 0, max: 2 ** 32 - 1 }),
  keepStore: switchParam({ help: 'keep each suite\'s scratch store (<data-dir>/scratch/<id>/) instead of removing it at the end' }),
  remoteAgents: intParam({ help: 'how many of --agents run on other hosts (each started there with `swarmperf agent --control URL`); needs --control and a server backend every host reaches (docs/multi-host.md)', default: 0, min: 0, max: 256 }),
  control: textParam({ help: 'control server the remote agents join: nats://HOST:PORT or redis://HOST:PORT', placeholder: '<url>', maxLength: 1024, check: (label, t) => parseControlUrl(label, t).url }),
  controlGroup: textParam({ help: 'control group: keeps the agents of concurrent runs on one control server apart (the agents\' --control-group)', default: DEFAULT_CONTROL_GROUP, maxLength: 40, check: checkControlGroup }),
  joinTimeout: durationParam({ help: 'time the remote agents have to join before the run fails', default: '60s', unit: 'ms', min: 100, max: 3_600_000 }),
});
/** The settings as a run uses them: the interval window resolved (at least 10 windows per run). */
export type RunSettings = Omit<ParamValues<typeof RUN_PARAMS.shape>, 'interval'> & { interval: number };

export interface SuiteRunRequest {
  /** Suite names; none: the suites that run by default. */
  suites?: readonly string[];
  /** Run settings, raw (CLI strings or MCP JSON); see RUN_PARAMS. */
  settings?: Readonly<Record<string, unknown>>;
  /** Suite parameters, raw, by key (e.g. { publishRate: '300' }); each suite takes the keys it declares. */
  params?: Readonly<Record<string, unknown>>;
  /** Short, small settings for a fast check (the --quick defaults). */
  quick?: boolean;
  /** How errors name a value: CLI flags (default) or input fields (MCP). */
  naming?: 'flag' | 'field';
}

export interface PlannedSuite {
  suite: AnySuite;
  params: Record<string, unknown>;
}

export interface SuiteRunPlan {
  suites: PlannedSuite[];
  settings: RunSettings & { seed: number };
  quick: boolean;
}

/** Every requested suite's parameters, in one place (suites that declare the same key must agree). */
export function suiteParamShape(suites: readonly AnySuite[] = listSuites()): ParamSet<ParamShape> {
  const shape: ParamShape = {};
  const owner = new Map<string, string>();
  for (const s of suites) {
    for (const [key, p] of Object.entries(s.params.shape)) {
      const prev = shape[key];
      if (prev !== undefined && (prev.kind !== p.kind || prev.default !== p.default)) {
        throw new Error(`suite parameter "${key}" is declared differently by ${owner.get(key)} and ${s.name}`);
      }
      shape[key] = p;
      owner.set(key, owner.get(key) ?? s.name);
    }
  }
  return defineParams(shape);
}

/** The suites a request names (or the default set), each known. */
export function selectSuites(names: readonly string[] = []): AnySuite[] {
  if (names.length === 0) {
    const defaults = listSuites().filter((s) => s.runByDefault);
    if (defaults.length === 0 && listSuites().length === 0) throw new UsageError('no suites are registered (call setup() from swarmperf first)');
    return defaults.length > 0 ? defaults : listSuites();
  }
  return names.map((n) => {
    const s = getSuite(n);
    if (!s) throw new UsageError(`unknown suite "${n}"; known suites: ${listSuites().map((x) => x.name).join(', ')}`);
    return s;
  });
}

/**
 * Validates everything a run needs before anything starts: suite names, run settings, and the
 * parameters of every requested suite (a bad value for the fifth suite fails before the first runs).
 */
export function planSuiteRun(request: SuiteRunRequest): SuiteRunPlan {
  const quick = request.quick === true;
  const naming = { quick, naming: request.naming ?? 'flag' } as const;
  const suites = selectSuites(request.suites);
  const settings = RUN_PARAMS.parse(request.settings ?? {}, naming);
  if (settings.mcpMap !== undefined) settings.backend = withMcpMap(settings.backend, settings.mcpMap);
  const raw = request.params ?? {};
  const known = new Set(listSuites().flatMap((s) => Object.keys(s.params.shape)));
  const unknown = Object.keys(raw).filter((k) => raw[k] !== undefined && !known.has(k));
  if (unknown.length > 0) throw new UsageError(`unknown suite parameter(s): ${unknown.join(', ')}; known: ${[...known].join(', ') || 'none'}`);
  const planned = suites.map((suite) => ({ suite, params: suite.params.parse(raw, { ...naming, fieldPrefix: 'params.' }) as Record<string, unknown> }));
  checkRemoteAgents(settings, suites);
  return { suites: planned, settings: withSeed(settings), quick };
}

/**
 * Agents on other hosts need a control server, a backend every host reaches (a server, not a file
 * or this process's memory), and suites whose figures never subtract two agents' clocks.
 */
function checkRemoteAgents(s: ParamValues<typeof RUN_PARAMS.shape>, suites: readonly AnySuite[]): void {
  if (s.remoteAgents === 0) {
    if (s.control !== undefined) throw new UsageError('--control: only used with --remote-agents N (agents on other hosts)');
    return;
  }
  if (s.control === undefined) throw new UsageError('--remote-agents: needs --control nats://HOST:PORT or redis://HOST:PORT, the server the agents on other hosts join');
  if (s.remoteAgents > s.agents) throw new UsageError(`--remote-agents: ${s.remoteAgents} is more than --agents ${s.agents} (remote agents count within --agents)`);
  for (const spec of backendList(s.backend)) {
    const kind = parseBackendSpec(spec, '.').kind;
    if (getBackend(kind)?.location !== 'url') {
      throw new UsageError(`--remote-agents: the ${kind} backend ("${spec}") cannot be reached from other hosts; use a server backend every host reaches: redis://, postgres://, nats://, etcd://`);
    }
  }
  const unable = suites.filter((x) => x.remoteAgents !== true);
  if (unable.length > 0) {
    const able = listSuites().filter((x) => x.remoteAgents === true).map((x) => x.name);
    throw new UsageError(`--remote-agents: suite ${unable.map((x) => x.name).join(', ')} cannot run on several hosts (it measures latency between two agents, which would cross hosts' clocks); suites that can: ${able.join(', ')}`);
  }
}

/** The run's remote-agent settings for the suites, or undefined when every agent runs here. */
function remoteOf(s: RunSettings): RemoteAgentsOptions | undefined {
  if (s.remoteAgents === 0 || s.control === undefined) return undefined;
  return { control: s.control, group: s.controlGroup, count: s.remoteAgents, joinTimeoutMs: s.joinTimeout };
}

/** The settings with a seed: the given one, or a fresh random one (recorded, so the run can be repeated). */
export function withSeed(settings: ParamValues<typeof RUN_PARAMS.shape>): RunSettings & { seed: number } {
  return {
    ...settings,
    // The window scales with the run unless given: a --quick 2 s run gets 200 ms windows, not one 5 s window.
    interval: settings.interval ?? defaultIntervalUs(settings.duration),
    seed: settings.seed ?? Math.floor(Math.random() * 2 ** 31),
  };
}

export interface SuiteRunEnvironment {
  /** Folder where suites keep their files and the history lives (absolute). */
  dataDir: string;
  signal?: AbortSignal;
  progress?: ProgressSink;
  /** Progress of one suite (e.g. a run session's per-suite monitor); default: `progress`. */
  progressFor?: (suite: string, durationUs: number) => ProgressSink;
  clock?: Clock;
  tags?: Record<string, string>;
  /** What ran it, recorded in config.command (default "run"). */
  command?: string;
  /** History file, or false for none (default <dataDir>/history.db). */
  history?: string | false;
  /** Where the enrichers and sinks say what went wrong (default: nowhere). */
  warn?: (message: string) => void;
  /** Extra pipeline context (e.g. the MCP server's shared memory store). */
  context?: Partial<Pick<RunContext, 'memoryStore'>>;
  /** Called with the finished, enriched result before the sinks keep it. */
  beforeSinks?: (result: RunResult) => void | Promise<void>;
  /** The run's id and start when a run session announced them before the run (src/runner/session.ts). */
  runId?: string;
  startedAt?: Date;
  /**
   * Delivers the result instead of recordRun (a run session: enrichers, then every output, with a
   * fallback file when one fails). Default: recordRun.
   */
  deliver?: (result: RunResult) => Promise<void>;
}

/**
 * Runs a validated plan: each suite in turn (stopping at abort, the result then partial), one
 * RunResult, findings from the enrichers, then the sinks (history, memory store).
 */
export async function executeSuiteRun(plan: SuiteRunPlan, env: SuiteRunEnvironment): Promise<RunResult> {
  const s = plan.settings;
  const signal = env.signal ?? new AbortController().signal;
  const progress = env.progress ?? NO_PROGRESS;
  const clock = env.clock ?? new RealClock();
  const startedAt = env.startedAt ?? new Date();
  const results: SuiteResult[] = [];
  for (const backend of backendList(s.backend)) {
    for (const { suite, params } of plan.suites) {
      if (signal.aborted) break;
      progress.log(`▶ ${suite.name} · backend ${backend} · ${s.agents} agents · seed ${s.seed}`);
      const options = {
        clock,
        durationUs: s.duration,
        warmupUs: s.warmup,
        intervalUs: s.interval,
        ...(s.iterations !== undefined ? { iterations: s.iterations } : {}),
        seed: s.seed,
        quick: plan.quick,
        keepStore: s.keepStore,
        agents: s.agents,
        backend,
        dataDir: env.dataDir,
        signal,
        progress: env.progressFor?.(suite.name, s.duration) ?? progress,
        ...(remoteOf(s) ? { remote: remoteOf(s) as RemoteAgentsOptions } : {}),
      };
      results.push(await runUnlessPortMissing(suite, options, params));
    }
  }
  const result = buildRunResult({
    ...(env.runId !== undefined ? { id: env.runId } : {}),
    startedAt,
    finishedAt: new Date(),
    partial: signal.aborted,
    config: {
      command: env.command ?? 'run',
      suites: plan.suites.map((p) => p.suite.name),
      agents: s.agents,
      backend: s.backend,
      quick: plan.quick,
      durationUs: s.duration,
      warmupUs: s.warmup,
      intervalUs: s.interval,
      seed: s.seed,
      ...(s.iterations !== undefined ? { iterations: s.iterations } : {}),
      ...(s.remoteAgents > 0 ? { remoteAgents: s.remoteAgents } : {}),
      ...suiteParamsConfig(plan),
    },
    suites: results,
    ...(env.tags ? { tags: env.tags } : {}),
  });
  if (env.deliver) await env.deliver(result);
  else await recordRun(result, env);
  return result;
}

export type RecordEnvironment = Pick<SuiteRunEnvironment, 'dataDir' | 'history' | 'warn' | 'context' | 'beforeSinks'>;

/**
 * What happens to every measured RunResult, whoever measured it: the enrichers add findings, then
 * the sinks keep it (history, the memory-store summary). Failures of either are warnings.
 */
export async function recordRun(result: RunResult, env: RecordEnvironment): Promise<void> {
  const ctx: RunContext = {
    dataDir: env.dataDir,
    options: { history: env.history },
    warn: env.warn ?? (() => {}),
    ...(env.context?.memoryStore ? { memoryStore: env.context.memoryStore } : {}),
  };
  await enrichRunResult(result, ctx);
  await env.beforeSinks?.(result);
  await sinkRunResult(result, ctx);
}

/** Each suite's typed parameters, defaults applied: what the run used, so it can be repeated. */
function suiteParamsConfig(plan: SuiteRunPlan): Record<string, unknown> {
  const params: Record<string, Record<string, unknown>> = {};
  for (const p of plan.suites) if (Object.keys(p.params).length > 0) params[p.suite.name] = p.params;
  return Object.keys(params).length > 0 ? { params } : {};
}

/** Plans and runs in one call: what a library user wants. */
export async function runSuites(request: SuiteRunRequest, env: SuiteRunEnvironment): Promise<RunResult> {
  return executeSuiteRun(planSuiteRun(request), env);
}
