/**
 * A tuning session as a library: `swarmperf tune`, MCP `tune` and library users call `planTune`
 * (everything validated, nothing run — a bad name or range is a UsageError naming it) and then
 * `runTune`. Every trial is an ordinary run: it goes through the one run path with the tags
 * `tune=<session id>`, `tuneTrial`, `tuneParams`, so the history and the dashboard show the search.
 * The result says what was found and how sure it is: the best settings with the 95 % interval of
 * their repeats, the Pareto front (throughput vs p99), which parameters mattered, and the command
 * that repeats the best run.
 */
import { UsageError } from '../core/errors.js';
import { parseDurationUs, parseIntFlag, parsePositiveDurationUs } from '../core/parse.js';
import type { RunResult } from '../core/result.js';
import { allChecksPassed, newRunId } from '../results/run-result.js';
import { metricRef, parseObjective, parseSloRule, requireMetric, sloMiss, type Objective, type Slo } from './objective.js';
import { armStats, importance, overlaps, paretoFront, rankArms, search, type Arm, type Importance, type Method, type Observation, type SloSpec } from './search.js';
import { checkDistinct, configKey, parseDimension, spaceSize, type Config, type Dimension } from './space.js';
import { protocolTarget, suiteTarget, type TrialDelivery, type TuneTarget } from './target.js';

export { type TrialDelivery } from './target.js';
export type { TunableParam, Dimension, Config } from './space.js';

export interface TuneRequest {
  /** A suite name, or a protocol (not both). */
  suite?: string;
  protocol?: string;
  scenario?: string;
  /** Suites: the backend spec (default sqlite); its tuning may be searched by name. */
  backend?: string;
  /** `NAME=LO..HI` or `NAME=a,b,c`. */
  params: readonly string[];
  /** Fixed values `NAME=VALUE` for parameters not searched (e.g. latency=lognormal:5ms,0.8). */
  set?: readonly string[];
  maximize?: string;
  minimize?: string;
  slo?: readonly string[];
  /** Wall budget, e.g. 5m (default 5m when --trials is not given). */
  budget?: string;
  trials?: string | number;
  repeats?: string | number;
  seed?: string | number;
  /** Per trial; default: 3 s for suites, the scenario's for protocols. */
  duration?: string;
  warmup?: string;
}

export interface TunePlan {
  id: string;
  target: TuneTarget;
  dims: Dimension[];
  fixed: Config;
  objective: Objective;
  slos: Slo[];
  trials?: number;
  budgetMs?: number;
  repeats?: number;
  seed: number;
  request: TuneRequest;
}

/** Validates a request completely before the first trial. */
export async function planTune(request: TuneRequest): Promise<TunePlan> {
  const settings = {
    ...(request.duration !== undefined ? { durationUs: parsePositiveDurationUs('--duration', request.duration) } : {}),
    ...(request.warmup !== undefined ? { warmupUs: parseDurationUs('--warmup', request.warmup) } : {}),
  };
  if ((request.suite === undefined) === (request.protocol === undefined)) throw new UsageError('tune: give a suite (e.g. tasks) or --protocol, not both and not neither');
  if (request.protocol !== undefined && request.backend !== undefined) throw new UsageError('--backend: a protocol runs in the simulator and uses no backend');
  if (request.suite !== undefined && request.scenario !== undefined) throw new UsageError('--scenario: applies to --protocol only');
  const target = request.suite !== undefined ? suiteTarget(request.suite, request.backend ?? 'sqlite', settings) : protocolTarget(request.protocol as string, request.scenario, settings);
  if (request.params.length === 0) throw new UsageError('--param: give at least one parameter to search, e.g. --param agents=1..16');
  const dims = request.params.map((p) => parseDimension('--param', p, target.params));
  checkDistinct('--param', dims);
  const fixed = parseFixed(request.set ?? [], target, dims);
  const objective = parseObjective(request.maximize, request.minimize, target.suite);
  const slos = (request.slo ?? []).map((s) => parseSloRule(s, target.suite));
  const plan: TunePlan = { id: `tune-${newRunId()}`, target, dims, fixed, objective, slos, seed: request.seed !== undefined ? parseIntFlag('--seed', String(request.seed), 0, 2 ** 32 - 1 - 100) : Math.floor(Math.random() * 2 ** 31), request };
  if (request.trials !== undefined) plan.trials = parseIntFlag('--trials', String(request.trials), 1, 10_000);
  if (request.budget !== undefined || request.trials === undefined) plan.budgetMs = parsePositiveDurationUs('--budget', request.budget ?? '5m') / 1000;
  if (request.repeats !== undefined) plan.repeats = parseIntFlag('--repeats', String(request.repeats), 1, 10);
  // The extreme corners of the space, with the fixed values, must be a valid run (names and values as run/bench check them).
  for (const pickLast of [false, true]) await target.validate({ ...fixed, ...Object.fromEntries(dims.map((d) => [d.name, d.levels[pickLast ? d.levels.length - 1 : 0] as string])) });
  return plan;
}

