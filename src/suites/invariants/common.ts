/** Small helpers shared by the invariant checkers. */
import type { CheckResult } from '../../core/result.js';

/** A check from a list of violations: passes when there are none; the detail names a few. */
export function checkFrom(name: string, violations: readonly string[], okDetail: string, examples = 3): CheckResult {
  return checkFromCount(name, violations.length, violations.slice(0, examples), okDetail);
}

/** A check from a count of violations and a few of them described (streaming checkers keep no more). */
export function checkFromCount(name: string, count: number, examples: readonly string[], okDetail: string): CheckResult {
  if (count === 0) return { name, passed: true, status: 'passed', detail: okDetail };
  const shown = examples.join('; ');
  const more = count > examples.length ? ` (and ${count - examples.length} more)` : '';
  return { name, passed: false, status: 'failed', detail: `${count} violation(s): ${shown}${more}` };
}

/**
 * A check that could not be evaluated (an interrupted run). It did not fail, so `passed` stays true
 * for readers that know only pass/fail, but its status says it was not checked.
 */
export function skipped(name: string, why: string): CheckResult {
  return { name, passed: true, status: 'not-checked', detail: `not checked: ${why}` };
}

/** At most `limit` examples of something counted without bound. */
export class Examples {
  readonly items: string[] = [];
  count = 0;
  constructor(private readonly limit = 3) {}

  add(describe: () => string): void {
    this.count++;
    if (this.items.length < this.limit) this.items.push(describe());
  }

  /** Takes over a list an agent counted and capped itself (its count, and examples up to the limit). */
  addCounted<T>(list: CountedExamples<T>, describe: (item: T) => string): void {
    this.count += list.count;
    for (const item of list.examples) if (this.items.length < this.limit) this.items.push(describe(item));
  }
}

/** A violation list kept to a few examples and how many there were in all. */
export interface CountedExamples<T> {
  count: number;
  examples: T[];
}

/** Examples kept at most by a CountedExamples built with addExample. */
export const MAX_EXAMPLES = 5;

export function noExamples<T>(): CountedExamples<T> {
  return { count: 0, examples: [] };
}

export function addExample<T>(list: CountedExamples<T>, item: T, limit = MAX_EXAMPLES): void {
  list.count++;
  if (list.examples.length < limit) list.examples.push(item);
}

/** Several capped lists as one: the counts add up, the first examples are kept. */
export function mergeExamples<T>(lists: ReadonlyArray<CountedExamples<T>>, limit = MAX_EXAMPLES): CountedExamples<T> {
  const merged = noExamples<T>();
  for (const l of lists) {
    merged.count += l.count;
    for (const e of l.examples) if (merged.examples.length < limit) merged.examples.push(e);
  }
  return merged;
}

