/**
 * `npm test` on a machine without Chromium: the browser test is reported as skipped with the
 * command that installs Chromium, and passes; with CI=true the same run fails. Runs vitest on that
 * one file in a child process with CHROMIUM_PATH pointing nowhere (the browser is never launched).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseChromium } from '../helpers/chromium.js';

const ROOT = join(import.meta.dirname, '../..');
const VITEST = join(ROOT, 'node_modules/vitest/vitest.mjs');

function runBrowserTest(env: Record<string, string>): { status: number | null; output: string } {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, CHROMIUM_PATH: '/nonexistent/chromium', NO_COLOR: '1', ...env };
  if (!('CI' in env)) delete childEnv.CI;
  const r = spawnSync(process.execPath, [VITEST, 'run', 'test/report/html-browser.test.ts', '--reporter=verbose'], { cwd: ROOT, env: childEnv, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, output: `${r.stdout}\n${r.stderr}` };
}

describe('html browser test without Chromium', () => {
  it('chooses: run where Chromium is, skip with the install command where not, fail under CI=true', () => {
    expect(chooseChromium({ CHROMIUM_PATH: process.execPath })).toEqual({ path: process.execPath, skipReason: null });
    const skipped = chooseChromium({ CHROMIUM_PATH: '/nonexistent/chromium' });
    expect(skipped.path).toBeNull();
    expect(skipped.skipReason).toMatch(/\/nonexistent\/chromium not found; install it with sudo bash scripts\/install-system-deps\.sh/);
    expect(() => chooseChromium({ CHROMIUM_PATH: '/nonexistent/chromium', CI: 'true' })).toThrow(/CI=true requires the browser tests/);
  });

  it('vitest reports it as skipped, naming the install command, and passes', () => {
    const r = runBrowserTest({});
    expect(r.output).toMatch(/skipped: \/nonexistent\/chromium not found; install it with sudo bash scripts\/install-system-deps\.sh/);
    expect(r.output).toMatch(/1 skipped/);
    expect(r.status).toBe(0);
  });

  it('with CI=true the missing browser fails the run', () => {
    const r = runBrowserTest({ CI: 'true' });
    expect(r.output).toMatch(/CI=true requires the browser tests/);
    expect(r.status).not.toBe(0);
  });
});
