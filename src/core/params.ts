/**
 * Parameters declared once. A suite, backend or protocol describes each of its parameters here —
 * kind, unit, default (in the flag's own syntax: "300ms", "1kb", "4"), the smaller default under
 * --quick, range and help — and every front end derives from that one declaration:
 *   - the CLI adds one commander option per parameter, help text and defaults included (cli/);
 *   - MCP builds its zod input schema from each parameter's `json` type (core/params-json.ts: numbers
 *     for counts and rates, the flag's text for durations, sizes and mixes), with the same defaults;
 *   - the code receives `ParamSet.parse(raw)`: a typed, range-checked value, never the raw bag.
 * A bad value is a UsageError naming the flag (CLI) or the field (MCP) and what it expects.
 * Declarations are plain data (no zod here): modules that only parse, such as an agent worker
 * opening a backend, do not pay for loading a schema library.
 */
import { UsageError } from './errors.js';
import { parseBytes, parseDurationUs, parseIntFlag } from './parse.js';

/** The JSON value MCP accepts for a parameter, before parsing. */
export type JsonType =
  | { type: 'integer'; min: number; max: number }
  | { type: 'number'; above: number; max: number }
  | { type: 'string'; maxLength: number }
  | { type: 'string-or-integer'; maxLength: number }
  | { type: 'enum'; values: readonly string[] }
  | { type: 'boolean' };

/** What a parameter's typed value measures; renderers and docs say it in words. */
export type ParamUnit = 'count' | 'ms' | 'us' | 'bytes' | 'per-second' | 'percent' | 'weights' | 'choice' | 'text' | 'switch';

export interface Param<T> {
  readonly kind: 'int' | 'number' | 'duration' | 'bytes' | 'bytes-list' | 'choice' | 'mix' | 'text' | 'switch';
  readonly unit: ParamUnit;
  readonly help: string;
  /** Commander placeholder, e.g. "<n>", "<d>", "<bytes>". */
  readonly placeholder: string;
  /** The external name when not the key in kebab-case (CLI: `--${flag}`). */
  readonly flag?: string;
  /** The default in the flag's own syntax; absent: no value (the help says what applies). */
  readonly default?: string;
  /** A smaller default under --quick. */
  readonly quickDefault?: string;
  /** Words for a default the code computes (e.g. "agents − 1"), shown in help. */
  readonly defaultNote?: string;
  /** Allowed words (choice) or operation names (mix). */
  readonly values?: readonly string[];
  /** Parses the text form; throws a UsageError starting with `label`. */
  parse(label: string, text: string): T;
  /** JSON input type (MCP), before parsing. */
  readonly json: JsonType;
}

/** The typed value of a parameter: T, or T | undefined when it has no default. */
type HasDefault<O> = O extends { default: string | number } ? true : false;
type ValueOf<O, T> = HasDefault<O> extends true ? T : T | undefined;

interface CommonOpts {
  help: string;
  flag?: string;
  /** Commander placeholder when not the kind's usual one. */
  placeholder?: string;
  defaultNote?: string;
}

const text = (v: string | number | undefined): string | undefined => (v === undefined ? undefined : String(v));

/** Builds a Param, leaving out the optional fields that are not set (exactOptionalPropertyTypes). */
function param<T>(base: Omit<Param<T>, 'default' | 'quickDefault' | 'flag' | 'defaultNote'>, o: CommonOpts & { default?: string | number; quick?: string | number }): Param<T> {
  const p: { -readonly [K in keyof Param<T>]?: Param<T>[K] } = { ...base };
  const d = text(o.default);
  const q = text(o.quick);
  if (d !== undefined) p.default = d;
  if (q !== undefined) p.quickDefault = q;
  if (o.flag !== undefined) p.flag = o.flag;
  if (o.defaultNote !== undefined) p.defaultNote = o.defaultNote;
  if (o.placeholder !== undefined) p.placeholder = o.placeholder;
  return p as Param<T>;
}

export interface IntOpts extends CommonOpts {
  min: number;
  max: number;
  default?: number;
  quick?: number;
  unit?: 'count' | 'percent' | 'ms';
}

