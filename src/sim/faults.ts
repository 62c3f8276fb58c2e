/**
 * Fault schedules: what goes wrong, when, in a simulated (or proxied real) cluster.
 *
 * Grammar (clauses separated by `;`, whitespace ignored, node numbers 1-based as users count):
 *
 *   crash N@T            crash node N at T; it stays down        crash 2@5s
 *   crash N@T-T2         crash at T, restart at T2               crash 3@5s-8s
 *   crash-leader@T[-T2]  crash whoever leads at T                crash-leader@5s
 *   crash-random@T[-T2]  crash a random live node                crash-random@5s-6s
 *   restart N@T          restart a crashed node                  restart 2@9s
 *   partition G|G..@T-T2 cut the cluster into groups, heal at T2 partition 1,2|3,4,5@10s-20s
 *                        (nodes not listed form one more group)
 *   isolate N@T-T2       cut one node off (also isolate-leader)  isolate-leader@4s-6s
 *   pause N@T-T2         freeze a node (a process: SIGSTOP, then  pause 2@3s-5s
 *                        SIGCONT); also pause-random. Real processes only (external nodes)
 *   loss=P[@T-T2]        drop a share of messages                loss=1%   loss=20%@3s-4s
 *   dup=P[@T-T2]         duplicate a share of messages           dup=0.5%
 *   reorder=P[@T-T2]     let a share of messages overtake        reorder=5%
 *
 * A time is a duration (500ms, 5s, 1.5m; a bare number is seconds). `@` may list several
 * windows: `crash-leader@5s-6s,15s-16s`. A window `T+D` means T to T+D. Without `@`, a rate
 * holds for the whole run (other faults need a time).
 *
 * A bad schedule is rejected with one message naming the clause and the part that is wrong.
 */
import { parseDurationUs } from '../core/parse.js';
import type { Rng } from '../measure/rng.js';
import type { Network, RateKind } from './network.js';
import type { Scheduler, SimEvent } from './scheduler.js';

export class FaultScheduleError extends Error {}

export type FaultTarget = { kind: 'node'; node: number } | { kind: 'leader' } | { kind: 'random' };

export type FaultAction =
  | { kind: 'crash'; target: FaultTarget }
  | { kind: 'restart'; node: number }
  | { kind: 'partition'; groups: number[][] }
  | { kind: 'isolate'; target: FaultTarget }
  | { kind: 'pause'; target: FaultTarget }
  | { kind: 'rate'; rate: RateKind; value: number };

export interface FaultEvent {
  action: FaultAction;
  startUs: number;
  /** When the fault ends (restart, heal, rate restored); undefined = never. */
  endUs?: number;
  /** The clause it came from, for reports. */
  text: string;
}

export interface FaultSchedule {
  text: string;
  events: FaultEvent[];
}

/** A time in the schedule: the CLI's duration syntax (bare number = seconds). */
function parseTime(text: string, where: () => string): number {
  try {
    return parseDurationUs('', text);
  } catch {
    throw new FaultScheduleError(`${where()}: "${text}" is not a time (expected e.g. 500ms, 5s, 1.5m)`);
  }
}

/** A share of messages, "1%" or "0.01", from 0 to 1; undefined when the text is not one. Also read by --loss, --dup, --reorder. */
export function parseShare(text: string): number | undefined {
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(text);
  const v = pct ? Number(pct[1]) / 100 : /^\d*\.?\d+$/.test(text) ? Number(text) : NaN;
  return Number.isFinite(v) && v >= 0 && v <= 1 ? v : undefined;
}

function parseRateValue(text: string, where: () => string): number {
  const v = parseShare(text);
  if (v === undefined) throw new FaultScheduleError(`${where()}: "${text}" is not a rate (expected e.g. 1% or 0.01, at most 100%)`);
  return v;
}

/** Parses a schedule for a cluster of `nodes` nodes. */
export function parseFaultSchedule(raw: string, nodes: number, flag = '--faults'): FaultSchedule {
  const events: FaultEvent[] = [];
  const clauses = raw.split(';');
  clauses.forEach((rawClause, index) => {
    const clause = rawClause.replace(/\s+/g, ' ').trim();
    if (clause === '') {
      if (clauses.length > 1 && index < clauses.length - 1) throw new FaultScheduleError(`${flag}: clause ${index + 1} is empty (two ';' in a row?)`);
      return;
    }
    const where = (part?: string): string => `${flag}: clause ${index + 1} "${clause}"${part ? ` at "${part}"` : ''}`;
    const at = clause.indexOf('@');
    const head = (at < 0 ? clause : clause.slice(0, at)).trim();
    const whenText = at < 0 ? undefined : clause.slice(at + 1).replace(/\s+/g, '');
    const windows = whenText === undefined ? undefined : parseWindows(whenText, (p) => where(p));
    const action = parseAction(head, nodes, where);
    if (windows === undefined) {
      if (action.kind !== 'rate') throw new FaultScheduleError(`${where()}: needs a time, e.g. "${head}@5s"`);
      events.push({ action, startUs: 0, text: clause });
      return;
    }
    for (const w of windows) {
      if (action.kind === 'restart' && w.endUs !== undefined) throw new FaultScheduleError(`${where(whenText)}: restart takes one time, not a window`);
      const ev: FaultEvent = { action, startUs: w.startUs, text: clause };
      if (w.endUs !== undefined) ev.endUs = w.endUs;
      events.push(ev);
    }
  });
  events.sort((a, b) => a.startUs - b.startUs);
  return { text: raw, events };
}