function parseFixed(set: readonly string[], target: TuneTarget, dims: readonly Dimension[]): Config {
  const out: Record<string, string> = {};
  for (const item of set) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set: expected NAME=VALUE, got "${item}"`);
    const name = item.slice(0, eq).trim();
    const value = item.slice(eq + 1).trim();
    const p = target.params.get(name);
    if (!p) throw new UsageError(`--set: unknown parameter "${name}"; known here: ${[...target.params.keys()].sort().join(', ')}`);
    if (dims.some((d) => d.name === name)) throw new UsageError(`--set ${name}: it is searched (--param); give it once`);
    if (p.kind === 'choice' && !(p.values ?? []).includes(value)) throw new UsageError(`--set ${name}: expected one of ${(p.values ?? []).join(', ')}, got "${value}"`);
    p.check(`--set ${name}`, value);
    out[name] = value;
  }
  return out;
}

export interface TuneEnvironment {
  dataDir: string;
  history?: string | false;
  tags?: Record<string, string>;
  signal?: AbortSignal;
  warn?: (message: string) => void;
  delivery?: TrialDelivery;
  /** A line per trial (progress). */
  log?: (line: string) => void;
  /** Wall clock, ms (tests). */
  nowMs?: () => number;
}

export interface ConfigSummary {
  params: Config;
  repeats: number;
  mean: number | null;
  sd: number | null;
  ci95: { low: number; high: number } | null;
  slos: Array<{ expr: string; value: number | null; unit: string; met: boolean }>;
  feasible: boolean;
  throughput: number | null;
  p99Us: number | null;
  failures: number;
  /** Some run of it failed an invariant check (it is then infeasible). */
  checksFailed: boolean;
  error?: string;
  runIds: string[];
}

export interface TuneResult {
  id: string;
  target: { kind: 'suite' | 'protocol'; name: string; scenario?: string; backend?: string };
  objective: { metric: string; goal: 'maximize' | 'minimize'; unit: string };
  slos: string[];
  fixed: Config;
  space: Array<{ name: string; levels: string[] }>;
  method: Method;
  spaceSize: number;
  /** Configurations in the grid or the first halving rung; `configs` lists every one measured. */
  firstRung: number;
  trials: number;
  plannedTrials: number;
  stoppedBy?: 'budget' | 'interrupted';
  seed: number;
  wallSeconds: number;
  /** Relative run-to-run noise: pooled sd over the configurations with ≥ 2 repeats, over |mean|. */
  noise: number | null;
  best: (ConfigSummary & { command: string }) | null;
  /** Whether the best meets every SLO (false: nothing did; best is the closest miss). */
  bestFeasible: boolean;
  /** Feasible configurations whose 95 % interval overlaps the best's: tied with it within the run-to-run noise. */
  tiedWithBest: Config[];
  pareto: ConfigSummary[];
  importance: Importance[];
  configs: ConfigSummary[];
}

export async function runTune(plan: TunePlan, env: TuneEnvironment): Promise<TuneResult> {
  const started = Date.now();
  const signal = env.signal ?? new AbortController().signal;
  let checkedMetrics = false;
  const evaluate = async (config: Config, repeat: number, seed: number): Promise<Observation> => {
    const tags = { ...env.tags, tune: plan.id, tuneParams: configKey(config), tuneRepeat: String(repeat) };
    let run: RunResult;
    try {
      run = await plan.target.run({ ...plan.fixed, ...config }, seed, {
        dataDir: env.dataDir,
        ...(env.history !== undefined ? { history: env.history } : {}),
        tags,
        signal,
        ...(env.warn ? { warn: env.warn } : {}),
        ...(env.delivery ? { delivery: env.delivery } : {}),
      });
    } catch (err) {
      // A combination the target refuses (heartbeat not below the election timeout) is infeasible, not fatal.
      if (err instanceof UsageError) return { sloValues: [], error: err.message };
      throw err;
    }
    if (!checkedMetrics && !run.partial) {
      requireMetric(plan.objective.goal === 'maximize' ? '--maximize' : '--minimize', plan.objective.metric, run);
      for (const s of plan.slos) requireMetric(`--slo "${s.expr}"`, s.metric, run);
      checkedMetrics = true;
    }
    const obs: Observation = { sloValues: plan.slos.map((s) => s.metric.read(run)), runId: run.id };
    const put = <K extends 'objective' | 'throughput' | 'p99Us'>(k: K, v: number | undefined): void => void (v !== undefined && (obs[k] = v));
    put('objective', plan.objective.metric.read(run));
    put('throughput', THROUGHPUT.read(run));
    put('p99Us', P99.read(run));
    if (!allChecksPassed(run)) obs.checksFailed = true;
    return obs;
  };
  const sloSpecs = plan.slos.map((s) => ({ miss: (v: number) => sloMiss(s, v) }));
  const outcome = await search(
    {
      dims: plan.dims,
      direction: plan.objective.direction,
      slos: sloSpecs,
      ...(plan.trials !== undefined ? { trials: plan.trials } : {}),
      ...(plan.budgetMs !== undefined ? { budgetMs: plan.budgetMs } : {}),
      ...(plan.repeats !== undefined ? { repeats: plan.repeats } : {}),
      seed: plan.seed,
      signal,
      ...(env.nowMs ? { nowMs: env.nowMs } : {}),
      onTrial: (n, planned, config, repeat) => env.log?.(`trial ${n}/${planned}: ${configKey(config)}${repeat > 0 ? ` (repeat ${repeat + 1})` : ''}`),
    },
    evaluate,
  );
  const measured = outcome.arms.filter((a) => a.obs.some((o) => o.error === undefined));
  if (measured.length === 0) {
    const why = outcome.arms.flatMap((a) => a.obs.map((o) => o.error)).find((e) => e !== undefined);
    throw new UsageError(`tune: no configuration could run${why ? `: ${why}` : ''}`);
  }
  const summarize = (arm: Arm): ConfigSummary => summary(arm, plan);
  const ranked = rankArms(outcome.arms, plan.objective.direction, sloSpecs);
  const bestArm = ranked[0] as Arm;
  const bestSummary = summarize(bestArm);
  const firstRepeatSeed = plan.seed;
  return {
    id: plan.id,
    target: {
      kind: plan.target.kind,
      name: plan.target.name,
      ...(plan.request.scenario !== undefined ? { scenario: plan.request.scenario } : {}),
      ...(plan.target.kind === 'suite' ? { backend: plan.request.backend ?? 'sqlite' } : {}),
    },
    objective: { metric: plan.objective.metric.text, goal: plan.objective.goal, unit: plan.objective.metric.unit },
    slos: plan.slos.map((s) => s.expr),
    fixed: plan.fixed,
    space: plan.dims.map((d) => ({ name: d.name, levels: d.levels })),
    method: outcome.method,
    spaceSize: outcome.spaceSize,
    firstRung: outcome.firstRung,
    trials: outcome.trials,
    plannedTrials: outcome.plannedTrials,
    ...(outcome.stoppedBy ? { stoppedBy: outcome.stoppedBy } : {}),
    seed: plan.seed,
    wallSeconds: (Date.now() - started) / 1000,
    noise: pooledNoise(outcome.arms),
    best: { ...bestSummary, command: plan.target.command({ ...plan.fixed, ...bestArm.config }, firstRepeatSeed) },
    bestFeasible: bestSummary.feasible,
    tiedWithBest: tiedWith(bestArm, ranked.slice(1), sloSpecs),
    pareto: paretoFront(measured).map(summarize),
    importance: importance(measured, plan.dims, bestArm),
    configs: ranked.map(summarize),
  };
}

const THROUGHPUT = metricRef('throughput', '');
const P99 = metricRef('p99', '');

function summary(arm: Arm, plan: TunePlan): ConfigSummary {
  const s = armStats(arm, plan.slos.map((x) => ({ miss: (v: number) => sloMiss(x, v) })));
  const error = arm.obs.find((o) => o.error !== undefined)?.error;
  return {
    params: arm.config,
    repeats: s.n,
    mean: s.mean ?? null,
    sd: s.sd ?? null,
    ci95: s.ci ?? null,
    slos: plan.slos.map((x, i) => ({ expr: x.expr, value: s.sloMeans[i] ?? null, unit: x.metric.unit, met: s.sloMeans[i] !== undefined && sloMiss(x, s.sloMeans[i] as number) === 0 })),
    feasible: s.feasible,
    throughput: s.throughput ?? null,
    p99Us: s.p99Us ?? null,
    failures: s.failures,
    checksFailed: s.checksFailed,
    ...(error !== undefined ? { error } : {}),
    runIds: arm.obs.flatMap((o) => (o.runId !== undefined ? [o.runId] : [])),
  };
}

function tiedWith(best: Arm, others: readonly Arm[], slos: readonly SloSpec[]): Config[] {
  const b = armStats(best, slos);
  if (b.ci === undefined) return [];
  return others.filter((a) => {
    const s = armStats(a, slos);
    return s.feasible && s.ci !== undefined && overlaps(b, s);
  }).map((a) => a.config);
}

/** Pooled within-configuration sd over the mean's magnitude, from the configurations measured more than once. */
function pooledNoise(arms: readonly Arm[]): number | null {
  let ss = 0;
  let df = 0;
  let scale = 0;
  let k = 0;
  for (const arm of arms) {
    const s = armStats(arm);
    if (s.n < 2 || s.sd === undefined || s.mean === undefined) continue;
    ss += s.sd ** 2 * (s.n - 1);
    df += s.n - 1;
    scale += Math.abs(s.mean);
    k++;
  }
  if (df === 0 || scale === 0) return null;
  return Math.sqrt(ss / df) / (scale / k);
}

/** Whether the space is small enough to be searched exhaustively within `trials` (for docs and tests). */
export function fitsGrid(dims: readonly Dimension[], trials: number, repeats = 1): boolean {
  return spaceSize(dims) * repeats <= trials;
}
