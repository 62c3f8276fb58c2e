/**
 * Flag parsing: each parser takes the flag's name and raw value and either returns the value or
 * throws a UsageError naming the flag and what it expects. The CLI turns UsageError into one line
 * on stderr and exit code 2.
 */
import { UsageError } from './errors.js';

export { UsageError };

const DURATION_UNITS: Record<string, number> = { us: 1, 'µs': 1, ms: 1_000, s: 1_000_000, m: 60_000_000, min: 60_000_000, h: 3_600_000_000, d: 86_400_000_000 };

/**
 * The longest duration a flag accepts unless it says otherwise: 24 days. WHY: every duration ends
 * up in a timer, and setTimeout holds at most 2^31-1 ms (~24.8 days); beyond it Node fires after
 * 1 ms with a TimeoutOverflowWarning (a 30d think time became a busy loop).
 */
export const MAX_DURATION_US = 24 * 86_400_000_000;
/** Look-back windows (`--since 90d`) are not timers: up to 100 years, still a valid Date. */
export const MAX_LOOKBACK_US = 36_500 * 86_400_000_000;
/** Rates (per second) a flag accepts unless it says otherwise: one process cannot pace more. */
export const MIN_RATE_PER_SEC = 0.001;
export const MAX_RATE_PER_SEC = 1_000_000;
/**
 * The largest size a flag accepts unless it says otherwise: 64 MiB. WHY: sizes become strings or
 * buffers in memory, and V8 refuses strings over ~512 M characters ("Invalid string length").
 */
export const MAX_BYTES = 64 * 1024 ** 2;

export interface Range {
  min?: number;
  max?: number;
}

/** Decimal numbers only: `0x10`, `0b1`, `1_000` and `Infinity` are refused, not read as numbers. */
const DECIMAL = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

function describeUs(us: number): string {
  const days = us / 86_400_000_000;
  if (Number.isInteger(days)) return `${days}d`;
  const s = us / 1_000_000;
  return Number.isInteger(s) ? `${s}s` : `${us}us`;
}

/**
 * Parses a duration like "500ms", "10s", "1.5m", "2h", "0s" into µs. A bare number is seconds.
 * At most `range.max` (default MAX_DURATION_US, 24d), at least `range.min` (default 0).
 */
export function parseDurationUs(flag: string, raw: string, range: Range = {}): number {
  const text = raw.trim();
  const m = /^(\d+(?:\.\d+)?)\s*(us|µs|ms|s|m|min|h|d)?$/.exec(text);
  if (!m) throw new UsageError(`${flag}: expected a duration such as 500ms, 10s, 2m or 1h, got "${raw}"`);
  const value = Math.round(Number(m[1]) * (DURATION_UNITS[m[2] ?? 's'] as number));
  const max = range.max ?? MAX_DURATION_US;
  const min = range.min ?? 0;
  if (!Number.isFinite(value) || value > max) throw new UsageError(`${flag}: expected a duration of at most ${describeUs(max)}, got "${raw}"`);
  if (value < min) throw new UsageError(`${flag}: expected a duration of at least ${describeUs(min)}, got "${raw}"`);
  return value;
}

export function parsePositiveDurationUs(flag: string, raw: string, range: Range = {}): number {
  const us = parseDurationUs(flag, raw, range);
  if (us <= 0) throw new UsageError(`${flag}: expected a duration greater than zero, got "${raw}"`);
  return us;
}

/** A whole number within [min, max] (decimal digits only). */
export function parseIntFlag(flag: string, raw: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const text = raw.trim();
  if (!/^-?\d+$/.test(text)) throw new UsageError(`${flag}: expected a whole number, got "${raw}"`);
  const n = Number(text);
  if (n < min || n > max) throw new UsageError(`${flag}: expected a whole number from ${min} to ${max}, got ${raw}`);
  return n;
}

/**
 * A decimal number greater than zero (rates may be fractional, e.g. 0.5 per second), within
 * [range.min, range.max]: by default [MIN_RATE_PER_SEC, MAX_RATE_PER_SEC], since most such flags
 * are rates and an absurd one (1e308, 1e-300) hangs a run rather than failing it.
 */
export function parsePositiveNumber(flag: string, raw: string, range: Range = {}): number {
  const text = raw.trim();
  const n = Number(text);
  if (!DECIMAL.test(text) || !Number.isFinite(n) || n <= 0) throw new UsageError(`${flag}: expected a number greater than zero, got "${raw}"`);
  const min = range.min ?? MIN_RATE_PER_SEC;
  const max = range.max ?? MAX_RATE_PER_SEC;
  if (n < min || n > max) throw new UsageError(`${flag}: expected a number from ${min} to ${max}, got "${raw}"`);
  return n;
}

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, k: 1024, mb: 1024 ** 2, m: 1024 ** 2, gb: 1024 ** 3, g: 1024 ** 3 };

/** A byte size like 256, 1kb, 4KB, 1MB; at most `max` (default MAX_BYTES, 64 MiB). */
export function parseBytes(flag: string, raw: string, max = MAX_BYTES): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(raw.trim());
  const unit = SIZE_UNITS[(m?.[2] || 'b').toLowerCase()];
  if (!m || unit === undefined) throw new UsageError(`${flag}: expected a size such as 256, 1kb or 1mb, got "${raw}"`);
  const n = Math.round(Number(m[1]) * unit);
  if (!Number.isFinite(n) || n > max) throw new UsageError(`${flag}: expected a size of at most ${max} bytes, got "${raw}"`);
  return n;
}

/** key=value, for --tag and --header-like flags. */
export function parseKeyValue(flag: string, raw: string, separator = '='): [string, string] {
  const i = raw.indexOf(separator);
  const key = i > 0 ? raw.slice(0, i).trim() : '';
  if (key === '') throw new UsageError(`${flag}: expected key${separator}value with a non-empty key, got "${raw}"`);
  return [key, raw.slice(i + 1).trim()];
}

/** Commander collector for repeatable flags. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
