/**
 * Where the browser tests find Chromium, and what they do without it. `npm test` must pass on a
 * fresh machine with Node alone, so a missing Chromium skips the browser tests — saying how to
 * install it — except under CI=true, where a missing browser is a broken CI image and fails the run.
 */
import { existsSync } from 'node:fs';

export const CHROMIUM_INSTALL = 'sudo bash scripts/install-system-deps.sh (Debian: apt-get install -y chromium), or set CHROMIUM_PATH';

export interface ChromiumChoice {
  /** The executable to launch, or null when the browser tests are skipped. */
  path: string | null;
  /** Why the browser tests are skipped (null when they run). */
  skipReason: string | null;
}

/** CI=true (GitHub Actions, GitLab, .ci/run) makes a missing Chromium an error instead of a skip. */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI === 'true' || env.CI === '1';
}

export function chooseChromium(env: NodeJS.ProcessEnv = process.env): ChromiumChoice {
  const path = env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (existsSync(path)) return { path, skipReason: null };
  const missing = `${path} not found`;
  if (isCi(env)) throw new Error(`${missing}, and CI=true requires the browser tests: install it with ${CHROMIUM_INSTALL}`);
  return { path: null, skipReason: `${missing}; install it with ${CHROMIUM_INSTALL}` };
}