/** A whole number in [min, max]. */
export function intParam<O extends IntOpts>(o: O): Param<ValueOf<O, number>> {
  return param<number>(
    {
      kind: 'int',
      unit: o.unit ?? 'count',
      help: o.help,
      placeholder: '<n>',
      parse: (label, t) => parseIntFlag(label, t, o.min, o.max),
      json: { type: 'integer', min: o.min, max: o.max },
    },
    o,
  ) as Param<ValueOf<O, number>>;
}

export interface NumberOpts extends CommonOpts {
  /** Exclusive lower bound (rates: 0). */
  above: number;
  max: number;
  default?: number;
  quick?: number;
  unit?: 'per-second' | 'count';
}

/** A real number in (above, max]: rates may be fractional, e.g. 0.5 per second. */
export function numberParam<O extends NumberOpts>(o: O): Param<ValueOf<O, number>> {
  const parse = (label: string, t: string): number => {
    const n = Number(t.trim());
    if (t.trim() === '' || !/^[0-9.eE+-]+$/.test(t.trim()) || !Number.isFinite(n) || n <= o.above || n > o.max) {
      throw new UsageError(`${label}: expected a number greater than ${o.above} and at most ${o.max}, got "${t}"`);
    }
    return n;
  };
  return param<number>(
    { kind: 'number', unit: o.unit ?? 'per-second', help: o.help, placeholder: '<n>', parse, json: { type: 'number', above: o.above, max: o.max } },
    o,
  ) as Param<ValueOf<O, number>>;
}

export interface DurationOpts extends CommonOpts {
  /** The unit of the typed value. */
  unit: 'ms' | 'us';
  /** Bounds in the typed value's unit. */
  min: number;
  max: number;
  default?: string;
  quick?: string;
}

/** A duration in the flag syntax ("500ms", "10s", "2m"), typed as ms or µs. */
export function durationParam<O extends DurationOpts>(o: O): Param<ValueOf<O, number>> {
  const show = (v: number): string => `${v} ${o.unit === 'ms' ? 'ms' : 'µs'}`;
  const parse = (label: string, t: string): number => {
    const us = parseDurationUs(label, t);
    const v = o.unit === 'ms' ? us / 1000 : us;
    if (v < o.min || v > o.max) throw new UsageError(`${label}: expected a duration from ${show(o.min)} to ${show(o.max)}, got "${t}"`);
    return v;
  };
  return param<number>({ kind: 'duration', unit: o.unit, help: o.help, placeholder: '<d>', parse, json: { type: 'string', maxLength: 32 } }, o) as Param<ValueOf<O, number>>;
}

export interface BytesOpts extends CommonOpts {
  min: number;
  max: number;
  default?: string | number;
  quick?: string | number;
}

/** A byte size ("256", "1kb", "4mb"). */
export function bytesParam<O extends BytesOpts>(o: O): Param<ValueOf<O, number>> {
  const parse = (label: string, t: string): number => {
    const n = parseBytes(label, t);
    if (n < o.min || n > o.max) throw new UsageError(`${label}: expected a size from ${o.min} to ${o.max} bytes, got "${t}"`);
    return n;
  };
  return param<number>({ kind: 'bytes', unit: 'bytes', help: o.help, placeholder: '<bytes>', parse, json: { type: 'string-or-integer', maxLength: 32 } }, o) as Param<ValueOf<O, number>>;
}

/** Several byte sizes separated by commas ("64,1kb,16kb"). */
export function bytesListParam<O extends BytesOpts>(o: O): Param<ValueOf<O, number[]>> {
  const parse = (label: string, t: string): number[] => {
    const parts = t.split(',').map((p) => p.trim());
    if (parts.some((p) => p === '')) throw new UsageError(`${label}: expected sizes separated by commas, e.g. 64,1kb, got "${t}"`);
    return parts.map((p) => {
      const n = parseBytes(label, p);
      if (n < o.min || n > o.max) throw new UsageError(`${label}: expected sizes from ${o.min} to ${o.max} bytes, got "${p}"`);
      return n;
    });
  };
  return param<number[]>({ kind: 'bytes-list', unit: 'bytes', help: o.help, placeholder: '<bytes>', parse, json: { type: 'string-or-integer', maxLength: 256 } }, o) as Param<ValueOf<O, number[]>>;
}

