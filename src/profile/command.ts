/**
 * `swarmperf profile --cmd "node app.js"`: runs a Node program under V8's profiler until it exits,
 * through a preload module (preload.ts, added to NODE_OPTIONS with --import, so every Node process
 * the command starts, children included, writes its profile into the folder). Not Node: no
 * profile, and the command says so.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PROFILE_DIR_ENV, PROFILE_EXT, PROFILE_INTERVAL_ENV } from './cpuprofile.js';

export interface CommandProfile {
  /** The command's exit code (or 128 + signal number when a signal ended it). */
  status: number;
  /** The .cpuprofile files written. */
  files: string[];
}

export function runUnderProfiler(command: string, dir: string, intervalUs: number, signal?: AbortSignal): Promise<CommandProfile> {
  mkdirSync(dir, { recursive: true });
  const preload = fileURLToPath(new URL('./preload.js', import.meta.url));
  const env = {
    ...process.env,
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${JSON.stringify(preload)}`.trim(),
    [PROFILE_DIR_ENV]: dir,
    [PROFILE_INTERVAL_ENV]: String(intervalUs),
  };
  // The user's command line, as their shell would run it (pipes, quotes, env assignments).
  // The program's own output goes to stderr: stdout carries the profile (e.g. --format svg > f.svg).
  const child = spawn(command, { shell: true, stdio: ['inherit', 2, 2], env, ...(signal ? { signal } : {}) });
  return new Promise((resolve, reject) => {
    child.on('error', (err) => (err.name === 'AbortError' ? undefined : reject(err)));
    child.on('close', (code, sig) => {
      const files = readdirSync(dir).filter((f) => f.endsWith(PROFILE_EXT));
      resolve({ status: code ?? 128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 9), files });
    });
  });
}
