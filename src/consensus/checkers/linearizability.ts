/**
 * Linearizability of a key-value history, checked the way Knossos and Porcupine do: the
 * Wing–Gong–Lowe search with memoisation. Keys are independent registers, so the history is split
 * per key (P-compositionality) and each part searched on its own, which keeps the search small.
 *
 * An operation whose outcome the client never learned (a timeout) may or may not have happened:
 * it is given a return time of +∞ and any result. A read with unknown outcome constrains nothing
 * and is left out.
 *
 * The search is exponential in the worst case, so it is bounded: past `maxSteps` a key's result is
 * "unknown", reported as such (never as a pass).
 */
import type { HistoryOp } from '../kv/messages.js';
import type { KvOp, KvResult } from '../kv/store.js';

export type { HistoryOp } from '../kv/messages.js';

export type LinearizabilityVerdict = 'ok' | 'violation' | 'unknown';

export interface LinearizabilityResult {
  verdict: LinearizabilityVerdict;
  keys: number;
  operations: number;
  /** For a violation: the key and the operations that could not be ordered. */
  detail: string;
  steps: number;
}

type RegisterState = string | null;

interface Op {
  id: number;
  input: KvOp;
  result: KvResult | undefined;
  call: number;
  ret: number;
}

interface Node {
  op: Op;
  isCall: boolean;
  match: Node | undefined; // call ↔ return
  prev: Node | undefined;
  next: Node | undefined;
}

/** The register model: does `op` with `result` follow from `state`, and what state results? */
function stepModel(state: RegisterState, op: Op): { ok: boolean; next: RegisterState } {
  const r = op.result;
  switch (op.input.op) {
    case 'get':
      return { ok: r === undefined || r.value === state, next: state };
    case 'put':
      return { ok: true, next: op.input.value };
    case 'cas': {
      const swapped = state === op.input.from;
      if (r !== undefined && r.ok !== swapped) return { ok: false, next: state };
      return { ok: true, next: swapped ? op.input.to : state };
    }
  }
}

export interface CheckOptions {
  /** Search steps per key before giving up with "unknown". */
  maxSteps?: number;
}

export function checkLinearizability(history: readonly HistoryOp[], options: CheckOptions = {}): LinearizabilityResult {
  const byKey = new Map<string, HistoryOp[]>();
  for (const h of history) {
    if (h.ret === undefined && h.op.op === 'get') continue;
    const list = byKey.get(h.op.key);
    if (list) list.push(h);
    else byKey.set(h.op.key, [h]);
  }
  let steps = 0;
  let unknown = '';
  for (const [key, ops] of byKey) {
    const r = checkKey(ops, options.maxSteps ?? 200_000);
    steps += r.steps;
    if (r.verdict === 'violation') {
      return { verdict: 'violation', keys: byKey.size, operations: history.length, detail: `key "${key}": ${r.detail}`, steps };
    }
    if (r.verdict === 'unknown' && unknown === '') unknown = `key "${key}": search gave up after ${r.steps} steps (${ops.length} operations)`;
  }
  if (unknown !== '') return { verdict: 'unknown', keys: byKey.size, operations: history.length, detail: unknown, steps };
  return { verdict: 'ok', keys: byKey.size, operations: history.length, detail: `${history.length} operations on ${byKey.size} keys linearizable`, steps };
}

function checkKey(history: readonly HistoryOp[], maxSteps: number): { verdict: LinearizabilityVerdict; detail: string; steps: number } {
  const ops: Op[] = history.map((h, id) => ({ id, input: h.op, result: h.result, call: h.call, ret: h.ret ?? Number.POSITIVE_INFINITY }));
  // Events in time order; at equal times calls come first, so touching operations count as
  // concurrent (the lenient reading: never a false alarm from clock granularity).
  const events: Node[] = [];
  for (const op of ops) {
    const call: Node = { op, isCall: true, match: undefined, prev: undefined, next: undefined };
    const ret: Node = { op, isCall: false, match: call, prev: undefined, next: undefined };
    call.match = ret;
    events.push(call, ret);
  }
  events.sort((a, b) => {
    const ta = a.isCall ? a.op.call : a.op.ret;
    const tb = b.isCall ? b.op.call : b.op.ret;
    if (ta !== tb) return ta - tb;
    if (a.isCall !== b.isCall) return a.isCall ? -1 : 1;
    return a.op.id - b.op.id;
  });
  const head: Node = { op: ops[0] as Op, isCall: false, match: undefined, prev: undefined, next: undefined };
  let prev = head;
  for (const e of events) {
    prev.next = e;
    e.prev = prev;
    prev = e;
  }
  const lift = (call: Node): void => {
    // Removes a call and its return from the list.
    (call.prev as Node).next = call.next;
    if (call.next) call.next.prev = call.prev;
    const ret = call.match as Node;
    (ret.prev as Node).next = ret.next;
    if (ret.next) ret.next.prev = ret.prev;
  };
  const unlift = (call: Node): void => {
    const ret = call.match as Node;
    (ret.prev as Node).next = ret;
    if (ret.next) ret.next.prev = ret;
    (call.prev as Node).next = call;
    if (call.next) call.next.prev = call;
  };
  const words = Math.ceil(ops.length / 32);
  const linearized = new Uint32Array(words);
  const cache = new Set<string>();
  const stack: Array<{ call: Node; state: RegisterState }> = [];
  let state: RegisterState = null;
  let entry = head.next;
  let steps = 0;
  let deepest = 0;
  while (head.next !== undefined) {
    if (++steps > maxSteps) return { verdict: 'unknown', detail: '', steps };
    if (entry === undefined) return { verdict: 'violation', detail: 'search ran off the end', steps };
    if (entry.isCall) {
      const r = stepModel(state, entry.op);
      let advanced = false;
      if (r.ok) {
        const id = entry.op.id;
        linearized[id >>> 5] = (linearized[id >>> 5] as number) | (1 << (id & 31));
        const key = `${linearized.join(',')}|${r.next ?? '\u0000'}`;
        if (!cache.has(key)) {
          cache.add(key);
          stack.push({ call: entry, state });
          state = r.next;
          lift(entry);
          entry = head.next;
          advanced = true;
          if (stack.length > deepest) deepest = stack.length;
        } else {
          linearized[id >>> 5] = (linearized[id >>> 5] as number) & ~(1 << (id & 31));
        }
      }
      if (!advanced) entry = entry.next;
    } else {
      // A return whose call is not linearized yet: backtrack.
      const top = stack.pop();
      if (top === undefined) {
        const stuck = entry.op;
        return { verdict: 'violation', detail: `no order explains ${describeOp(stuck)} (at most ${deepest} of ${ops.length} operations could be ordered)`, steps };
      }
      state = top.state;
      const id = top.call.op.id;
      linearized[id >>> 5] = (linearized[id >>> 5] as number) & ~(1 << (id & 31));
      unlift(top.call);
      entry = top.call.next;
    }
  }
  return { verdict: 'ok', detail: '', steps };
}

function describeOp(op: Op): string {
  const i = op.input;
  const what = i.op === 'get' ? `get → ${JSON.stringify(op.result?.value ?? null)}` : i.op === 'put' ? `put ${JSON.stringify(i.value)}` : `cas ${JSON.stringify(i.from)}→${JSON.stringify(i.to)} ${op.result ? (op.result.ok ? 'ok' : 'failed') : '?'}`;
  return `${what} [${op.call}–${Number.isFinite(op.ret) ? op.ret : '∞'} µs]`;
}
