/**
 * Maelstrom's workloads as swarmperf drives and checks them, with Maelstrom's message shapes
 * (doc/workloads.md of jepsen-io/maelstrom):
 *
 *   lin-kv      read {key} → read_ok {value}; write {key, value} → write_ok;
 *               cas {key, from, to} → cas_ok       checked: linearizable per key
 *   broadcast   topology {topology} once; broadcast {message} → broadcast_ok;
 *               read → read_ok {messages}           checked: set-full (lost, stale, stable latency)
 *   g-set       add {element} → add_ok; read → read_ok {value}   checked: set-full
 *   unique-ids  generate → generate_ok {id}          checked: no id handed out twice
 *
 * Error replies follow Maelstrom's table: codes 1, 10, 11, 12, 14, 20, 21, 22, 30 are definite
 * (the operation did not happen); 0 (timeout), 13 (crash) and every other code — custom codes
 * included — are indefinite, as is a request unanswered within the RPC timeout.
 */
import type { CheckResult } from '../../core/result.js';
import type { Rng } from '../../measure/rng.js';
import { percentileSorted } from '../../measure/stats.js';
import { checkLinearizability, type HistoryOp } from '../checkers/linearizability.js';
import { checkSetFull, ElementSet, type SetAdd, type SetRead } from '../checkers/set-full.js';
import type { KvOp, KvResult } from '../kv/store.js';
import type { MaelstromBody } from './node-process.js';

export const WORKLOADS = ['lin-kv', 'broadcast', 'g-set', 'unique-ids'] as const;
export type WorkloadName = (typeof WORKLOADS)[number];

const DEFINITE = new Set([1, 10, 11, 12, 14, 20, 21, 22, 30]);

/** How a reply ends an operation: known (ok, or an answer such as "no such key"), definitely not done, or unknown. */
export type Outcome = { kind: 'ok' } | { kind: 'fail'; reason: string } | { kind: 'indefinite'; reason: string };

export function errorOutcome(reply: MaelstromBody | 'timeout'): Outcome | undefined {
  if (reply === 'timeout') return { kind: 'indefinite', reason: 'timeout' };
  if (reply.type !== 'error') return undefined;
  const code = Number(reply.code);
  return DEFINITE.has(code) ? { kind: 'fail', reason: `error ${code}` } : { kind: 'indefinite', reason: `error ${Number.isFinite(code) ? code : '?'}` };
}

export interface WorkloadRun {
  /** The next request of client `client` (0-based). */
  next(client: number): { name: string; body: MaelstromBody };
  /** Takes the reply (or timeout) into the history; says how the operation ended. */
  settle(client: number, name: string, body: MaelstromBody, reply: MaelstromBody | 'timeout', callUs: number, retUs: number): Outcome;
  /** Requests each node gets once after the load, faults healed (broadcast and g-set: a final read). */
  finalRequest?(): { name: string; body: MaelstromBody };
  settleFinal?(node: string, reply: MaelstromBody | 'timeout', callUs: number, retUs: number): void;
  /** The verdicts and the workload's own metrics. */
  check(): { checks: CheckResult[]; metrics: Record<string, number> };
}

export interface WorkloadDefinition {
  name: WorkloadName;
  operations: readonly string[];
  /** A message every node gets after init_ok (and after a restart) and must acknowledge. */
  setupMessage?(id: string, ids: readonly string[]): MaelstromBody;
  /** Whether the run waits (--settle) and reads every node at the end. */
  finalReads: boolean;
  create(o: { keys: number; rng: Rng }): WorkloadRun;
}

// ---------------------------------------------------------------------------------------------
// lin-kv

function linKv(o: { keys: number; rng: Rng }): WorkloadRun {
  const { rng } = o;
  const history: HistoryOp[] = [];
  const opOf = (body: MaelstromBody): KvOp => {
    const key = String(body.key);
    if (body.type === 'read') return { op: 'get', key };
    if (body.type === 'write') return { op: 'put', key, value: String(body.value) };
    return { op: 'cas', key, from: String(body.from), to: String(body.to) };
  };
  return {
    next() {
      const key = rng.int(0, o.keys - 1);
      const kind = rng.int(0, 2);
      if (kind === 0) return { name: 'read', body: { type: 'read', key } };
      if (kind === 1) return { name: 'write', body: { type: 'write', key, value: rng.int(0, 4) } };
      return { name: 'cas', body: { type: 'cas', key, from: rng.int(0, 4), to: rng.int(0, 4) } };
    },
    settle(client, _name, body, reply, callUs, retUs) {
      const op = opOf(body);
      const known = linKvResult(op, reply);
      if (known === 'indefinite' || known === 'failed') {
        const e = errorOutcome(reply) ?? { kind: 'indefinite' as const, reason: `unexpected reply ${reply === 'timeout' ? '' : reply.type}` };
        if (e.kind === 'indefinite') history.push({ client, op, call: callUs });
        return e;
      }
      history.push({ client, op, call: callUs, ret: retUs, result: known });
      return { kind: 'ok' };
    },
    check() {
      const lin = checkLinearizability(history);
      const keysTouched = new Set(history.map((h) => h.op.key)).size;
      const perKey = keysTouched > 0 ? history.length / keysTouched : 0;
      return {
        checks: [
          {
            name: 'lin-kv linearizable',
            passed: lin.verdict === 'ok',
            detail: lin.verdict === 'ok' ? `${lin.operations} operations on ${lin.keys} keys linearizable` : lin.verdict === 'unknown' ? `not decided within the search bound: ${lin.detail}` : lin.detail,
          },
        ],
        // Operations per key: whether clients met on keys (few keys, many operations each).
        metrics: { keysTouched, opsPerKey: perKey },
      };
    },
  };
}

