/**
 * The search space of `swarmperf tune`: each `--param NAME=LO..HI` or `NAME=a,b,c` checked against
 * the parameter its target declares (a suite's or the run's `defineParams`, a backend's tuning, a
 * protocol's zod schema — see target.ts for how each becomes a TunableParam) and turned into a
 * finite list of levels in the parameter's own flag syntax. A configuration is one level per
 * dimension; every value a trial receives is text the declaration itself parses.
 */
import { UsageError } from '../core/errors.js';
import { parseDurationUs } from '../core/parse.js';

/** What a declared parameter admits, as far as the search needs to know. */
export interface TunableParam {
  name: string;
  /** Where the value goes: run settings, the suite's parameters, the backend's tuning, the protocol's flags. */
  where: 'run' | 'suite' | 'backend' | 'protocol';
  /** int / number / duration: a range LO..HI may be searched; choice and text: listed values only. */
  kind: 'int' | 'number' | 'duration' | 'choice' | 'text';
  /** Allowed words (choice). */
  values?: readonly string[];
  /** Inclusive bounds of int and number (number: `above` is exclusive), duration in µs. */
  min?: number;
  max?: number;
  above?: number;
  /** Checks one value in flag syntax; throws a UsageError starting with `label`. */
  check(label: string, text: string): void;
}

export interface Dimension {
  name: string;
  where: TunableParam['where'];
  /** Levels in flag syntax, in order (ranges ascending). */
  levels: string[];
  /** Whether the levels come from a numeric range (main effects are then read in order). */
  numeric: boolean;
}

/** One value per dimension, by name. */
export type Config = Readonly<Record<string, string>>;

/** Most levels a numeric range is cut into: enough to place an optimum, few enough to search. */
export const MAX_INT_LEVELS = 9;
export const MAX_REAL_LEVELS = 7;

const RANGE = /^(.+?)\.\.(.+)$/;

/** Parses `--param NAME=SPEC` against the declared parameters (exit 2 naming the parameter on any problem). */
export function parseDimension(flag: string, text: string, known: ReadonlyMap<string, TunableParam>): Dimension {
  const eq = text.indexOf('=');
  if (eq <= 0 || eq === text.length - 1) throw new UsageError(`${flag}: expected NAME=LO..HI or NAME=a,b,c, got "${text}"`);
  const name = text.slice(0, eq).trim();
  const spec = text.slice(eq + 1).trim();
  const p = known.get(name);
  if (!p) throw new UsageError(`${flag}: unknown parameter "${name}"; tunable here: ${[...known.keys()].sort().join(', ') || 'none'}`);
  const label = `${flag} ${name}`;
  const range = RANGE.exec(spec);
  const levels = range ? rangeLevels(label, p, (range[1] as string).trim(), (range[2] as string).trim()) : listLevels(label, p, spec);
  return { name, where: p.where, levels, numeric: range !== null };
}

function listLevels(label: string, p: TunableParam, spec: string): string[] {
  const values = spec.split(',').map((v) => v.trim());
  if (values.some((v) => v === '')) throw new UsageError(`${label}: empty value in "${spec}"; expected a,b,c`);
  if (new Set(values).size !== values.length) throw new UsageError(`${label}: a value is listed twice in "${spec}"`);
  for (const v of values) checkValue(label, p, v);
  return values;
}

function checkValue(label: string, p: TunableParam, v: string): void {
  if (p.kind === 'choice' && !(p.values ?? []).includes(v)) throw new UsageError(`${label}: expected one of ${(p.values ?? []).join(', ')}, got "${v}"`);
  p.check(label, v);
}

function rangeLevels(label: string, p: TunableParam, loText: string, hiText: string): string[] {
  if (p.kind === 'choice' || p.kind === 'text') {
    const example = p.values ? p.values.join(',') : 'a,b,c';
    throw new UsageError(`${label}: takes listed values (e.g. ${example}), not a range LO..HI`);
  }
  if (p.kind === 'duration') return durationLevels(label, p, loText, hiText);
  const lo = numberIn(label, p, loText);
  const hi = numberIn(label, p, hiText);
  if (hi <= lo) throw new UsageError(`${label}: the range ${loText}..${hiText} is empty; give LO..HI with LO < HI`);
  if (p.kind === 'int') return intLevels(lo, hi).map(String);
  return spread(lo, hi, MAX_REAL_LEVELS).map((v) => String(Number(v.toPrecision(3))));
}

