/**
 * The search: which configurations to measure, how often, and when to stop. Pure apart from the
 * `evaluate` callback (one trial = one measured run), so it is tested on planted functions.
 *
 *   - grid when every configuration fits the budget at the base repeats;
 *   - otherwise successive halving (Jamieson & Talwalkar 2016, η = 3): a seeded sample of
 *     configurations measured once, the best third measured η times as often, and so on — the
 *     resource halved over is the number of repeats, so survivors are the ones measured best;
 *   - then racing with what budget is left: while the 95 % intervals of the best and the runner-up
 *     overlap (run-to-run noise as large as the gap), both get another repeat, up to RACE_REPEATS
 *     (then they are reported as tied: within each other's noise).
 *     Where repeats agree (a deterministic simulation) the race ends after two repeats each;
 *     budget still left goes to the leader's unmeasured neighbours (one level away in one
 *     parameter: a local search around the best), then to the rest of the sample, each raced in turn.
 *
 * Repeat r of every configuration runs with seed base+r (common random numbers: configurations
 * are compared on the same random draws, which removes much of the noise between them).
 */
import { Rng } from '../measure/rng.js';
import { mean, stddev } from '../measure/stats.js';
import { studentCritical } from '../results/stat-tests.js';
import { configAt, configKey, spaceSize, type Config, type Dimension } from './space.js';

export const ETA = 3;
/** Most repeats of one configuration. */
export const MAX_REPEATS = 10;
/**
 * Repeats after which two leaders whose intervals still overlap are called tied (within the
 * noise of each other) and the budget goes back to exploring: more repeats would only split hairs.
 */
export const RACE_REPEATS = 5;

/** What one trial measured. */
export interface Observation {
  objective?: number;
  /** Each SLO's metric, in the order of the SLOs (undefined: the run lacks it). */
  sloValues: Array<number | undefined>;
  /** The run-wide throughput and worst p99 (the Pareto axes). */
  throughput?: number;
  p99Us?: number;
  runId?: string;
  /** A trial that failed (its configuration is infeasible, e.g. heartbeat ≥ election timeout). */
  error?: string;
  /** Its run's invariant checks failed. */
  checksFailed?: boolean;
}

export interface Arm {
  config: Config;
  key: string;
  obs: Observation[];
}

export interface SloSpec {
  /** 0 when met, else how far off (relative). */
  miss(value: number): number;
}

export interface SearchOptions {
  dims: readonly Dimension[];
  direction: 'bigger' | 'smaller';
  slos: readonly SloSpec[];
  /** Most trials; undefined: from the wall budget after the first trial. */
  trials?: number;
  /** Wall budget, ms. */
  budgetMs?: number;
  /** Base repeats per configuration (default 1). */
  repeats?: number;
  seed: number;
  signal?: AbortSignal;
  /** Wall clock in ms (a test passes a fake). */
  nowMs?: () => number;
  /** Called before each trial (progress). */
  onTrial?: (n: number, planned: number, config: Config, repeat: number) => void;
}

export type Method = 'grid' | 'successive-halving';

export interface SearchOutcome {
  method: Method;
  arms: Arm[];
  trials: number;
  plannedTrials: number;
  /** Why the search stopped early, if it did. */
  stoppedBy?: 'budget' | 'interrupted';
  /** Configurations in the grid or the first halving rung. */
  firstRung: number;
  /** Keys of those configurations: an unbiased design (the whole grid or a random sample), for main effects. */
  design: string[];
  spaceSize: number;
}

export type Evaluate = (config: Config, repeat: number, seed: number) => Promise<Observation>;

/** The middle level of every dimension: a sensible first trial, and the one that sizes a wall budget. */
export function centerConfig(dims: readonly Dimension[]): Config {
  return Object.fromEntries(dims.map((d) => [d.name, d.levels[Math.floor((d.levels.length - 1) / 2)] as string]));
}

/** Trials successive halving spends on n configurations at base repeats r0. */
export function halvingCost(n: number, r0: number): number {
  let cost = 0;
  let active = n;
  let r = r0;
  let prev = 0;
  for (;;) {
    cost += active * (r - prev);
    const next = Math.ceil(active / ETA);
    const nextR = Math.min(MAX_REPEATS, r * ETA);
    // Down to two survivors at most: the race tells the last two apart, as their noise requires.
    if (next < 2 || nextR === r) break;
    prev = r;
    r = nextR;
    active = next;
  }
  return cost;
}