/** A lin-kv reply as a history result: known (with the value), a definite failure, or indefinite. */
function linKvResult(op: KvOp, reply: MaelstromBody | 'timeout'): KvResult | 'failed' | 'indefinite' {
  if (reply === 'timeout') return 'indefinite';
  if (reply.type === 'error') {
    const code = Number(reply.code);
    if (code === 20 && op.op === 'get') return { value: null, ok: true };
    if ((code === 20 || code === 22) && op.op === 'cas') return { value: null, ok: false };
    return DEFINITE.has(code) ? 'failed' : 'indefinite';
  }
  if (op.op === 'get' && reply.type === 'read_ok') return { value: reply.value === null || reply.value === undefined ? null : String(reply.value as number), ok: true };
  if (op.op === 'put' && reply.type === 'write_ok') return { value: op.value, ok: true };
  if (op.op === 'cas' && reply.type === 'cas_ok') return { value: op.to, ok: true };
  return 'indefinite'; // a reply of the wrong type: nothing is known
}

// ---------------------------------------------------------------------------------------------
// broadcast and g-set: a grow-only set, checked with set-full semantics

interface SetShape {
  add: { type: string; field: string; ok: string };
  /** The field of read_ok holding the elements. */
  readField: string;
  check: string;
}

/** Nearest-rank percentile of sorted values, 0 when there are none. */
const percentileOf = (sortedValues: readonly number[], p: number): number => (sortedValues.length === 0 ? 0 : percentileSorted(sortedValues, p));

function growOnlySet(shape: SetShape, o: { rng: Rng }): WorkloadRun {
  const adds: SetAdd[] = [];
  const reads: SetRead[] = [];
  const unexpected: unknown[] = [];
  let nextElement = 0;
  let badReplies = 0;
  const readElements = (reply: MaelstromBody): ElementSet | undefined => {
    const raw = reply[shape.readField];
    if (!Array.isArray(raw)) {
      badReplies++;
      return undefined;
    }
    const mine: number[] = [];
    for (const v of raw) {
      if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < nextElement) mine.push(v);
      else if (unexpected.length < 10) unexpected.push(v);
    }
    return new ElementSet(mine, nextElement);
  };
  const takeRead = (node: string, reply: MaelstromBody | 'timeout', callUs: number, retUs: number, final: boolean): Outcome => {
    const e = errorOutcome(reply);
    if (e) return e;
    const elements = reply !== 'timeout' && reply.type === 'read_ok' ? readElements(reply) : undefined;
    if (!elements) return { kind: 'indefinite', reason: 'malformed read_ok' };
    reads.push({ node, callUs, retUs, elements, final });
    return { kind: 'ok' };
  };
  return {
    next() {
      // Half adds, half reads, as Maelstrom's generator mixes them.
      if (o.rng.bool(0.5)) return { name: 'read', body: { type: 'read' } };
      return { name: shape.add.type, body: { type: shape.add.type, [shape.add.field]: nextElement++ } };
    },
    settle(client, name, body, reply, callUs, retUs) {
      if (name === 'read') return takeRead(`c${client + 1}`, reply, callUs, retUs, false);
      const element = body[shape.add.field] as number;
      const e = errorOutcome(reply);
      if (e) {
        adds.push({ element, callUs, outcome: e.kind === 'fail' ? 'fail' : 'unknown' });
        return e;
      }
      if (reply !== 'timeout' && reply.type === shape.add.ok) {
        adds.push({ element, callUs, okUs: retUs, outcome: 'ok' });
        return { kind: 'ok' };
      }
      adds.push({ element, callUs, outcome: 'unknown' });
      return { kind: 'indefinite', reason: 'unexpected reply' };
    },
    finalRequest: () => ({ name: 'read', body: { type: 'read' } }),
    settleFinal(node, reply, callUs, retUs) {
      takeRead(node, reply, callUs, retUs, true);
    },
    check() {
      const r = checkSetFull(adds, reads, unexpected);
      const lat = r.stableLatenciesUs;
      const lostText = r.lost
        .slice(0, 5)
        .map((e) => `${e} (missing at ${(r.lostAt.get(e) ?? []).join(', ')})`)
        .join('; ');
      const checks: CheckResult[] = [
        {
          name: `${shape.check}: no acknowledged element lost`,
          passed: r.lost.length === 0 && r.finalNodes.length > 0,
          detail:
            r.finalNodes.length === 0
              ? 'no node answered the final read: nothing to check'
              : r.lost.length === 0
                ? `${r.acknowledged} of ${r.added} adds acknowledged; every known element in the final reads of ${r.finalNodes.join(', ')}; ${r.stale.length} stale`
                : `${r.lost.length} lost of ${r.acknowledged} acknowledged: ${lostText}${r.lost.length > 5 ? ` … (and ${r.lost.length - 5} more)` : ''}`,
        },
        {
          name: `${shape.check}: reads return only added elements`,
          passed: r.unexpected.length === 0 && badReplies === 0,
          detail: r.unexpected.length === 0 && badReplies === 0 ? `${reads.length} reads` : `${r.unexpected.length} unexpected value(s) (${r.unexpected.slice(0, 5).map((v) => JSON.stringify(v)).join(', ')}), ${badReplies} read_ok without a "${shape.readField}" array`,
        },
      ];
      return {
        checks,
        metrics: {
          lost: r.lost.length,
          stale: r.stale.length,
          neverRead: r.neverRead,
          stableLatencyP50Us: percentileOf(lat, 50),
          stableLatencyP99Us: percentileOf(lat, 99),
          stableLatencyMaxUs: lat.at(-1) ?? 0,
        },
      };
    },
  };
}