export interface ChoiceOpts<V extends string> extends CommonOpts {
  values: readonly V[];
  default?: V;
  quick?: V;
}

/** One of a few words. */
export function choiceParam<const V extends string>(o: ChoiceOpts<V> & { default: V }): Param<V>;
export function choiceParam<const V extends string>(o: ChoiceOpts<V>): Param<V | undefined>;
export function choiceParam<const V extends string>(o: ChoiceOpts<V>): Param<V | undefined> {
  const parse = (label: string, t: string): V => {
    if (!(o.values as readonly string[]).includes(t)) throw new UsageError(`${label}: expected one of ${o.values.join(', ')}, got "${t}"`);
    return t as V;
  };
  return param<V>(
    { kind: 'choice', unit: 'choice', help: o.help, placeholder: `<${o.values.join('|')}>`, values: o.values, parse, json: { type: 'enum', values: o.values } },
    o,
  );
}

export interface MixOpts<N extends string> extends CommonOpts {
  names: readonly N[];
  default?: string;
  quick?: string;
}

/** Operation weights such as "create=35,claim=45,update=20" (at least one above zero). */
export function mixParam<const N extends string>(o: MixOpts<N> & { default: string }): Param<Record<N, number>>;
export function mixParam<const N extends string>(o: MixOpts<N>): Param<Record<N, number> | undefined>;
export function mixParam<const N extends string>(o: MixOpts<N>): Param<Record<N, number> | undefined> {
  const parse = (label: string, t: string): Record<N, number> => {
    const mix = Object.fromEntries(o.names.map((n) => [n, 0])) as Record<N, number>;
    for (const part of t.split(',')) {
      const m = /^\s*([A-Za-z-]+)\s*=\s*(\d+(?:\.\d+)?)\s*$/.exec(part);
      if (!m) throw new UsageError(`${label}: expected name=weight pairs such as ${o.names.map((n) => `${n}=1`).join(',')}, got "${part}"`);
      if (!(o.names as readonly string[]).includes(m[1] as string)) throw new UsageError(`${label}: unknown operation "${m[1]}"; known: ${o.names.join(', ')}`);
      mix[m[1] as N] = Number(m[2]);
    }
    if (!Object.values<number>(mix).some((w) => w > 0)) throw new UsageError(`${label}: at least one weight must be above zero, got "${t}"`);
    return mix;
  };
  return param<Record<N, number>>({ kind: 'mix', unit: 'weights', help: o.help, placeholder: '<ops>', values: o.names, parse, json: { type: 'string', maxLength: 512 } }, o);
}

export interface TextOpts extends CommonOpts {
  default?: string;
  quick?: string;
  maxLength?: number;
  /** Validates (and may normalise) the text; throws a UsageError starting with the label. */
  check?: (label: string, t: string) => string;
}

/** Free text checked by the declaring module (e.g. a backend spec). */
export function textParam<O extends TextOpts>(o: O): Param<ValueOf<O, string>> {
  const parse = (label: string, t: string): string => {
    if (t.trim() === '') throw new UsageError(`${label}: expected a value, got ""`);
    return o.check ? o.check(label, t) : t;
  };
  return param<string>({ kind: 'text', unit: 'text', help: o.help, placeholder: '<text>', parse, json: { type: 'string', maxLength: o.maxLength ?? 512 } }, o) as Param<ValueOf<O, string>>;
}

/** An on/off switch (CLI: a flag without value; MCP: a boolean). Absent means false. */
export function switchParam(o: CommonOpts): Param<boolean> {
  const parse = (label: string, t: string): boolean => {
    if (t === 'true') return true;
    if (t === 'false') return false;
    throw new UsageError(`${label}: expected true or false, got "${t}"`);
  };
  return param<boolean>({ kind: 'switch', unit: 'switch', help: o.help, placeholder: '', parse, json: { type: 'boolean' } }, { ...o, default: 'false' });
}

