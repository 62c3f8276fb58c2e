/**
 * Flag parsing: each parser takes the flag's name and raw value and either returns the value or
 * throws a UsageError naming the flag and what it expects. The CLI turns UsageError into one line
 * on stderr and exit code 2.
 */
import { UsageError } from './errors.js';

export { UsageError };

const DURATION_UNITS: Record<string, number> = { us: 1, 'µs': 1, ms: 1_000, s: 1_000_000, m: 60_000_000, min: 60_000_000, h: 3_600_000_000, d: 86_400_000_000 };

/** Parses a duration like "500ms", "10s", "1.5m", "2h", "0s" into µs. A bare number is seconds. */
export function parseDurationUs(flag: string, raw: string): number {
  const text = raw.trim();
  const m = /^(\d+(?:\.\d+)?)\s*(us|µs|ms|s|m|min|h|d)?$/.exec(text);
  if (!m) throw new UsageError(`${flag}: expected a duration such as 500ms, 10s, 2m or 1h, got "${raw}"`);
  const value = Number(m[1]) * (DURATION_UNITS[m[2] ?? 's'] as number);
  if (!Number.isFinite(value)) throw new UsageError(`${flag}: duration "${raw}" is too large`);
  return Math.round(value);
}

export function parsePositiveDurationUs(flag: string, raw: string): number {
  const us = parseDurationUs(flag, raw);
  if (us <= 0) throw new UsageError(`${flag}: expected a duration greater than zero, got "${raw}"`);
  return us;
}

/** A whole number within [min, max]. */
export function parseIntFlag(flag: string, raw: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const text = raw.trim();
  if (!/^-?\d+$/.test(text)) throw new UsageError(`${flag}: expected a whole number, got "${raw}"`);
  const n = Number(text);
  if (n < min || n > max) throw new UsageError(`${flag}: expected a whole number from ${min} to ${max}, got ${raw}`);
  return n;
}

/** A positive number (rates may be fractional, e.g. 0.5 per second). */
export function parsePositiveNumber(flag: string, raw: string): number {
  const n = Number(raw.trim());
  if (raw.trim() === '' || !Number.isFinite(n) || n <= 0) throw new UsageError(`${flag}: expected a number greater than zero, got "${raw}"`);
  return n;
}

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, k: 1024, mb: 1024 ** 2, m: 1024 ** 2, gb: 1024 ** 3, g: 1024 ** 3 };

/** A byte size like 256, 1kb, 4KB, 1MB. */
export function parseBytes(flag: string, raw: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(raw.trim());
  const unit = SIZE_UNITS[(m?.[2] || 'b').toLowerCase()];
  if (!m || unit === undefined) throw new UsageError(`${flag}: expected a size such as 256, 1kb or 1mb, got "${raw}"`);
  return Math.round(Number(m[1]) * unit);
}

/** key=value, for --tag and --header-like flags. */
export function parseKeyValue(flag: string, raw: string, separator = '='): [string, string] {
  const i = raw.indexOf(separator);
  if (i <= 0) throw new UsageError(`${flag}: expected key${separator}value, got "${raw}"`);
  return [raw.slice(0, i).trim(), raw.slice(i + 1).trim()];
}

/** Commander collector for repeatable flags. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
