/**
 * One log line → one tool call (or a hook event to pair, or the reason it is unusable).
 *
 * Formats are detected per line, because real logs mix them (a plugin upgrade changes the shape
 * half-way through a file):
 *   - tool-timing:  {timestamp, session_id, tool, call_id, start_time, end_time, duration_ms, success, category, …}
 *   - perf-metrics: {timestamp, operation_type, duration_ms, success, session_id, error, context}
 *   - Claude Code hook events: {hook_event_name: PreToolUse|PostToolUse|PostToolUseFailure, tool_name,
 *     tool_use_id, session_id, tool_input, tool_response, timestamp} — no duration, so paired by id.
 *   - anything else through a field map (`--map tool=name,duration=elapsed,...`).
 *
 * Validation is by hand rather than a schema library: this runs once per line over hundreds of MB,
 * and the checks are few and flat. Every rejection names the field and what was wrong.
 * Time is integer µs (epoch µs for instants).
 */
import { createHash } from 'node:crypto';
import { categorize } from './categories.cjs';

// The name → category table lives in a CommonJS module the hook process can load without this one.
export { categorize };

export interface ToolCall {
  tool: string;
  category: string;
  /** The id the agent runtime gave the call; null when the format has none (no de-duplication). */
  callId: string | null;
  sessionId: string | null;
  /** When the call ended, epoch µs. */
  endUs: number;
  durationUs: number;
  success: boolean;
}

export type HookPhase = 'pre' | 'post' | 'failure';

export interface HookEvent {
  phase: HookPhase;
  toolUseId: string;
  tool: string;
  sessionId: string | null;
  /** Epoch µs at which the event was logged. */
  atUs: number;
  success: boolean;
}

export type ParsedLine =
  | { kind: 'call'; call: ToolCall }
  | { kind: 'hook'; event: HookEvent }
  /** A well-formed line that carries no timing (e.g. a SessionStart hook event). */
  | { kind: 'ignored' }
  | { kind: 'invalid'; reason: string };

/** Durations above this are a clock jump or a unit mix-up, not a tool call (overridable). */
export const DEFAULT_MAX_DURATION_US = 24 * 3_600_000_000;

// Epoch-millisecond sanity window: a value outside it is seconds, µs or garbage, not epoch ms.
const MIN_EPOCH_MS = Date.UTC(2000, 0, 1);
const MAX_EPOCH_MS = Date.UTC(2100, 0, 1);

export interface FieldMap {
  tool: string[];
  duration?: string[];
  /** Multiplier from the duration field's unit to µs. */
  durationScale: number;
  start?: string[];
  end?: string[];
  time?: string[];
  callId?: string[];
  session?: string[];
  success?: string[];
  error?: string[];
  category?: string[];
}

export interface ParseOptions {
  maxDurationUs: number;
  map?: FieldMap;
}

const UNIT_SCALE: Record<string, number> = { ns: 0.001, us: 1, 'µs': 1, ms: 1000, s: 1_000_000 };
const MAP_KEYS = ['tool', 'duration', 'unit', 'start', 'end', 'time', 'call_id', 'session', 'success', 'error', 'category'];

/**
 * Parses `--map tool=name,duration=elapsed,unit=ms,…` (dotted paths reach into nested objects).
 * Throws an Error naming the bad entry; the CLI turns it into a usage error.
 */
export function parseFieldMap(spec: string): FieldMap {
  const entries = new Map<string, string>();
  for (const part of spec.split(',')) {
    const p = part.trim();
    if (p === '') continue;
    const i = p.indexOf('=');
    if (i <= 0 || i === p.length - 1) throw new Error(`expected key=FIELD, got "${p}"`);
    const key = p.slice(0, i).trim();
    if (!MAP_KEYS.includes(key)) throw new Error(`unknown key "${key}" (known: ${MAP_KEYS.join(', ')})`);
    entries.set(key, p.slice(i + 1).trim());
  }
  const path = (k: string): string[] | undefined => entries.get(k)?.split('.');
  const tool = path('tool');
  if (!tool) throw new Error('needs tool=FIELD');
  const unit = entries.get('unit') ?? 'ms';
  const scale = UNIT_SCALE[unit];
  if (scale === undefined) throw new Error(`unit must be one of ns, us, ms, s; got "${unit}"`);
  const duration = path('duration');
  const start = path('start');
  const end = path('end');
  if (!duration && !(start && end)) throw new Error('needs duration=FIELD (or start=FIELD and end=FIELD)');
  const map: FieldMap = { tool, durationScale: scale };
  if (duration) map.duration = duration;
  if (start) map.start = start;
  if (end) map.end = end;
  const optional: Array<[keyof FieldMap, string]> = [
    ['time', 'time'], ['callId', 'call_id'], ['session', 'session'], ['success', 'success'], ['error', 'error'], ['category', 'category'],
  ];
  for (const [field, key] of optional) {
    const v = path(key);
    if (v) (map as unknown as Record<string, string[]>)[field] = v;
  }
  return map;
}


