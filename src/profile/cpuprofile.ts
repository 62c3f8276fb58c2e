/**
 * CPU profiles of swarmperf's own measuring processes, taken with the V8 sampling profiler through
 * `node:inspector` (the same profiler Chrome DevTools and `node --cpu-prof` use), in V8's
 * `.cpuprofile` format. The main process profiles itself; forked agent workers inherit the
 * profile folder through the environment (PROFILE_DIR_ENV) and each writes its own file there, so
 * no suite has to pass anything along. A run's profiles live in <data-dir>/profiles/<run-id>/.
 */
import { Session } from 'node:inspector/promises';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';

/** One frame as V8 reports it (lineNumber and columnNumber are 0-based). */
export interface CallFrame {
  functionName: string;
  scriptId: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

export interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}

/** V8's CPU profile (Chrome DevTools `.cpuprofile`): times in µs on a monotonic clock. */
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** A profile with the process it came from: `main`, `agent-3-41234`, … */
export interface LabelledProfile {
  process: string;
  profile: CpuProfile;
}

/** Where forked workers find the folder to write their profile into (unset: no profiling). */
export const PROFILE_DIR_ENV = 'SWARMPERF_PROFILE_DIR';
/** The sampling interval, µs, for forked workers. */
export const PROFILE_INTERVAL_ENV = 'SWARMPERF_PROFILE_INTERVAL_US';
export const PROFILE_EXT = '.cpuprofile';
/** Sampling intervals accepted, µs: finer than 50 µs costs more than it tells; coarser than 1 s says nothing. */
export const MIN_INTERVAL_US = 50;
export const MAX_INTERVAL_US = 1_000_000;

/** The folder of one run's profiles, relative to the data folder (what RunResult.profiles.dir holds). */
export function runProfileDir(runId: string): string {
  return join('profiles', runId);
}

/** A running profiler in this process; stop() returns the profile. */
export interface RunningProfiler {
  stop(): Promise<CpuProfile>;
}

export async function startProfiler(intervalUs: number): Promise<RunningProfiler> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: intervalUs });
  await session.post('Profiler.start');
  return {
    async stop() {
      try {
        const { profile } = await session.post('Profiler.stop');
        return profile as CpuProfile;
      } finally {
        session.disconnect();
      }
    },
  };
}

/** Writes a profile atomically (a reader never sees half a file) as <dir>/<process>.cpuprofile. */
export function writeProfile(dir: string, process: string, profile: CpuProfile): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${process}${PROFILE_EXT}`);
  writeFileAtomic(path, JSON.stringify(profile));
  return path;
}

/**
 * Starts profiling this process when the parent asked for it (PROFILE_DIR_ENV set); finish()
 * writes the profile. A profiler that fails to start or write must not fail the measurement, so
 * both only report to `warn`.
 */
export function profileFromEnv(process: string, warn: (message: string) => void = () => {}): { ready: Promise<void>; finish(): Promise<void> } | undefined {
  const dir = globalThis.process.env[PROFILE_DIR_ENV];
  if (!dir) return undefined;
  const intervalUs = Number(globalThis.process.env[PROFILE_INTERVAL_ENV] ?? 1000);
  const running = startProfiler(Number.isInteger(intervalUs) && intervalUs >= MIN_INTERVAL_US && intervalUs <= MAX_INTERVAL_US ? intervalUs : 1000);
  return {
    // The profiler starts after a few inspector round trips: code that runs before `ready` settles
    // (synchronous work especially) is not sampled. A failed start is reported by finish().
    ready: running.then(
      () => {},
      () => {},
    ),
    async finish() {
      try {
        writeProfile(dir, process, await (await running).stop());
      } catch (err) {
        warn(`profile of ${process} not written: ${err instanceof Error ? err.message : String(err)}`);
      }
    },
  };
}

/** Validates the parts of the format every reader here relies on, naming the file when it is not one. */
export function parseCpuProfile(text: string, source: string): CpuProfile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new Error(`${source}: not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const p = data as Partial<CpuProfile> | null;
  if (!p || !Array.isArray(p.nodes) || typeof p.startTime !== 'number' || typeof p.endTime !== 'number') {
    throw new Error(`${source}: not a V8 CPU profile (needs nodes, startTime, endTime)`);
  }
  for (const n of p.nodes) {
    if (typeof n?.id !== 'number' || typeof n.callFrame?.functionName !== 'string') throw new Error(`${source}: not a V8 CPU profile (a node without id or callFrame)`);
  }
  if ((p.samples?.length ?? 0) !== (p.timeDeltas?.length ?? 0)) throw new Error(`${source}: samples and timeDeltas differ in length`);
  return p as CpuProfile;
}

/** Every profile in a folder (or one file), labelled by file name, in name order. */
export function readProfiles(path: string): LabelledProfile[] {
  if (!existsSync(path)) throw new Error(`${path}: no such file or folder`);
  const files = path.endsWith(PROFILE_EXT)
    ? [path]
    : readdirSync(path)
        .filter((f) => f.endsWith(PROFILE_EXT))
        .sort()
        .map((f) => join(path, f));
  return files.map((file) => ({ process: basename(file, PROFILE_EXT), profile: parseCpuProfile(readFileSync(file, 'utf8'), file) }));
}

/** The group a process belongs to: `agent-3-41234` → `agent`, `main` → `main`. */
export function processGroup(process: string): string {
  return process.replace(/(-\d+)+$/, '') || process;
}
