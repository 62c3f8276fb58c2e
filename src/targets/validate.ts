/**
 * Argument checks shared by every adapter, so all of them accept and reject the same inputs and
 * the contract tests can hold them to it.
 */
import { InvalidArgumentError } from './errors.js';
import type { MemoryEntry, NewTask } from './ports.js';

// Control characters in keys would make listings and JSON/terminal output ambiguous.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

export function checkNamespace(namespace: string): void {
  if (typeof namespace !== 'string' || namespace.length === 0) throw new InvalidArgumentError('memory namespace must be a non-empty string');
  if (namespace.includes('/')) throw new InvalidArgumentError(`memory namespace "${namespace}" must not contain "/"`);
  if (CONTROL.test(namespace)) throw new InvalidArgumentError(`memory namespace ${JSON.stringify(namespace)} contains a control character`);
}

export function checkKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw new InvalidArgumentError('memory key must be a non-empty string');
  if (CONTROL.test(key)) throw new InvalidArgumentError(`memory key ${JSON.stringify(key)} contains a control character`);
}

export function checkTtl(ttlMs: number | undefined): void {
  if (ttlMs === undefined) return;
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new InvalidArgumentError(`memory TTL must be a positive number of milliseconds, got ${ttlMs}`);
}

export function checkLeaseTtl(ttlMs: number): void {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new InvalidArgumentError(`lease TTL must be a positive number of milliseconds, got ${ttlMs}`);
}

export function checkPriority(priority: number): void {
  if (!Number.isFinite(priority)) throw new InvalidArgumentError(`task priority must be a finite number, got ${priority}`);
}

export function checkNewTask(task: NewTask): void {
  if (typeof task.title !== 'string') throw new InvalidArgumentError('task title must be a string');
  checkPriority(task.priority);
}

export function checkAgentId(id: string): void {
  if (typeof id !== 'string' || id.length === 0) throw new InvalidArgumentError('agent id must be a non-empty string');
}

/**
 * Claim order every in-JS adapter uses (sqlite says the same in SQL: ORDER BY priority DESC, seq):
 * higher priority first, then older (lower seq) first.
 */
export function claimOrder(a: { priority: number; seq: number }, b: { priority: number; seq: number }): number {
  return b.priority - a.priority || a.seq - b.seq;
}

/** An entry's expiry: expired once `now` reaches `expiresAt` (a TTL of 1000 ms lives [t, t+1000)). */
export function isExpired(entry: { expiresAt: number | null }, now: number): boolean {
  return entry.expiresAt !== null && entry.expiresAt <= now;
}

export function fullKeyOf(namespace: string, key: string): string {
  return `${namespace}/${key}`;
}

export function checkImportEntry(entry: MemoryEntry, index: number): void {
  try {
    checkNamespace(entry.namespace);
    checkKey(entry.key);
  } catch (err) {
    throw new InvalidArgumentError(`entry ${index}: ${(err as Error).message}`);
  }
  if (typeof entry.value !== 'string') throw new InvalidArgumentError(`entry ${index}: value must be a string`);
}

/** Sort order every adapter uses (JS code-unit order), so listings are identical across adapters. */
export function byString<T>(get: (x: T) => string): (a: T, b: T) => number {
  return (a, b) => {
    const x = get(a);
    const y = get(b);
    return x < y ? -1 : x > y ? 1 : 0;
  };
}