function get(o: Record<string, unknown>, path: string[]): unknown {
  let v: unknown = o;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

/** An instant as epoch µs from epoch ms (number) or an ISO-8601 string; a string reason if neither. */
function instantUs(value: unknown, field: string): number | string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < MIN_EPOCH_MS || value > MAX_EPOCH_MS) return `${field} ${value} is not epoch milliseconds`;
    return Math.round(value * 1000);
  }
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) return `${field} "${clip(value)}" is not a date`;
    if (ms < MIN_EPOCH_MS || ms > MAX_EPOCH_MS) return `${field} "${clip(value)}" is outside 2000–2100`;
    return ms * 1000;
  }
  return value === undefined || value === null ? `missing ${field}` : `${field} is a ${typeName(value)}, expected a number or date`;
}

function durationUs(value: unknown, field: string, scale: number, maxUs: number): number | string {
  if (value === undefined || value === null) return `missing ${field}`;
  if (typeof value !== 'number') return `${field} is a ${typeName(value)}, expected a number`;
  if (!Number.isFinite(value)) return `${field} is not finite`;
  if (value < 0) return `negative ${field} ${value}`;
  const us = Math.round(value * scale);
  if (us > maxUs) return `absurd ${field} ${value} (over ${maxUs / 3_600_000_000} h)`;
  return us;
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

function clip(s: string, n = 40): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

function optString(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null;
}

/**
 * A call or session id, bounded: ids are stored (slowest calls, the de-dup window) and shown, so a
 * 900 KB id must not become 900 KB rows. A longer id keeps its start and a hash of the whole, so
 * two long ids that share a prefix stay distinct for de-duplication.
 */
function optId(v: unknown): string | null {
  const s = optString(v);
  if (s === null || s.length <= MAX_ID) return s;
  return `${s.slice(0, MAX_ID - 18)}…${createHash('sha256').update(s).digest('hex').slice(0, 16)}`;
}

/** The longest call or session id kept as is (Claude Code's tool_use_id is ~30 characters). */
export const MAX_ID = 128;

function name(v: unknown, field: string): string | { reason: string } {
  if (typeof v !== 'string') return { reason: v === undefined || v === null ? `missing ${field}` : `${field} is a ${typeName(v)}, expected a string` };
  if (v.trim() === '') return { reason: `empty ${field}` };
  // Names are keys in reports and the store: bound them so one garbage line cannot bloat either.
  return v.length > MAX_NAME ? v.slice(0, MAX_NAME) : v;
}

const MAX_NAME = 200;

/** Parses one line's text (without its newline). */
export function parseLine(text: string, opts: ParseOptions): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { kind: 'invalid', reason: `invalid JSON: ${err instanceof Error ? clip(err.message, 80) : 'parse error'}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { kind: 'invalid', reason: `not a JSON object (a ${typeName(value)})` };
  }
  const o = value as Record<string, unknown>;
  if (opts.map) return parseMapped(o, opts.map, opts.maxDurationUs);
  if (o.hook_event_name !== undefined) return parseHookEvent(o);
  if (o.operation_type !== undefined) return parsePerfMetric(o, opts.maxDurationUs);
  if (o.tool !== undefined) return parseToolTiming(o, opts.maxDurationUs);
  return { kind: 'invalid', reason: 'unknown format: no tool, operation_type or hook_event_name field (use --map for other formats)' };
}

function parseToolTiming(o: Record<string, unknown>, maxUs: number): ParsedLine {
  const tool = name(o.tool, 'tool');
  if (typeof tool !== 'string') return { kind: 'invalid', reason: tool.reason };
  let dur: number | string;
  if (o.duration_ms !== undefined && o.duration_ms !== null) dur = durationUs(o.duration_ms, 'duration_ms', 1000, maxUs);
  else if (typeof o.start_time === 'number' && typeof o.end_time === 'number') dur = durationUs(o.end_time - o.start_time, 'end_time − start_time', 1000, maxUs);
  else dur = 'missing duration_ms';
  if (typeof dur === 'string') return { kind: 'invalid', reason: dur };
  let end: number | string;
  if (o.end_time !== undefined && o.end_time !== null) end = instantUs(o.end_time, 'end_time');
  else if (o.timestamp !== undefined && o.timestamp !== null) end = instantUs(o.timestamp, 'timestamp');
  else if (o.start_time !== undefined && o.start_time !== null) {
    const s = instantUs(o.start_time, 'start_time');
    end = typeof s === 'number' ? s + dur : s;
  } else end = 'missing end_time and timestamp';
  if (typeof end === 'string') return { kind: 'invalid', reason: end };
  if (o.success !== undefined && o.success !== null && typeof o.success !== 'boolean') {
    return { kind: 'invalid', reason: `success is a ${typeName(o.success)}, expected true or false` };
  }
  const category = typeof o.category === 'string' && o.category !== '' ? o.category.slice(0, MAX_NAME) : categorize(tool);
  return {
    kind: 'call',
    call: {
      tool,
      category,
      callId: optId(o.call_id),
      sessionId: optId(o.session_id),
      endUs: end,
      durationUs: dur,
      success: o.success !== false,
    },
  };
}

function parsePerfMetric(o: Record<string, unknown>, maxUs: number): ParsedLine {
  const tool = name(o.operation_type, 'operation_type');
  if (typeof tool !== 'string') return { kind: 'invalid', reason: tool.reason };
  const dur = durationUs(o.duration_ms, 'duration_ms', 1000, maxUs);
  if (typeof dur === 'string') return { kind: 'invalid', reason: dur };
  const end = instantUs(o.timestamp, 'timestamp');
  if (typeof end === 'string') return { kind: 'invalid', reason: end };
  const hasError = o.error !== undefined && o.error !== null && o.error !== '' && o.error !== false;
  return {
    kind: 'call',
    call: {
      tool,
      category: categorize(tool),
      // perf-metrics lines carry no call id: identical-looking lines are separate operations.
      callId: null,
      sessionId: optId(o.session_id),
      endUs: end,
      durationUs: dur,
      success: o.success !== false && !hasError,
    },
  };
}

function responseFailed(r: unknown): boolean {
  if (r === null || typeof r !== 'object') return false;
  const o = r as Record<string, unknown>;
  return o.is_error === true || o.isError === true || o.success === false || o.interrupted === true || (typeof o.error === 'string' && o.error !== '');
}

function parseHookEvent(o: Record<string, unknown>): ParsedLine {
  const ev = o.hook_event_name;
  const phase: HookPhase | undefined = ev === 'PreToolUse' ? 'pre' : ev === 'PostToolUse' ? 'post' : ev === 'PostToolUseFailure' ? 'failure' : undefined;
  if (typeof ev !== 'string') return { kind: 'invalid', reason: `hook_event_name is a ${typeName(ev)}, expected a string` };
  if (!phase) return { kind: 'ignored' };
  const id = name(o.tool_use_id, 'tool_use_id');
  if (typeof id !== 'string') return { kind: 'invalid', reason: `${ev}: ${id.reason}` };
  const tool = name(o.tool_name, 'tool_name');
  if (typeof tool !== 'string') return { kind: 'invalid', reason: `${ev}: ${tool.reason}` };
  // Claude Code's hook input carries no time; a logger that records events must add one.
  const at = instantUs(o.timestamp ?? o.time, 'timestamp');
  if (typeof at === 'string') return { kind: 'invalid', reason: `${ev}: ${at} (hook events need a time to be paired)` };
  return {
    kind: 'hook',
    event: {
      phase,
      toolUseId: id,
      tool,
      sessionId: optId(o.session_id),
      atUs: at,
      success: phase === 'pre' ? true : phase === 'post' && !responseFailed(o.tool_response),
    },
  };
}

function parseMapped(o: Record<string, unknown>, m: FieldMap, maxUs: number): ParsedLine {
  const tool = name(get(o, m.tool), m.tool.join('.'));
  if (typeof tool !== 'string') return { kind: 'invalid', reason: tool.reason };
  let dur: number | string;
  let startUs: number | undefined;
  if (m.duration) dur = durationUs(get(o, m.duration), m.duration.join('.'), m.durationScale, maxUs);
  else {
    const s = instantUs(get(o, m.start!), m.start!.join('.'));
    const e = instantUs(get(o, m.end!), m.end!.join('.'));
    if (typeof s === 'string') return { kind: 'invalid', reason: s };
    if (typeof e === 'string') return { kind: 'invalid', reason: e };
    startUs = s;
    dur = e - s < 0 ? 'end before start' : e - s > maxUs ? `absurd duration ${(e - s) / 1000} ms` : e - s;
  }
  if (typeof dur === 'string') return { kind: 'invalid', reason: dur };
  let end: number | string;
  if (m.end) end = instantUs(get(o, m.end), m.end.join('.'));
  else if (m.time) end = instantUs(get(o, m.time), m.time.join('.'));
  else if (m.start) {
    const s = startUs ?? instantUs(get(o, m.start), m.start.join('.'));
    end = typeof s === 'number' ? s + dur : s;
  } else end = instantUs(o.timestamp, 'timestamp');
  if (typeof end === 'string') return { kind: 'invalid', reason: end };
  const succ = m.success ? get(o, m.success) : undefined;
  const err = m.error ? get(o, m.error) : undefined;
  const failed = succ === false || succ === 'false' || succ === 0 || (err !== undefined && err !== null && err !== '' && err !== false);
  const cat = m.category ? get(o, m.category) : undefined;
  return {
    kind: 'call',
    call: {
      tool,
      category: typeof cat === 'string' && cat !== '' ? cat.slice(0, MAX_NAME) : categorize(tool),
      callId: m.callId ? optId(get(o, m.callId)) : null,
      sessionId: m.session ? optId(get(o, m.session)) : null,
      endUs: end,
      durationUs: dur,
      success: !failed,
    },
  };
}