function numberIn(label: string, p: TunableParam, text: string): number {
  const n = Number(text);
  if (text === '' || !Number.isFinite(n) || (p.kind === 'int' && !Number.isInteger(n))) {
    throw new UsageError(`${label}: expected ${p.kind === 'int' ? 'whole numbers' : 'numbers'} in LO..HI, got "${text}"`);
  }
  const bounds = `${p.above !== undefined ? `above ${p.above}` : `from ${p.min ?? '-∞'}`} to ${p.max ?? '∞'}`;
  if ((p.min !== undefined && n < p.min) || (p.max !== undefined && n > p.max) || (p.above !== undefined && n <= p.above)) {
    throw new UsageError(`${label}: ${text} is outside the declared range (${bounds})`);
  }
  p.check(label, text);
  return n;
}

/** Every whole number when few, else MAX_INT_LEVELS spread (geometrically when the range spans a decade). */
export function intLevels(lo: number, hi: number): number[] {
  if (hi - lo + 1 <= MAX_INT_LEVELS) return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
  return [...new Set(spread(lo, hi, MAX_INT_LEVELS).map(Math.round))];
}

/** `count` points from lo to hi: geometric when lo > 0 and hi/lo ≥ 8 (effects of counts and times are often multiplicative), else even. */
function spread(lo: number, hi: number, count: number): number[] {
  const geometric = lo > 0 && hi / lo >= 8;
  return Array.from({ length: count }, (_, i) => {
    const f = i / (count - 1);
    return geometric ? lo * (hi / lo) ** f : lo + (hi - lo) * f;
  });
}

function durationLevels(label: string, p: TunableParam, loText: string, hiText: string): string[] {
  // "10..100ms": the low end takes the high end's unit.
  const unit = /[a-zµ]+$/i.exec(hiText)?.[0] ?? '';
  const loFull = /[a-zµ]$/i.test(loText) ? loText : `${loText}${unit}`;
  const lo = parseDurationUs(label, loFull);
  const hi = parseDurationUs(label, hiText);
  if (hi <= lo) throw new UsageError(`${label}: the range ${loText}..${hiText} is empty; give LO..HI with LO < HI`);
  const levels = [...new Set(spread(lo, hi, MAX_REAL_LEVELS).map((us) => formatLevelUs(us)))];
  for (const l of levels) p.check(label, l);
  if ((p.min !== undefined && lo < p.min) || (p.max !== undefined && hi > p.max)) throw new UsageError(`${label}: ${loText}..${hiText} is outside the declared range`);
  return levels;
}

/** A duration level in flag syntax, rounded to whole ms above 10 ms (finer steps measure nothing new). */
export function formatLevelUs(us: number): string {
  if (us >= 10_000) return `${Math.round(us / 1000)}ms`;
  if (us >= 1000) return `${Number((us / 1000).toPrecision(2))}ms`;
  return `${Math.round(us)}us`;
}

/** How many configurations the dimensions span. */
export function spaceSize(dims: readonly Dimension[]): number {
  return dims.reduce((n, d) => n * d.levels.length, 1);
}

/** The i-th configuration in row-major order (the last dimension varies fastest). */
export function configAt(dims: readonly Dimension[], index: number): Config {
  const out: Record<string, string> = {};
  let rest = index;
  for (let k = dims.length - 1; k >= 0; k--) {
    const d = dims[k] as Dimension;
    out[d.name] = d.levels[rest % d.levels.length] as string;
    rest = Math.floor(rest / d.levels.length);
  }
  // Dimension order, not reverse.
  return Object.fromEntries(dims.map((d) => [d.name, out[d.name] as string]));
}

/** A stable text of a configuration: "agents=4,busyWait=spin" (dimension order). */
export function configKey(config: Config): string {
  return Object.entries(config)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** Checks the dimensions name distinct parameters. */
export function checkDistinct(flag: string, dims: readonly Dimension[]): void {
  const seen = new Set<string>();
  for (const d of dims) {
    if (seen.has(d.name)) throw new UsageError(`${flag}: parameter "${d.name}" is given twice`);
    seen.add(d.name);
  }
}
