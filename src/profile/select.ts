/**
 * Which profiles `swarmperf profile RUN` means: a run id (its folder under <data-dir>/profiles),
 * `latest` (the most recently written folder there), or a path to a folder of .cpuprofile files
 * or to one file; then, optionally, only the processes of one group (`main`, `agent`) or one
 * process (`agent-0-1234`).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../core/errors.js';
import { processGroup, readProfiles, type LabelledProfile } from './cpuprofile.js';

/** Run ids are made of these; anything else as a RUN is a path, never joined into the data folder. */
const RUN_ID = /^[A-Za-z0-9._:-]{1,200}$/;

export function resolveProfilePath(run: string, dataDir: string): string {
  const root = join(dataDir, 'profiles');
  if (run === 'latest') {
    const dirs = existsSync(root) ? readdirSync(root).filter((d) => statSync(join(root, d)).isDirectory()) : [];
    if (dirs.length === 0) throw new UsageError(`no profiled runs in ${root}; record one with \`swarmperf run --profile\``);
    const newest = dirs.map((d) => ({ d, t: statSync(join(root, d)).mtimeMs })).sort((a, b) => b.t - a.t || b.d.localeCompare(a.d))[0];
    return join(root, (newest as { d: string }).d);
  }
  if (RUN_ID.test(run) && !run.startsWith('.') && existsSync(join(root, run))) return join(root, run);
  if (existsSync(run)) return run;
  throw new UsageError(`RUN: "${run}" is neither a profiled run in ${root} nor a .cpuprofile file or folder`);
}

export function selectProfiles(path: string, only?: string): LabelledProfile[] {
  let profiles: LabelledProfile[];
  try {
    profiles = readProfiles(path);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (profiles.length === 0) throw new UsageError(`${path}: holds no .cpuprofile files`);
  if (only === undefined) return profiles;
  const picked = profiles.filter((p) => p.process === only || processGroup(p.process) === only);
  if (picked.length === 0) throw new UsageError(`--process: no process "${only}" in ${path}; there are: ${profiles.map((p) => p.process).join(', ')}`);
  return picked;
}