export async function search(o: SearchOptions, evaluate: Evaluate): Promise<SearchOutcome> {
  const now = o.nowMs ?? (() => Date.now());
  const started = now();
  const r0 = o.repeats ?? 1;
  const size = spaceSize(o.dims);
  const arms = new Map<string, Arm>();
  let trials = 0;
  let planned = o.trials ?? 1;
  let stoppedBy: SearchOutcome['stoppedBy'];

  const armOf = (config: Config): Arm => {
    const key = configKey(config);
    let arm = arms.get(key);
    if (!arm) arms.set(key, (arm = { config, key, obs: [] }));
    return arm;
  };
  const canRun = (): boolean => {
    if (o.signal?.aborted) stoppedBy = 'interrupted';
    else if (trials >= planned || (o.budgetMs !== undefined && now() - started >= o.budgetMs)) stoppedBy = 'budget';
    else return true;
    return false;
  };
  /** Measures an arm until it has `repeats` observations (or the budget ends). */
  const measure = async (arm: Arm, repeats: number): Promise<boolean> => {
    while (arm.obs.length < repeats) {
      if (!canRun()) return false;
      const repeat = arm.obs.length;
      o.onTrial?.(trials + 1, planned, arm.config, repeat);
      trials++;
      arm.obs.push(await evaluate(arm.config, repeat, o.seed + repeat));
    }
    return true;
  };

  // The first trial sizes a wall budget: as many trials as fit at its pace.
  const first = armOf(centerConfig(o.dims));
  const firstStart = now();
  await measure(first, 1);
  if (o.trials === undefined) {
    const each = Math.max(1, now() - firstStart);
    planned = Math.max(1, Math.min(10_000, Math.floor((o.budgetMs ?? each) / each)));
  }
  stoppedBy = undefined;

  const rank = (list: Arm[]): Arm[] => rankArms(list, o.direction, o.slos);
  let method: Method;
  let sampled: number;
  let pool: Config[] = [];
  let design: string[];
  if (size * r0 <= planned) {
    method = 'grid';
    sampled = size;
    design = Array.from({ length: size }, (_, i) => configKey(configAt(o.dims, i)));
    for (let i = 0; i < size; i++) if (!(await measure(armOf(configAt(o.dims, i)), r0))) break;
  } else {
    method = 'successive-halving';
    let n = Math.min(size, planned);
    // Half the budget for the halving; the rest tells the leaders apart and searches around the best.
    while (n > 2 && halvingCost(n, r0) > Math.max(2, Math.floor(planned / 2))) n--;
    sampled = n;
    const sample = sampleConfigs(o.dims, Math.min(size, planned) - 1, o.seed, first.key);
    let active = [first, ...sample.slice(0, n - 1).map(armOf)];
    design = active.map((a) => a.key);
    pool = sample.slice(n - 1);
    let r = r0;
    for (;;) {
      let complete = true;
      for (const arm of active) if (!(await measure(arm, r))) complete = false;
      const next = Math.ceil(active.length / ETA);
      const nextR = Math.min(MAX_REPEATS, r * ETA);
      if (!complete || next < 2 || nextR === r) break;
      active = rank(active).slice(0, next);
      r = nextR;
    }
  }
  // Budget left once the leaders are told apart: the unmeasured neighbours of the leader (one level
  // up or down in one parameter), else the rest of the sample, each raced in turn.
  while (!stoppedBy) {
    await race([...arms.values()], rank, measure);
    if (stoppedBy) break;
    const leader = rank([...arms.values()])[0];
    const next = (leader ? neighbours(o.dims, leader.config).find((c) => !arms.has(configKey(c))) : undefined) ?? takeUnmeasured(pool, arms);
    if (next === undefined) break;
    await measure(armOf(next), r0);
  }
  return { method, arms: [...arms.values()], trials, plannedTrials: planned, ...(stoppedBy ? { stoppedBy } : {}), firstRung: sampled, design, spaceSize: size };
}

/** Repeats for the leaders while their intervals overlap: noise as large as the gap between them. */
async function race(all: Arm[], rank: (list: Arm[]) => Arm[], measure: (arm: Arm, repeats: number) => Promise<boolean>): Promise<void> {
  for (;;) {
    const [best, second] = rank(all);
    if (!best || !second) return;
    const a = armStats(best);
    const b = armStats(second);
    const settled = best.obs.length >= 2 && second.obs.length >= 2 && !overlaps(a, b);
    if (settled) return;
    const next = best.obs.length <= second.obs.length ? best : second;
    if (next.obs.length >= RACE_REPEATS) return;
    if (!(await measure(next, next.obs.length + 1))) return;
  }
}