function parseWindows(text: string, where: (part: string) => string): Array<{ startUs: number; endUs?: number }> {
  if (text === '') throw new FaultScheduleError(`${where('@')}: nothing after "@" (expected a time such as 5s or 5s-8s)`);
  return text.split(',').map((w) => {
    const plus = w.indexOf('+');
    const dash = w.indexOf('-');
    if (plus > 0) {
      const startUs = parseTime(w.slice(0, plus), () => where(w));
      return { startUs, endUs: startUs + parseTime(w.slice(plus + 1), () => where(w)) };
    }
    if (dash > 0) {
      const startUs = parseTime(w.slice(0, dash), () => where(w));
      const endUs = parseTime(w.slice(dash + 1), () => where(w));
      if (endUs <= startUs) throw new FaultScheduleError(`${where(w)}: the window ends before it starts`);
      return { startUs, endUs };
    }
    return { startUs: parseTime(w, () => where(w)) };
  });
}

function parseNode(text: string, nodes: number, where: (part?: string) => string): number {
  if (!/^\d+$/.test(text)) throw new FaultScheduleError(`${where(text)}: "${text}" is not a node number (nodes are 1..${nodes})`);
  const n = Number(text);
  if (n < 1 || n > nodes) throw new FaultScheduleError(`${where(text)}: node ${n} does not exist (nodes are 1..${nodes})`);
  return n - 1;
}

function parseTarget(text: string, nodes: number, where: (part?: string) => string): FaultTarget {
  if (text === 'leader') return { kind: 'leader' };
  if (text === 'random') return { kind: 'random' };
  if (text === '') throw new FaultScheduleError(`${where()}: which node? (a number, leader or random)`);
  return { kind: 'node', node: parseNode(text, nodes, where) };
}

function parseAction(head: string, nodes: number, where: (part?: string) => string): FaultAction {
  const eq = /^(loss|dup|duplicate|reorder)\s*=\s*(.*)$/.exec(head);
  if (eq) {
    const rate: RateKind = eq[1] === 'loss' ? 'loss' : eq[1] === 'reorder' ? 'reorder' : 'duplicate';
    return { kind: 'rate', rate, value: parseRateValue((eq[2] as string).trim(), () => where(eq[2])) };
  }
  const m = /^([a-z]+)(?:-(leader|random))?(?:\s+(.*))?$/.exec(head);
  if (!m) throw new FaultScheduleError(`${where(head)}: unknown fault (expected crash, restart, partition, isolate, pause, loss=, dup=, reorder=)`);
  const verb = m[1] as string;
  const suffix = m[2];
  const arg = (m[3] ?? '').trim();
  const target = (): FaultTarget => {
    if (suffix && arg) throw new FaultScheduleError(`${where(arg)}: ${verb}-${suffix} takes no node number`);
    return suffix ? { kind: suffix as 'leader' | 'random' } : parseTarget(arg, nodes, where);
  };
  switch (verb) {
    case 'crash':
      return { kind: 'crash', target: target() };
    case 'isolate':
      return { kind: 'isolate', target: target() };
    case 'pause':
      return { kind: 'pause', target: target() };
    case 'restart':
      if (suffix) throw new FaultScheduleError(`${where(head)}: restart needs a node number`);
      return { kind: 'restart', node: parseNode(arg, nodes, where) };
    case 'partition': {
      if (suffix || arg === '') throw new FaultScheduleError(`${where(head)}: partition needs groups, e.g. partition 1,2|3,4,5`);
      const seen = new Set<number>();
      const groups = arg.split('|').map((g) => {
        const members = g.split(',').map((s) => s.trim());
        if (members.some((s) => s === '')) throw new FaultScheduleError(`${where(g)}: empty node in group "${g.trim()}"`);
        return members.map((s) => {
          const n = parseNode(s, nodes, where);
          if (seen.has(n)) throw new FaultScheduleError(`${where(s)}: node ${n + 1} is in two groups`);
          seen.add(n);
          return n;
        });
      });
      if (groups.length < 2 && seen.size === nodes) throw new FaultScheduleError(`${where(arg)}: one group holding every node cuts nothing`);
      return { kind: 'partition', groups };
    }
    default:
      throw new FaultScheduleError(`${where(verb)}: unknown fault "${verb}" (expected crash, restart, partition, isolate, pause, loss=, dup=, reorder=)`);
  }
}

