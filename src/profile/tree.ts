/**
 * A profile as time per call stack: each sample weighted by the time until the next sample (V8's
 * timeDeltas), so a sampling interval stretched by a busy machine still adds up to wall time.
 * Profiles of several processes merge into one tree whose first level is the process group
 * (`main`, `agent`), which is what the flamegraph draws and the top table sums.
 */
import { processGroup, type CallFrame, type CpuProfile, type LabelledProfile, type ProfileNode } from './cpuprofile.js';

/** Frames that are not code: time the process was idle, or the tree's own root. */
const NOT_CODE = new Set(['(idle)', '(root)']);
/** Not JavaScript: V8's own work outside any function ("(program)") and the collector. */
export const NATIVE = new Set(['(program)', '(garbage collector)']);

export interface Frame {
  name: string;
  url: string;
  /** 1-based, as editors show it; 0 when unknown. */
  line: number;
}

export interface FlameNode {
  frame: Frame;
  /** Time in this frame itself, µs. */
  selfUs: number;
  /** Time in this frame and everything it called, µs. */
  totalUs: number;
  children: FlameNode[];
}

export function frameOf(cf: CallFrame): Frame {
  return { name: cf.functionName || '(anonymous)', url: cf.url, line: cf.lineNumber >= 0 ? cf.lineNumber + 1 : 0 };
}

export function frameKey(f: Frame): string {
  return `${f.name}\u0000${f.url}\u0000${f.line}`;
}

/** `name (file.js:12)`, the file shortened to its last two path parts. */
export function frameLabel(f: Frame): string {
  if (!f.url) return f.name;
  const parts = f.url.replace(/^file:\/\//, '').split('/');
  return `${f.name} (${parts.slice(-2).join('/')}${f.line > 0 ? `:${f.line}` : ''})`;
}

/** Time per V8 node id, µs: each sample counts the time until the next one (the last: the mean). */
export function nodeTimesUs(profile: CpuProfile): Map<number, number> {
  const times = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  if (samples.length === 0) {
    // A profile without samples still has hit counts; weight them by the mean interval.
    const hits = profile.nodes.reduce((a, n) => a + (n.hitCount ?? 0), 0);
    const each = hits > 0 ? (profile.endTime - profile.startTime) / hits : 0;
    for (const n of profile.nodes) if (n.hitCount) times.set(n.id, n.hitCount * each);
    return times;
  }
  const span = deltas.slice(1).reduce((a, d) => a + Math.max(0, d), 0);
  const mean = samples.length > 1 ? span / (samples.length - 1) : profile.endTime - profile.startTime;
  for (let i = 0; i < samples.length; i++) {
    const next = i + 1 < deltas.length ? (deltas[i + 1] as number) : mean;
    const id = samples[i] as number;
    times.set(id, (times.get(id) ?? 0) + Math.max(0, next));
  }
  return times;
}

function newNode(frame: Frame): FlameNode {
  return { frame, selfUs: 0, totalUs: 0, children: [] };
}

function child(parent: FlameNode, frame: Frame, index: Map<FlameNode, Map<string, FlameNode>>): FlameNode {
  let byKey = index.get(parent);
  if (!byKey) index.set(parent, (byKey = new Map()));
  const key = frameKey(frame);
  let c = byKey.get(key);
  if (!c) {
    c = newNode(frame);
    byKey.set(key, c);
    parent.children.push(c);
  }
  return c;
}

/**
 * One tree for several processes: root → process group → the V8 call tree below each process's
 * root, stacks that are the same frames merged. Idle time is left out: the tree is CPU time.
 */
export function buildFlameTree(profiles: readonly LabelledProfile[]): FlameNode {
  const root = newNode({ name: 'all', url: '', line: 0 });
  const index = new Map<FlameNode, Map<string, FlameNode>>();
  for (const { process, profile } of profiles) {
    const group = child(root, { name: processGroup(process), url: '', line: 0 }, index);
    const byId = new Map<number, ProfileNode>(profile.nodes.map((n) => [n.id, n]));
    const times = nodeTimesUs(profile);
    const v8Root = profile.nodes.find((n) => n.callFrame.functionName === '(root)') ?? profile.nodes[0];
    if (!v8Root) continue;
    const walk = (node: ProfileNode, into: FlameNode): void => {
      for (const id of node.children ?? []) {
        const c = byId.get(id);
        if (!c || c.callFrame.functionName === '(idle)') continue;
        const target = child(into, frameOf(c.callFrame), index);
        target.selfUs += times.get(c.id) ?? 0;
        walk(c, target);
      }
    };
    walk(v8Root, group);
  }
  const sum = (n: FlameNode): number => (n.totalUs = n.selfUs + n.children.reduce((a, c) => a + sum(c), 0));
  sum(root);
  const order = (n: FlameNode): void => {
    n.children.sort((a, b) => b.totalUs - a.totalUs);
    n.children.forEach(order);
  };
  order(root);
  return root;
}

export interface TopEntry {
  frame: Frame;
  selfUs: number;
  /** Time with the function anywhere on the stack, counted once per stack (recursion is not double counted). */
  totalUs: number;
  /** The caller under which most of the self time was spent (undefined at the top of a stack). */
  mainCaller?: Frame;
}

export interface TopTable {
  /** CPU time of the processes included, µs (idle excluded). */
  cpuUs: number;
  entries: TopEntry[];
}

/** Functions by self time, with total time and the main caller, over one tree (or one subtree). */
export function topFunctions(tree: FlameNode): TopTable {
  const byKey = new Map<string, TopEntry & { callers: Map<string, { frame: Frame; us: number }> }>();
  const visit = (n: FlameNode, parent: Frame | undefined, onStack: Set<string>): void => {
    const key = frameKey(n.frame);
    let e = byKey.get(key);
    if (!e) byKey.set(key, (e = { frame: n.frame, selfUs: 0, totalUs: 0, callers: new Map() }));
    e.selfUs += n.selfUs;
    if (!onStack.has(key)) e.totalUs += n.totalUs;
    if (parent && n.selfUs > 0) {
      const pk = frameKey(parent);
      const c = e.callers.get(pk) ?? { frame: parent, us: 0 };
      c.us += n.selfUs;
      e.callers.set(pk, c);
    }
    const next = new Set(onStack).add(key);
    for (const c of n.children) visit(c, n.frame, next);
  };
  // The tree's first two levels (all, process group) are labels, not code.
  const groups = tree.frame.name === 'all' ? tree.children : [tree];
  for (const g of groups) for (const c of g.children) visit(c, undefined, new Set());
  const entries = [...byKey.values()]
    .filter((e) => !NOT_CODE.has(e.frame.name))
    .map(({ callers, ...e }) => {
      const main = [...callers.values()].sort((a, b) => b.us - a.us)[0];
      return main ? { ...e, mainCaller: main.frame } : e;
    })
    .sort((a, b) => b.selfUs - a.selfUs || b.totalUs - a.totalUs);
  return { cpuUs: groups.reduce((a, g) => a + g.totalUs, 0), entries };
}
