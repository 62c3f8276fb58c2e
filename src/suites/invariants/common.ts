/** Small helpers shared by the invariant checkers. */
import type { CheckResult } from '../../core/result.js';

/** A check from a list of violations: passes when there are none; the detail names a few. */
export function checkFrom(name: string, violations: readonly string[], okDetail: string, examples = 3): CheckResult {
  if (violations.length === 0) return { name, passed: true, detail: okDetail };
  const shown = violations.slice(0, examples).join('; ');
  const more = violations.length > examples ? ` (and ${violations.length - examples} more)` : '';
  return { name, passed: false, detail: `${violations.length} violation(s): ${shown}${more}` };
}

/** A check that could not be evaluated (an interrupted run): passes, saying why it was skipped. */
export function skipped(name: string, why: string): CheckResult {
  return { name, passed: true, detail: `not checked: ${why}` };
}
