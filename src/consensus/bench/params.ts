/**
 * The parameters every protocol benchmark shares — cluster sizes, network, node CPU, disk, faults —
 * declared once as a zod schema (defaults, units and help text in one place). The CLI derives its
 * flags from it, MCP its input, and `parseShared` turns the flag text into a typed setup per
 * cluster size, each bad value rejected with a UsageError naming the flag.
 */
import { z } from 'zod';
import { UsageError } from '../../core/errors.js';
import { parseBytes, parseDurationUs, parseIntFlag } from '../../core/parse.js';
import type { DiskConfig } from '../../sim/disk.js';
import { FaultScheduleError, parseFaultSchedule, parseShare, type FaultAction, type FaultSchedule } from '../../sim/faults.js';
import { LatencyParseError, parseLatency, type LatencySpec } from '../../sim/latency.js';
import type { ProcessingCost } from '../host/sim-host.js';

const text = (def: string, placeholder: string, help: string) => z.string().default(def).meta({ placeholder }).describe(help);
const optionalText = (placeholder: string, help: string) => z.string().optional().meta({ placeholder }).describe(help);

export const sharedParams = z.object({
  scenario: optionalText('name', 'scenario (per protocol; default: the protocol\'s first, e.g. raft: election, gossip: convergence)'),
  mode: text('sim', 'mode', 'sim (deterministic simulator) | real (worker threads over TCP on loopback; Raft only)'),
  nodes: text('5', 'n[,n…]', 'cluster size; a list sweeps sizes, one suite each (e.g. 3,5,7,9; gossip up to 10000)'),
  latency: text('uniform:5ms-10ms', 'dist', 'one-way link latency: 15ms | uniform:10ms-20ms | normal:15ms,3ms | lognormal:10ms,0.5 | exp:5ms'),
  clientLatency: optionalText('dist', 'sim: client ↔ node latency (default: as --latency; real mode clients connect directly on loopback)'),
  linkLatency: z.array(z.string()).default([]).meta({ placeholder: 'a-b=dist', repeatable: true }).describe('latency of the links between nodes a and b (1-based, both ways; repeatable)'),
  bandwidth: optionalText('bytes', 'per-link bandwidth in bytes per second, e.g. 10mb (default unlimited)'),
  loss: text('0', 'share', 'share of messages lost, e.g. 1% or 0.01'),
  dup: text('0', 'share', 'share of messages duplicated'),
  reorder: text('0', 'share', 'share of messages that may overtake earlier ones'),
  faults: optionalText('schedule', 'fault schedule, e.g. "crash-leader@5s; partition 1,2|3,4,5@10s-20s; loss=1%" (leader targets only for protocols with a leader)'),
  serviceTime: text('20us,2us', 'PER_MSG[,PER_ENTRY]', 'sim: node CPU per message and per log entry/request, e.g. 20us,2us (0 = infinitely fast nodes)'),
  fsync: text('0', 'dist', 'sim: durable write latency per node disk (fsync): 5ms | uniform:2ms-8ms | lognormal:5ms,0.4 (0 = no storage model: state is durable at once)'),
  diskBandwidth: optionalText('bytes', 'sim: disk write bandwidth in bytes per second, e.g. 200mb (default: only the fsync counts)'),
  groupCommit: text('on', 'on|off', 'sim: one fsync for everything a node did while its previous write was in flight (on) or one per state change (off)'),
});
export type SharedParams = z.infer<typeof sharedParams>;

/** One cluster size's shared settings, typed. */
export interface SharedSetup {
  nodes: number;
  seed: number;
  latency: LatencySpec;
  clientLatency?: LatencySpec;
  linkLatency?: Map<string, LatencySpec>;
  bandwidthBytesPerSec?: number;
  loss: number;
  duplicate: number;
  reorder: number;
  processing?: ProcessingCost;
  disk?: DiskConfig;
  faults?: FaultSchedule;
}

export function parseShareFlag(flag: string, raw: string): number {
  const v = parseShare(raw.trim());
  if (v === undefined) throw new UsageError(`${flag}: expected a share such as 1% or 0.01 (0 to 1), got "${raw}"`);
  return v;
}

export function parseLatencyFlag(flag: string, raw: string): LatencySpec {
  try {
    return parseLatency(raw, flag);
  } catch (e) {
    if (e instanceof LatencyParseError) throw new UsageError(e.message);
    throw e;
  }
}

export function parseNodeList(raw: string, maxNodes: number): number[] {
  return raw.split(',').map((s) => parseIntFlag('--nodes', s, 1, maxNodes));
}

function parseServiceTime(raw: string): ProcessingCost | undefined {
  const parts = raw.split(',');
  if (parts.length > 2) throw new UsageError(`--service-time: expected PER_MSG or PER_MSG,PER_ENTRY such as 20us,2us, got "${raw}"`);
  const perMessageUs = parseDurationUs('--service-time', (parts[0] as string).trim());
  const perEntryUs = parts[1] === undefined ? 0 : parseDurationUs('--service-time', parts[1].trim());
  return perMessageUs === 0 && perEntryUs === 0 ? undefined : { perMessageUs, perEntryUs };
}

