/**
 * Shared-memory invariants:
 *   - read-back: every key an agent wrote reads back with the value it wrote last (or is absent
 *     if it was deleted last), compared by digest;
 *   - namespaces isolated: no read, list or search scoped to one namespace ever returned an entry
 *     of another, and at the end no entry holds a value written for another namespace.
 */
import type { CheckResult } from '../../core/result.js';
import { checkFrom } from './common.js';

export interface ReadbackEntry {
  fullKey: string;
  /** Digest of the last value written, or null when the last write was a delete. */
  expected: string | null;
  /** Digest of what the store returned, or null for absent. */
  actual: string | null;
}

export function checkReadback(entries: readonly ReadbackEntry[], complete: boolean): CheckResult {
  const violations: string[] = [];
  for (const e of entries) {
    if (e.expected === e.actual) continue;
    if (e.actual === null) violations.push(`${e.fullKey} is missing; last written value expected`);
    else if (e.expected === null) violations.push(`${e.fullKey} still exists after it was deleted`);
    else violations.push(`${e.fullKey} reads back a value other than the last one written`);
  }
  const live = entries.filter((e) => e.expected !== null).length;
  return checkFrom('every stored entry reads back its last written value', violations, `${entries.length} keys read back (${live} live, ${entries.length - live} deleted)${complete ? '' : ' — interrupted run: checked what was read back'}`);
}

export interface IsolationLeak {
  operation: string;
  /** The namespace the operation was scoped to. */
  scope: string;
  /** The full key of the foreign entry it returned. */
  fullKey: string;
}

export interface FinalEntry {
  namespace: string;
  fullKey: string;
  /** The namespace the writer meant the value for (decoded from the value), null if unreadable. */
  writtenFor: string | null;
}

export function checkNamespaceIsolation(leaks: readonly IsolationLeak[], leakCount: number, finalEntries: readonly FinalEntry[]): CheckResult {
  const violations = leaks.map((l) => `${l.operation} scoped to ${l.scope} returned ${l.fullKey}`);
  for (let i = violations.length; i < leakCount; i++) violations.push('(more leaks, details not kept)');
  for (const e of finalEntries) if (e.writtenFor !== e.namespace) violations.push(`${e.fullKey} holds a value written for ${e.writtenFor ?? 'an unknown namespace'}`);
  return checkFrom('namespaces isolated', violations, `no scoped read, list or search crossed a namespace; ${finalEntries.length} final entries each in their own namespace`);
}
