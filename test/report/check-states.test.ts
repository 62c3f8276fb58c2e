/** Checks have three states — passed, failed, not checked — and every renderer tells them apart. */
import { describe, expect, it } from 'vitest';
import { checkStatus, type CheckResult, type SuiteResult } from '../../src/core/result.js';
import { renderHtml } from '../../src/report/html.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { formatSuite } from '../../src/report/terminal.js';
import { skipped } from '../../src/suites/invariants/common.js';
import { healthyRun } from './fixtures.js';

const checks: CheckResult[] = [
  { name: 'alpha', passed: true, status: 'passed', detail: 'fine' },
  { name: 'beta', passed: false, status: 'failed', detail: '2 violation(s)' },
  skipped('gamma', 'the run was interrupted'),
];

describe('three check states', () => {
  it('a check that could not run is "not-checked": it did not fail, and it is not shown as passed', () => {
    expect(checks.map(checkStatus)).toEqual(['passed', 'failed', 'not-checked']);
    expect(checks[2]!.passed).toBe(true); // readers that know only pass/fail still see "no violation"
    // Results written before `status` existed: a skipped check carried "not checked" in its detail.
    expect(checkStatus({ name: 'old', passed: true, detail: 'not checked: interrupted' })).toBe('not-checked');
    expect(checkStatus({ name: 'old', passed: true, detail: 'ok' })).toBe('passed');
    expect(checkStatus({ name: 'old', passed: false, detail: 'bad' })).toBe('failed');
  });

  it('the terminal marks each state differently', () => {
    const suite: SuiteResult = { name: 's', backend: 'memory', operations: [], intervals: [], checks, resources: { samples: [] } } as unknown as SuiteResult;
    const lines = formatSuite(suite).split('\n');
    expect(lines.find((l) => l.includes('alpha'))).toMatch(/✓ alpha/);
    expect(lines.find((l) => l.includes('beta'))).toMatch(/✗ beta/);
    const gamma = lines.find((l) => l.includes('gamma')) as string;
    expect(gamma).toMatch(/– gamma: not checked/);
    expect(gamma).not.toMatch(/[✓✗]/);
  });

  it('markdown and html mark each state differently', () => {
    const run = healthyRun();
    run.suites[0]!.checks = checks;
    const md = renderMarkdown({ run, runs: [run], trends: [] }).text;
    expect(md).toMatch(/✅ \*\*alpha\*\*/);
    expect(md).toMatch(/❌ \*\*beta\*\*/);
    expect(md).toMatch(/⚪ not checked — \*\*gamma\*\*/);
    const html = renderHtml({ run, runs: [run], trends: [] });
    expect(html).toMatch(/<li class="check-ok">✓ alpha/);
    expect(html).toMatch(/<li class="check-fail">✗ beta/);
    expect(html).toMatch(/<li class="muted">– gamma: not checked/);
  });
});