function parseLinkLatency(specs: readonly string[], nodes: number): Map<string, LatencySpec> {
  const out = new Map<string, LatencySpec>();
  for (const s of specs) {
    const m = /^\s*(\d+)\s*-\s*(\d+)\s*=\s*(.+)$/.exec(s);
    if (!m) throw new UsageError(`--link-latency: expected A-B=DIST such as 1-2=30ms, got "${s}"`);
    const a = Number(m[1]);
    const b = Number(m[2]);
    for (const n of [a, b]) if (n < 1 || n > nodes) throw new UsageError(`--link-latency "${s}": node ${n} does not exist (nodes are 1..${nodes})`);
    if (a === b) throw new UsageError(`--link-latency "${s}": a link joins two different nodes`);
    const spec = parseLatencyFlag(`--link-latency "${s}"`, m[3] as string);
    out.set(`${a - 1}>${b - 1}`, spec);
    out.set(`${b - 1}>${a - 1}`, spec);
  }
  return out;
}

function parseDisk(p: SharedParams): DiskConfig | undefined {
  const fsync = parseLatencyFlag('--fsync', p.fsync);
  if (fsync.kind === 'constant' && fsync.us === 0) return undefined;
  const gc = p.groupCommit.trim();
  if (gc !== 'on' && gc !== 'off') throw new UsageError(`--group-commit: expected on or off, got "${p.groupCommit}"`);
  const disk: DiskConfig = { fsync, groupCommit: gc === 'on' };
  if (p.diskBandwidth !== undefined) {
    const bw = parseBytes('--disk-bandwidth', p.diskBandwidth, 1024 ** 4);
    if (bw <= 0) throw new UsageError('--disk-bandwidth: expected a size above zero');
    disk.writeBytesPerSec = bw;
  }
  return disk;
}

/** Which targets a fault action needs (to reject `crash-leader` for a protocol without leaders). */
function actionTargets(a: FaultAction): string {
  if ((a.kind === 'crash' || a.kind === 'isolate' || a.kind === 'pause') && a.target.kind === 'leader') return `${a.kind}-leader`;
  return a.kind === 'rate' ? 'rates' : a.kind;
}

/**
 * The shared settings for one cluster size. `allowedTargets` comes from the protocol: a schedule
 * that names a target it does not have (crash-leader for gossip) is a usage error.
 */
export function parseShared(p: SharedParams, nodes: number, seed: number, protocol: { name: string; faultTargets: readonly string[] }, defaultFaults?: string): SharedSetup {
  const s: SharedSetup = {
    nodes,
    seed,
    latency: parseLatencyFlag('--latency', p.latency),
    loss: parseShareFlag('--loss', p.loss),
    duplicate: parseShareFlag('--dup', p.dup),
    reorder: parseShareFlag('--reorder', p.reorder),
  };
  if (p.clientLatency !== undefined) s.clientLatency = parseLatencyFlag('--client-latency', p.clientLatency);
  const links = parseLinkLatency(p.linkLatency, nodes);
  if (links.size > 0) s.linkLatency = links;
  if (p.bandwidth !== undefined) {
    const bw = parseBytes('--bandwidth', p.bandwidth, 1024 ** 4);
    if (bw <= 0) throw new UsageError('--bandwidth: expected a size above zero');
    s.bandwidthBytesPerSec = bw;
  }
  const processing = parseServiceTime(p.serviceTime);
  if (processing) s.processing = processing;
  const disk = parseDisk(p);
  if (disk) s.disk = disk;
  const faultText = p.faults ?? defaultFaults;
  if (faultText !== undefined) {
    try {
      s.faults = parseFaultSchedule(faultText, nodes);
    } catch (e) {
      if (e instanceof FaultScheduleError) throw new UsageError(e.message);
      throw e;
    }
    for (const ev of s.faults.events) {
      const t = actionTargets(ev.action);
      if (!protocol.faultTargets.includes(t)) throw new UsageError(`--faults: "${ev.text}": ${protocol.name} has no ${t} target (it understands: ${protocol.faultTargets.join(', ')})`);
    }
  }
  return s;
}

/** The key-value client load of the protocols that order commands (Raft, PBFT). */
export const workloadParams = z.object({
  trials: text('100', 'n', 'election/view-change scenarios: leader crashes to measure'),
  concurrency: text('32', 'n', 'client sessions (closed loop: all busy; open loop: the pool serving --rate)'),
  rate: optionalText('ops/s', 'open loop: commands per second (latency and faults scenarios default to 500)'),
  keys: text('100', 'n', 'distinct keys'),
  reads: text('0.5', 'share', 'share of commands that are reads'),
  cas: text('0', 'share', 'share of commands that are compare-and-set'),
  valueSize: text('64', 'bytes', 'bytes per written value'),
  linMaxOps: text('20000', 'n', 'check linearizability when the history has at most this many commands'),
});
export type WorkloadParams = z.infer<typeof workloadParams>;

/** Turns flag text of a zod-declared parameter object into values, with defaults filled in. */
export function withDefaults<S extends z.ZodObject>(schema: S, raw: Record<string, unknown>): z.infer<S> {
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(schema.shape)) {
    const v = raw[key];
    if (v === undefined) continue;
    // Commander gives strings and booleans; MCP may give numbers. The schemas take flag text.
    picked[key] = typeof v === 'number' ? String(v) : v;
  }
  const r = schema.safeParse(picked);
  if (!r.success) {
    const issue = r.error.issues[0];
    const key = String(issue?.path[0] ?? '');
    throw new UsageError(`--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${issue?.message ?? 'invalid value'}`);
  }
  return r.data as z.infer<S>;
}
