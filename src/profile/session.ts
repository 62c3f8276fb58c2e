/**
 * Profiling one run: the main process profiles itself, and the folder is put in the environment
 * so every agent process forked during the run profiles itself into the same folder. finish()
 * writes the main profile and records where the profiles are on the RunResult (before the
 * enrichers run, so the cpu-hotspot finding can read them), with what the profiling cost (overhead.ts).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../core/errors.js';
import { parseDurationUs } from '../core/parse.js';
import type { RunResult } from '../core/result.js';
import { MAX_INTERVAL_US, MIN_INTERVAL_US, PROFILE_DIR_ENV, PROFILE_EXT, PROFILE_INTERVAL_ENV, readProfiles, runProfileDir, startProfiler, writeProfile } from './cpuprofile.js';
import { calibrateProfilerCost, DEFAULT_CALIBRATION_PAIRS, sampleCount } from './overhead.js';

export const DEFAULT_INTERVAL = '1ms';

/** --profile-interval: a duration between MIN_INTERVAL_US and MAX_INTERVAL_US. */
export function parseProfileInterval(flag: string, raw: string): number {
  const us = parseDurationUs(flag, raw);
  if (us < MIN_INTERVAL_US || us > MAX_INTERVAL_US) throw new UsageError(`${flag}: ${raw} is out of range (${MIN_INTERVAL_US}us..${MAX_INTERVAL_US / 1_000_000}s)`);
  return us;
}

export interface RunProfiling {
  /** Stops the main profiler, writes main.cpuprofile and sets result.profiles. */
  finish(result: RunResult): Promise<void>;
  /** The run's profile folder (absolute). */
  dir: string;
}

export async function startRunProfiling(dataDir: string, runId: string, intervalUs: number): Promise<RunProfiling> {
  const rel = runProfileDir(runId);
  const dir = join(dataDir, rel);
  const before = { dir: process.env[PROFILE_DIR_ENV], interval: process.env[PROFILE_INTERVAL_ENV] };
  process.env[PROFILE_DIR_ENV] = dir;
  process.env[PROFILE_INTERVAL_ENV] = String(intervalUs);
  const restore = (name: string, value: string | undefined): void => {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  };
  const main = await startProfiler(intervalUs);
  let finished = false;
  return {
    dir,
    async finish(result) {
      if (finished) return;
      finished = true;
      restore(PROFILE_DIR_ENV, before.dir);
      restore(PROFILE_INTERVAL_ENV, before.interval);
      writeProfile(dir, 'main', await main.stop());
      const processes = existsSync(dir)
        ? readdirSync(dir)
            .filter((f) => f.endsWith(PROFILE_EXT))
            .map((f) => f.slice(0, -PROFILE_EXT.length))
            .sort()
        : [];
      // The cost is measured after the run, so the calibration never competes with the measurement.
      const workRatio = await calibrateProfilerCost(intervalUs);
      result.profiles = { dir: rel, intervalUs, processes, overhead: { samples: sampleCount(readProfiles(dir)), calibrationPairs: DEFAULT_CALIBRATION_PAIRS, workRatio } };
      // In the config too: the configuration fingerprint keeps profiled runs apart from the others.
      result.config.profileIntervalUs = intervalUs;
    },
  };
}