/** Maelstrom's default broadcast topology: a roughly square grid, each node at most 4 neighbours. */
export function gridTopology(ids: readonly string[]): Record<string, string[]> {
  const side = Math.ceil(Math.sqrt(ids.length));
  const at = (i: number, j: number): string | undefined => (i >= 0 && j >= 0 && j < side ? ids[i * side + j] : undefined);
  const out: Record<string, string[]> = {};
  ids.forEach((id, k) => {
    const i = Math.floor(k / side);
    const j = k % side;
    out[id] = [at(i + 1, j), at(i - 1, j), at(i, j + 1), at(i, j - 1)].filter((x): x is string => x !== undefined);
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// unique-ids

function uniqueIds(): WorkloadRun {
  const seen = new Map<string, string>();
  const duplicates: string[] = [];
  let generated = 0;
  return {
    next: () => ({ name: 'generate', body: { type: 'generate' } }),
    settle(client, _name, _body, reply) {
      const e = errorOutcome(reply);
      if (e) return e;
      if (reply === 'timeout' || reply.type !== 'generate_ok' || !('id' in reply)) return { kind: 'indefinite', reason: 'unexpected reply' };
      generated++;
      const key = JSON.stringify(reply.id);
      const who = `c${client + 1}`;
      const first = seen.get(key);
      if (first !== undefined) {
        if (duplicates.length < 5) duplicates.push(`${key} to ${first} and ${who}`);
        else duplicates.push(key);
      } else seen.set(key, who);
      return { kind: 'ok' };
    },
    check() {
      return {
        checks: [
          {
            name: 'unique-ids: no id handed out twice',
            passed: duplicates.length === 0 && generated > 0,
            detail: generated === 0 ? 'no id generated' : duplicates.length === 0 ? `${generated} ids, all distinct` : `${duplicates.length} duplicate(s) among ${generated} ids: ${duplicates.slice(0, 5).join('; ')}${duplicates.length > 5 ? ' …' : ''}`,
          },
        ],
        metrics: { duplicateIds: duplicates.length },
      };
    },
  };
}

export const WORKLOAD_DEFINITIONS: Record<WorkloadName, WorkloadDefinition> = {
  'lin-kv': { name: 'lin-kv', operations: ['read', 'write', 'cas'], finalReads: false, create: linKv },
  broadcast: {
    name: 'broadcast',
    operations: ['broadcast', 'read'],
    setupMessage: (_id, ids) => ({ type: 'topology', topology: gridTopology(ids) }),
    finalReads: true,
    create: (o) => growOnlySet({ add: { type: 'broadcast', field: 'message', ok: 'broadcast_ok' }, readField: 'messages', check: 'broadcast' }, o),
  },
  'g-set': {
    name: 'g-set',
    operations: ['add', 'read'],
    finalReads: true,
    create: (o) => growOnlySet({ add: { type: 'add', field: 'element', ok: 'add_ok' }, readField: 'value', check: 'g-set' }, o),
  },
  'unique-ids': { name: 'unique-ids', operations: ['generate'], finalReads: false, create: uniqueIds },
};