export function overlaps(a: ArmStats, b: ArmStats): boolean {
  if (a.ci === undefined || b.ci === undefined) return true;
  return a.ci.low <= b.ci.high && b.ci.low <= a.ci.high;
}

/** The configurations one level away from `config` in one dimension. */
export function neighbours(dims: readonly Dimension[], config: Config): Config[] {
  const out: Config[] = [];
  for (const d of dims) {
    const at = d.levels.indexOf(config[d.name] as string);
    for (const step of [-1, 1]) {
      const level = d.levels[at + step];
      if (at >= 0 && level !== undefined) out.push({ ...config, [d.name]: level });
    }
  }
  return out;
}

function takeUnmeasured(pool: Config[], arms: ReadonlyMap<string, Arm>): Config | undefined {
  while (pool.length > 0) {
    const c = pool.shift() as Config;
    if (!arms.has(configKey(c))) return c;
  }
  return undefined;
}

/** `count` distinct configurations other than `exclude`, seeded (indices drawn without replacement). */
export function sampleConfigs(dims: readonly Dimension[], count: number, seed: number, exclude: string): Config[] {
  const size = spaceSize(dims);
  const rng = new Rng(seed ^ 0x5eed);
  const picked = new Set<number>();
  const out: Config[] = [];
  while (out.length < count && picked.size < size) {
    const i = rng.int(0, size - 1);
    if (picked.has(i)) continue;
    picked.add(i);
    const c = configAt(dims, i);
    if (configKey(c) !== exclude) out.push(c);
  }
  return out;
}

// ── statistics over an arm's repeats ─────────────────────────────────────────────────────────

export interface Interval {
  low: number;
  high: number;
}

export interface ArmStats {
  n: number;
  mean?: number;
  sd?: number;
  /** 95 % interval of the mean (Student t), from 2 repeats on. */
  ci?: Interval;
  sloMeans: Array<number | undefined>;
  /** Every SLO met by the mean over the repeats. */
  feasible: boolean;
  /** Sum of relative SLO misses (0 when feasible). */
  miss: number;
  throughput?: number;
  p99Us?: number;
  failures: number;
  checksFailed: boolean;
}

function meanOf(values: Array<number | undefined>): number | undefined {
  const v = values.filter((x): x is number => x !== undefined && Number.isFinite(x));
  return v.length === 0 ? undefined : mean(v);
}

export function armStats(arm: Arm, slos: readonly SloSpec[] = []): ArmStats {
  const ok = arm.obs.filter((x) => x.error === undefined && x.objective !== undefined);
  const values = ok.map((x) => x.objective as number);
  const n = values.length;
  const sloMeans = slos.map((_, i) => meanOf(ok.map((x) => x.sloValues[i])));
  const miss = slos.reduce((a, s, i) => a + (sloMeans[i] === undefined ? 1 : s.miss(sloMeans[i] as number)), 0);
  const checksFailed = ok.some((x) => x.checksFailed);
  const stats: ArmStats = { n, sloMeans, feasible: n > 0 && miss === 0 && !checksFailed, miss: miss + (checksFailed ? 1 : 0), failures: arm.obs.length - n, checksFailed };
  if (n > 0) {
    stats.mean = mean(values);
    if (n >= 2) {
      stats.sd = stddev(values);
      const half = studentCritical(n - 1) * (stats.sd / Math.sqrt(n));
      stats.ci = { low: stats.mean - half, high: stats.mean + half };
    }
  }
  const t = meanOf(ok.map((x) => x.throughput));
  const p = meanOf(ok.map((x) => x.p99Us));
  if (t !== undefined) stats.throughput = t;
  if (p !== undefined) stats.p99Us = p;
  return stats;
}

