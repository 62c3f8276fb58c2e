/** Where swarmperf keeps what it keeps: --data-dir, else $SWARMPERF_HOME, else ./.swarmperf. */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

export function resolveDataDir(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  const dir = flag ?? env.SWARMPERF_HOME ?? '.swarmperf';
  return resolve(dir);
}

export function ensureDataDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}
