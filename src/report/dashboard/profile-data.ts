/**
 * A profiled run's CPU profiles for the dashboard's Run page (/api/run/profile?id=…): the merged
 * call tree the flamegraph draws (assets/dashboard/flame.js), pruned to the frames wide enough to
 * see, and the top functions. Read from the run's profile folder, which must lie inside
 * <data-dir>/profiles: a history entry cannot point the server at another folder.
 */
import { existsSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import type { RunResult } from '../../core/result.js';
import { readProfiles } from '../../profile/cpuprofile.js';
import { buildFlameTree, frameLabel, topFunctions, type FlameNode } from '../../profile/tree.js';

/** Frames narrower than this share of all CPU are left out: below a pixel on any screen, and they would bloat the answer. */
export const MIN_FRAME_SHARE = 0.0005;
/** Rows of the top table sent along. */
const TOP_ROWS = 15;

/** One frame of the flamegraph: name, where (file:line), self and total µs, callees. Short keys: the tree can have thousands of frames. */
export interface FlameFrame {
  n: string;
  f: string;
  s: number;
  t: number;
  c: FlameFrame[];
}

export interface RunProfileView {
  runId: string;
  intervalUs: number;
  processes: string[];
  cpuUs: number;
  tree: FlameFrame;
  top: Array<{ function: string; selfUs: number; totalUs: number; under: string | null }>;
  /** What profiling cost the run, when it was measured (RunResult.profiles.overhead). */
  overhead: NonNullable<RunResult['profiles']>['overhead'] | null;
}

function where(node: FlameNode): string {
  const f = node.frame;
  if (!f.url) return '';
  return `${f.url.replace(/^file:\/\//, '')}${f.line > 0 ? `:${f.line}` : ''}`;
}

function prune(node: FlameNode, minUs: number): FlameFrame {
  return { n: node.frame.name, f: where(node), s: Math.round(node.selfUs), t: Math.round(node.totalUs), c: node.children.filter((c) => c.totalUs >= minUs).map((c) => prune(c, minUs)) };
}

/** The run's profile folder, or an error message when it is missing or outside <data-dir>/profiles. */
export function profileFolder(dataDir: string, run: RunResult): string {
  if (!run.profiles) throw new Error(`run ${run.id} was recorded without --profile`);
  const root = resolve(dataDir, 'profiles');
  const dir = resolve(dataDir, run.profiles.dir);
  const rel = relative(root, dir);
  if (rel === '' || rel.startsWith('..') || rel.split(sep).includes('..') || resolve(root, rel) !== dir) throw new Error(`run ${run.id}: its profile folder is not under ${root}`);
  if (!existsSync(dir)) throw new Error(`run ${run.id}: its profiles (${join('profiles', rel)}) are no longer in the data folder`);
  return dir;
}

export function runProfileView(dataDir: string, run: RunResult): RunProfileView {
  const profiles = readProfiles(profileFolder(dataDir, run));
  const tree = buildFlameTree(profiles);
  const top = topFunctions(tree);
  return {
    runId: run.id,
    intervalUs: run.profiles?.intervalUs ?? 0,
    processes: profiles.map((p) => p.process),
    cpuUs: Math.round(top.cpuUs),
    tree: prune(tree, tree.totalUs * MIN_FRAME_SHARE),
    top: top.entries.slice(0, TOP_ROWS).map((e) => ({ function: frameLabel(e.frame), selfUs: Math.round(e.selfUs), totalUs: Math.round(e.totalUs), under: e.mainCaller ? frameLabel(e.mainCaller) : null })),
    overhead: run.profiles?.overhead ?? null,
  };
}