/** What partitions and rate windows act on: the simulated network, or real mode's fault proxy. */
export interface FaultableLinks {
  partition(groups: readonly (readonly number[])[]): number;
  heal(id: number): void;
  beginRate(kind: RateKind, value: number): number;
  endRate(kind: RateKind, id: number): void;
}

/** What leader/random targets are resolved against, when the fault starts. */
export type ClusterView = Pick<FaultableCluster, 'nodeCount' | 'currentLeader' | 'isUp'>;

/** The node a fault hits: a fixed one, whoever leads now, or a random live node; undefined if none. */
export function resolveFaultTarget(t: FaultTarget, cluster: ClusterView, rng: Rng): number | undefined {
  if (t.kind === 'node') return t.node;
  if (t.kind === 'leader') return cluster.currentLeader();
  const live: number[] = [];
  for (let i = 0; i < cluster.nodeCount; i++) if (cluster.isUp(i)) live.push(i);
  return live.length > 0 ? rng.pick(live) : undefined;
}

/**
 * Starts a link fault (partition, isolate, rate window) in the simulator or the real proxy alike:
 * the nodes it hits and how to end it. Node faults (crash, restart) are left to the caller, whose
 * crash and restart differ (a simulated step or a worker thread); for them this returns undefined.
 */
export function startLinkFault(a: FaultAction, links: FaultableLinks, cluster: ClusterView, rng: Rng): { nodes: number[]; undo?: () => void } | undefined {
  switch (a.kind) {
    case 'partition': {
      const id = links.partition(a.groups);
      return { nodes: a.groups.flat(), undo: () => links.heal(id) };
    }
    case 'isolate': {
      const n = resolveFaultTarget(a.target, cluster, rng);
      if (n === undefined) return { nodes: [] };
      const id = links.partition([[n]]);
      return { nodes: [n], undo: () => links.heal(id) };
    }
    case 'rate': {
      const id = links.beginRate(a.rate, a.value);
      return { nodes: [], undo: () => links.endRate(a.rate, id) };
    }
    default:
      return undefined;
  }
}

/** What a fault schedule acts on. */
export interface FaultableCluster {
  readonly nodeCount: number;
  /** The current leader (0-based), if any live node leads. */
  currentLeader(): number | undefined;
  isUp(node: number): boolean;
  crash(node: number): void;
  restart(node: number): void;
  readonly network: Network;
  /** Told of every fault as it starts and ends (for recovery-time measurement). */
  onFault?(record: FaultRecord): void;
}

export interface FaultRecord {
  atUs: number;
  phase: 'start' | 'end';
  text: string;
  /** The node(s) the fault hit, 0-based (resolved: leader/random become a node). */
  nodes: number[];
  kind: FaultAction['kind'];
}

export const FAULT_EVENT = 2;

interface Pending {
  ev: FaultEvent;
  phase: 'start' | 'end';
  /** Filled at start: what to undo at the end. */
  undo?: () => void;
  nodes: number[];
}

/**
 * Applies a schedule to a cluster in the simulator: each start and end is a FAULT_EVENT the world
 * forwards to handle(). Leader/random targets are resolved when the fault starts.
 */
export class FaultInjector {
  readonly applied: FaultRecord[] = [];

  constructor(
    private readonly sim: Scheduler,
    private readonly cluster: FaultableCluster,
    schedule: FaultSchedule,
    offsetUs = 0,
  ) {
    for (const ev of schedule.events) this.sim.at(offsetUs + ev.startUs, FAULT_EVENT, 0, 0, { ev, phase: 'start', nodes: [] } satisfies Pending);
  }

  handle(event: SimEvent): void {
    const p = event.data as Pending;
    if (p.phase === 'end') {
      p.undo?.();
      this.record({ atUs: this.sim.now, phase: 'end', text: p.ev.text, nodes: p.nodes, kind: p.ev.action.kind });
      return;
    }
    const c = this.cluster;
    const a = p.ev.action;
    let undo: (() => void) | undefined;
    let nodes: number[] = [];
    switch (a.kind) {
      case 'crash': {
        const n = resolveFaultTarget(a.target, c, this.sim.rng);
        if (n !== undefined && c.isUp(n)) {
          c.crash(n);
          nodes = [n];
          undo = () => {
            if (!c.isUp(n)) c.restart(n);
          };
        }
        break;
      }
      case 'restart':
        if (!c.isUp(a.node)) c.restart(a.node);
        nodes = [a.node];
        break;
      default: {
        const started = startLinkFault(a, c.network, c, this.sim.rng);
        nodes = started?.nodes ?? [];
        undo = started?.undo;
      }
    }
    this.record({ atUs: this.sim.now, phase: 'start', text: p.ev.text, nodes, kind: a.kind });
    if (p.ev.endUs !== undefined && undo) {
      const end: Pending = { ev: p.ev, phase: 'end', undo, nodes };
      this.sim.at(this.sim.now + (p.ev.endUs - p.ev.startUs), FAULT_EVENT, 0, 0, end);
    }
  }

  private record(r: FaultRecord): void {
    this.applied.push(r);
    this.cluster.onFault?.(r);
  }
}
