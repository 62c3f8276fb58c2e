/**
 * The standard formats a profile leaves swarmperf in: Chrome DevTools `.cpuprofile` (one process
 * as recorded, several merged on their common clock), speedscope's JSON file format (one sampled
 * profile per process) and pprof (gzip-less protobuf via pprof-format, what `go tool pprof` reads),
 * plus a `top` table by self and total time.
 */
import { Function as PFunction, Line, Location, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import { type CpuProfile, type LabelledProfile, type ProfileNode } from './cpuprofile.js';
import { frameKey, frameLabel, frameOf, nodeTimesUs, type Frame, type TopTable } from './tree.js';

/**
 * One `.cpuprofile` for several processes: node ids renumbered, each process's root under one
 * common root renamed after the process, samples interleaved by timestamp (V8 takes them from the
 * system's monotonic clock, which all processes of one machine share).
 */
export function mergeCpuProfiles(profiles: readonly LabelledProfile[]): CpuProfile {
  const only = profiles[0];
  if (profiles.length === 1 && only) return only.profile;
  const root: ProfileNode = { id: 1, callFrame: { functionName: '(root)', scriptId: '0', url: '', lineNumber: -1, columnNumber: -1 }, hitCount: 0, children: [] };
  const nodes: ProfileNode[] = [root];
  const timed: Array<{ t: number; id: number }> = [];
  let nextId = 2;
  for (const { process, profile } of profiles) {
    const ids = new Map<number, number>(profile.nodes.map((n) => [n.id, nextId++]));
    for (const n of profile.nodes) {
      const isRoot = n.callFrame.functionName === '(root)';
      const copy: ProfileNode = {
        id: ids.get(n.id) as number,
        callFrame: isRoot ? { ...n.callFrame, functionName: process } : n.callFrame,
        hitCount: n.hitCount ?? 0,
        children: (n.children ?? []).map((c) => ids.get(c) as number),
      };
      if (isRoot) root.children?.push(copy.id);
      nodes.push(copy);
    }
    let t = profile.startTime;
    (profile.samples ?? []).forEach((s, i) => {
      t += profile.timeDeltas?.[i] ?? 0;
      timed.push({ t, id: ids.get(s) as number });
    });
  }
  timed.sort((a, b) => a.t - b.t);
  const startTime = Math.min(...profiles.map((p) => p.profile.startTime));
  const endTime = Math.max(...profiles.map((p) => p.profile.endTime));
  let last = startTime;
  const timeDeltas = timed.map(({ t }) => {
    const d = t - last;
    last = t;
    return d;
  });
  return { nodes, startTime, endTime, samples: timed.map((x) => x.id), timeDeltas };
}

/** Paths from the root to each node, root first (the (root) frame itself left out). */
function stacksById(profile: CpuProfile): Map<number, ProfileNode[]> {
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const stacks = new Map<number, ProfileNode[]>();
  for (const n of profile.nodes) {
    const path: ProfileNode[] = [];
    for (let cur: ProfileNode | undefined = n; cur && cur.callFrame.functionName !== '(root)'; cur = byId.get(parent.get(cur.id) ?? -1)) path.unshift(cur);
    stacks.set(n.id, path);
  }
  return stacks;
}

export interface SpeedscopeFile {
  $schema: 'https://www.speedscope.app/file-format-schema.json';
  shared: { frames: Array<{ name: string; file?: string; line?: number }> };
  profiles: Array<{ type: 'sampled'; name: string; unit: 'microseconds'; startValue: number; endValue: number; samples: number[][]; weights: number[] }>;
  name: string;
  activeProfileIndex: number;
  exporter: string;
}

/** speedscope's file format (https://www.speedscope.app/file-format-schema.json): one sampled profile per process. */
export function toSpeedscope(profiles: readonly LabelledProfile[], name: string, exporter: string): SpeedscopeFile {
  const frames: SpeedscopeFile['shared']['frames'] = [];
  const frameIndex = new Map<string, number>();
  const indexOf = (f: Frame): number => {
    const key = frameKey(f);
    let i = frameIndex.get(key);
    if (i === undefined) {
      i = frames.length;
      frameIndex.set(key, i);
      frames.push({ name: f.name, ...(f.url ? { file: f.url } : {}), ...(f.line > 0 ? { line: f.line } : {}) });
    }
    return i;
  };
  const out: SpeedscopeFile['profiles'] = profiles.map(({ process, profile }) => {
    const stacks = stacksById(profile);
    const deltas = profile.timeDeltas ?? [];
    const samples: number[][] = [];
    const weights: number[] = [];
    (profile.samples ?? []).forEach((id, i) => {
      const stack = stacks.get(id) ?? [];
      if (stack.at(-1)?.callFrame.functionName === '(idle)') return;
      samples.push(stack.map((n) => indexOf(frameOf(n.callFrame))));
      weights.push(Math.max(0, deltas[i + 1] ?? 0));
    });
    const total = weights.reduce((a, w) => a + w, 0);
    return { type: 'sampled', name: process, unit: 'microseconds', startValue: 0, endValue: total, samples, weights };
  });
  return { $schema: 'https://www.speedscope.app/file-format-schema.json', shared: { frames }, profiles: out, name, activeProfileIndex: 0, exporter };
}

/** pprof (profile.proto): sample types samples/count and cpu/nanoseconds, a `process` label on each sample. */
export function toPprof(profiles: readonly LabelledProfile[]): Uint8Array {
  const strings = new StringTable();
  const functions = new Map<string, PFunction>();
  const locations = new Map<string, Location>();
  const locationOf = (f: Frame): number => {
    const key = frameKey(f);
    let loc = locations.get(key);
    if (!loc) {
      let fn = functions.get(key);
      if (!fn) {
        fn = new PFunction({ id: functions.size + 1, name: strings.dedup(f.name), systemName: strings.dedup(f.name), filename: strings.dedup(f.url), startLine: f.line });
        functions.set(key, fn);
      }
      loc = new Location({ id: locations.size + 1, line: [new Line({ functionId: fn.id, line: f.line })] });
      locations.set(key, loc);
    }
    return Number(loc.id);
  };
  const samples: Sample[] = [];
  const processKey = strings.dedup('process');
  let start = Infinity;
  let end = -Infinity;
  const sampleType = [new ValueType({ type: strings.dedup('samples'), unit: strings.dedup('count') }), new ValueType({ type: strings.dedup('cpu'), unit: strings.dedup('nanoseconds') })];
  let intervalUs = 0;
  for (const { process, profile } of profiles) {
    start = Math.min(start, profile.startTime);
    end = Math.max(end, profile.endTime);
    const stacks = stacksById(profile);
    const times = nodeTimesUs(profile);
    const hits = new Map<number, number>();
    for (const s of profile.samples ?? []) hits.set(s, (hits.get(s) ?? 0) + 1);
    const n = profile.samples?.length ?? 0;
    if (n > 1 && intervalUs === 0) intervalUs = (profile.endTime - profile.startTime) / n;
    const label = strings.dedup(process);
    for (const [id, count] of hits) {
      const stack = stacks.get(id) ?? [];
      if (stack.length === 0 || stack.at(-1)?.callFrame.functionName === '(idle)') continue;
      // pprof stacks are leaf first.
      const locationId = stack.map((node) => locationOf(frameOf(node.callFrame))).reverse();
      samples.push(new Sample({ locationId, value: [count, Math.round((times.get(id) ?? 0) * 1000)], label: [{ key: processKey, str: label }] }));
    }
  }
  const profile = new Profile({
    sampleType,
    sample: samples,
    location: [...locations.values()],
    function: [...functions.values()],
    stringTable: strings,
    durationNanos: Number.isFinite(start) ? Math.round((end - start) * 1000) : 0,
    periodType: new ValueType({ type: strings.dedup('cpu'), unit: strings.dedup('nanoseconds') }),
    period: Math.round(intervalUs * 1000),
  });
  return profile.encode();
}

const msText = (us: number): string => (us / 1000).toFixed(1);
const pctText = (part: number, whole: number): string => (whole > 0 ? ((part / whole) * 100).toFixed(1) : '0.0');

/** The top table as text: self and total time (ms and % of CPU), function and where it is, main caller. */
export function renderTopTable(top: TopTable, limit: number): string {
  const rows = top.entries.slice(0, limit).map((e) => [msText(e.selfUs), pctText(e.selfUs, top.cpuUs), msText(e.totalUs), pctText(e.totalUs, top.cpuUs), frameLabel(e.frame), e.mainCaller ? frameLabel(e.mainCaller) : '']);
  const head = ['self ms', 'self %', 'total ms', 'total %', 'function', 'under'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (r: string[]): string => r.map((c, i) => (i < 4 ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number))).join('  ').trimEnd();
  return [`CPU time ${msText(top.cpuUs)} ms (idle excluded)`, line(head), ...rows.map(line), ''].join('\n');
}