// ── parameter sets ───────────────────────────────────────────────────────────────────────────

export type ParamShape = Record<string, Param<unknown>>;
export type ParamValues<S extends ParamShape> = { [K in keyof S]: S[K] extends Param<infer T> ? T : never };

export interface ParseParamsOptions {
  /** Use the --quick defaults where a parameter has one. */
  quick?: boolean;
  /** How errors name a parameter: the CLI flag (default) or the input field (MCP). */
  naming?: 'flag' | 'field';
  /** Field naming only: prefix for the field path, e.g. "params.". */
  fieldPrefix?: string;
}

export interface ParamSet<S extends ParamShape> {
  readonly shape: S;
  /**
   * Raw values (CLI strings or MCP JSON; undefined, null and false mean "not given") → the typed
   * value, defaults applied, every range and cross-parameter rule checked. Keys not in the shape
   * are ignored: a command's raw bag also holds its own flags.
   */
  parse(raw: Readonly<Record<string, unknown>>, options?: ParseParamsOptions): ParamValues<S>;
  /** The CLI flag of a key: "--lease-ttl". */
  flagOf(key: keyof S & string): string;
}

/** Cross-parameter rules (e.g. renew interval < lease TTL): throw a UsageError naming the flags. */
export type ParamCheck<S extends ParamShape> = (values: ParamValues<S>, name: (key: keyof S & string) => string) => void;

export function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

export function defineParams<S extends ParamShape>(shape: S, check?: ParamCheck<S>): ParamSet<S> {
  const flagOf = (key: keyof S & string): string => `--${shape[key]?.flag ?? kebab(key)}`;
  return {
    shape,
    flagOf,
    parse(raw, options = {}) {
      const name = (key: keyof S & string): string => (options.naming === 'field' ? `${options.fieldPrefix ?? ''}${key}` : flagOf(key));
      const out: Record<string, unknown> = {};
      for (const [key, p] of Object.entries(shape)) {
        const given = rawText(raw[key], p, name(key));
        const fallback = options.quick && p.quickDefault !== undefined ? p.quickDefault : p.default;
        const source = given ?? fallback;
        // A default that does not parse is a bug in the declaration, not the user's mistake.
        out[key] = source === undefined ? undefined : given === undefined ? parseDefault(p, key, source) : p.parse(name(key), source);
      }
      const values = out as ParamValues<S>;
      check?.(values, name);
      return values;
    },
  };
}

function rawText(v: unknown, p: Param<unknown>, label: string): string | undefined {
  if (v === undefined || v === null || v === false) return undefined;
  if (typeof v === 'string' || typeof v === 'boolean') return String(v);
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  throw new UsageError(`${label}: expected ${p.kind === 'switch' ? 'true or false' : 'a value'}, got ${JSON.stringify(v)}`);
}

function parseDefault(p: Param<unknown>, key: string, source: string): unknown {
  try {
    return p.parse(key, source);
  } catch (err) {
    throw new Error(`parameter ${key}: its declared default "${source}" does not parse: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Help text with the default from the declaration: "lease TTL (default 300ms; --quick 100ms)". */
export function paramHelp(p: Param<unknown>): string {
  const parts: string[] = [];
  if (p.kind !== 'switch') {
    if (p.default !== undefined) parts.push(`default ${p.default}`);
    else if (p.defaultNote !== undefined) parts.push(`default ${p.defaultNote}`);
    if (p.quickDefault !== undefined) parts.push(`--quick ${p.quickDefault}`);
  }
  return parts.length > 0 ? `${p.help} (${parts.join('; ')})` : p.help;
}

/** The default as the JSON type MCP clients send (numbers for counts and rates). */
export function jsonDefault(p: Param<unknown>): string | number | boolean | undefined {
  if (p.default === undefined) return undefined;
  if (p.kind === 'int' || p.kind === 'number') return Number(p.default);
  if (p.kind === 'switch') return p.default === 'true';
  return p.default;
}
