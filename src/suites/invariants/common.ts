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
}