/** Feasible first (by objective), then infeasible by how far they miss, then failed ones. */
export function rankArms(arms: readonly Arm[], direction: 'bigger' | 'smaller', slos: readonly SloSpec[]): Arm[] {
  const scored = arms.map((arm) => ({ arm, s: armStats(arm, slos) }));
  const sign = direction === 'bigger' ? -1 : 1;
  scored.sort((x, y) => {
    if ((x.s.mean === undefined) !== (y.s.mean === undefined)) return x.s.mean === undefined ? 1 : -1;
    if (x.s.feasible !== y.s.feasible) return x.s.feasible ? -1 : 1;
    if (!x.s.feasible && x.s.miss !== y.s.miss) return x.s.miss - y.s.miss;
    return sign * ((x.s.mean ?? 0) - (y.s.mean ?? 0)) || x.arm.key.localeCompare(y.arm.key);
  });
  return scored.map((x) => x.arm);
}

// ── what mattered, and the trade-off ──────────────────────────────────────────────────────────

export interface Importance {
  name: string;
  /** Share of the variance of configuration means explained by this parameter's main effect (ε², 0..1). */
  share: number;
  /** Mean objective at each level measured. */
  levels: Array<{ value: string; mean: number; configs: number }>;
  /**
   * Around the best: its objective at the nearest measured level below and above (every other
   * parameter as in the best) — what one step in this parameter alone costs. Null where unmeasured.
   */
  aroundBest: { below: number | null; above: number | null };
}

/**
 * Main effects (one-way ANOVA per parameter over the configurations' means, as ε²) and, beside
 * them, what one step away from the best costs in each parameter (the local search measures those
 * neighbours). On a full grid the shares are exact; after halving they come from an unbalanced
 * sample (random first rung, then configurations crowding around the best) and are estimates —
 * the steps around the best are then the firmer reading.
 */
export function importance(arms: readonly Arm[], dims: readonly Dimension[], best?: Arm): Importance[] {
  const measured = arms.map((a) => ({ a, m: armStats(a).mean })).filter((x): x is { a: Arm; m: number } => x.m !== undefined);
  const grand = measured.length > 0 ? mean(measured.map((x) => x.m)) : 0;
  const total = measured.reduce((s, x) => s + (x.m - grand) ** 2, 0);
  return dims
    .map((d) => {
      const levels = d.levels
        .map((value) => {
          const at = measured.filter((x) => x.a.config[d.name] === value).map((x) => x.m);
          return { value, mean: at.length > 0 ? mean(at) : Number.NaN, configs: at.length };
        })
        .filter((l) => l.configs > 0);
      const between = levels.reduce((s, l) => s + l.configs * (l.mean - grand) ** 2, 0);
      // ε² (epsilon squared): the between-level sum less what k levels soak up by chance, so a
      // parameter with nine levels over a small sample does not look important for its many levels.
      const k = levels.length;
      const dfWithin = measured.length - k;
      const chance = dfWithin > 0 ? ((k - 1) * (total - between)) / dfWithin : 0;
      return { name: d.name, share: total > 0 ? Math.max(0, Math.min(1, (between - chance) / total)) : 0, levels, aroundBest: stepCosts(measured, d, best) };
    })
    .sort((x, y) => y.share - x.share);
}

function stepCosts(measured: ReadonlyArray<{ a: Arm; m: number }>, d: Dimension, best: Arm | undefined): Importance['aroundBest'] {
  if (!best) return { below: null, above: null };
  const at = d.levels.indexOf(best.config[d.name] as string);
  const valueAt = (level: string | undefined): number | null => {
    if (level === undefined) return null;
    const key = configKey({ ...best.config, [d.name]: level });
    return measured.find((x) => x.a.key === key)?.m ?? null;
  };
  return { below: valueAt(d.levels[at - 1]), above: valueAt(d.levels[at + 1]) };
}

/** Configurations no other beats on both throughput (higher) and p99 (lower), by throughput. */
export function paretoFront(arms: readonly Arm[]): Arm[] {
  const pts = arms.map((arm) => ({ arm, s: armStats(arm) })).filter((x) => x.s.throughput !== undefined && x.s.p99Us !== undefined);
  const dominated = (x: (typeof pts)[number], y: (typeof pts)[number]): boolean =>
    (y.s.throughput as number) >= (x.s.throughput as number) &&
    (y.s.p99Us as number) <= (x.s.p99Us as number) &&
    ((y.s.throughput as number) > (x.s.throughput as number) || (y.s.p99Us as number) < (x.s.p99Us as number));
  return pts
    .filter((x) => !pts.some((y) => dominated(x, y)))
    .sort((x, y) => (y.s.throughput as number) - (x.s.throughput as number))
    .map((x) => x.arm);
}
