/**
 * `--profile` and `--profile-interval`, shared by the commands that measure (run, load): the flags,
 * their validation before anything starts, and the profiling of one run (src/profile/session.ts).
 */
import type { Command } from 'commander';
import { DEFAULT_INTERVAL, parseProfileInterval, startRunProfiling, type RunProfiling } from '../profile/session.js';

export function addProfileFlags(cmd: Command): Command {
  return cmd
    .option('--profile', 'CPU-profile the measuring processes (main and every agent); `swarmperf profile RUN` shows it')
    .option('--profile-interval <d>', 'sampling interval of --profile, e.g. 500us', DEFAULT_INTERVAL);
}

/** The sampling interval, µs, validated (call before the run starts: a bad value fails first). */
export function profileIntervalOf(raw: Record<string, unknown>): number {
  return parseProfileInterval('--profile-interval', String(raw.profileInterval ?? DEFAULT_INTERVAL));
}

/** Starts profiling the run when --profile was given. */
export async function profilingFor(raw: Record<string, unknown>, intervalUs: number, dataDir: string, runId: string): Promise<RunProfiling | undefined> {
  return raw.profile === true ? startRunProfiling(dataDir, runId, intervalUs) : undefined;
}
