/**
 * External consensus nodes through the Maelstrom protocol (JSON lines on stdin/stdout): swarmperf
 * spawns n copies of the user's node binary, sends each `init` and waits for `init_ok`, routes
 * node-to-node messages through its own network (with a seeded latency), and drives a lin-kv
 * workload from closed-loop clients spread over all nodes, on few enough keys that they meet.
 * The history is checked with the project's linearizability checker (per key).
 *
 * Outcomes follow Maelstrom's error semantics: codes 0 (timeout) and 13 (crash) are indefinite —
 * the operation may or may not have happened, so it enters the history with an unknown return;
 * the other codes are definite failures (the operation did not happen) and leave the history,
 * except 20 (key does not exist: a read of nothing) and 22 (precondition failed: a cas that did
 * not swap), which are results. A client RPC that outlives the timeout is indefinite too.
 *
 * Not yet: partitions, crashes and pauses from the simulator's fault schedule; the broadcast,
 * g-set and unique-ids workloads; open-loop arrivals.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Rng } from '../../measure/rng.js';
import { sampleLatency, type LatencySpec } from '../../sim/latency.js';
import { checkLinearizability, type HistoryOp, type LinearizabilityResult } from '../checkers/linearizability.js';
import type { KvOp, KvResult } from '../kv/store.js';

export interface MaelstromOptions {
  /** The node binary and its arguments (spawned directly, no shell). */
  command: string;
  args?: string[];
  nodes: number;
  clients: number;
  /** Distinct keys the clients share (few, so that operations meet). */
  keys: number;
  /** Client operations in all (closed loop, stops earlier at durationMs). */
  operations: number;
  durationMs: number;
  /** A client RPC unanswered this long is indefinite (Maelstrom's timeout). */
  rpcTimeoutMs?: number;
  /** One-way latency of node-to-node messages (default uniform 0–2 ms). */
  latency?: LatencySpec;
  /** Share of node-to-node messages lost (0..1). */
  loss?: number;
  seed?: number;
  /** How long each node has to answer `init` (default 10 s). */
  initTimeoutMs?: number;
}

export interface MaelstromOutcome {
  history: HistoryOp[];
  linearizability: LinearizabilityResult;
  /** Messages between nodes / between clients and nodes (requests and replies). */
  serverMessages: number;
  clientMessages: number;
  msgsPerOp: { server: number; client: number };
  ops: { invoked: number; ok: number; definiteFail: number; indefinite: number };
  /** ok / invoked. */
  availability: number;
  /** Latency of completed client operations, µs. */
  latencyUs: { p50: number; p90: number; p99: number; max: number };
  /** Every client operation: name (read, write, cas), start (µs since the run began), latency, error code if any. */
  records: OpRecord[];
  /** Lines nodes wrote to stderr (last few), for the report when something breaks. */
  stderrTail: string;
}

export interface OpRecord {
  name: 'read' | 'write' | 'cas';
  atUs: number;
  latencyUs: number;
  /** 'ok', a Maelstrom error code (e.g. "22"), or "timeout". */
  outcome: string;
}

interface Message {
  src: string;
  dest: string;
  body: Record<string, unknown> & { type: string; msg_id?: number; in_reply_to?: number };
}

const INDEFINITE = new Set([0, 13]);

class NodeProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** Resolves with why the process is gone (failed to start, or exited). */
  readonly exited: Promise<string>;
  constructor(
    readonly id: string,
    command: string,
    args: string[],
    onMessage: (m: Message) => void,
    onStderr: (line: string) => void,
  ) {
    this.child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdin.on('error', () => {}); // a node that exits is reported by its missing replies
    this.exited = new Promise((resolve) => {
      this.child.once('error', (err) => resolve(`cannot start "${command}": ${err.message}`));
      this.child.once('exit', (code, signal) => resolve(`exited (${signal ?? `code ${code}`})`));
    });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      try {
        onMessage(JSON.parse(line) as Message);
      } catch {
        onStderr(`${id}: not a JSON message on stdout: ${line.slice(0, 200)}`);
      }
    });
    createInterface({ input: this.child.stderr }).on('line', (line) => onStderr(`${id}: ${line}`));
  }
  send(m: Message): void {
    if (this.child.stdin.writable) this.child.stdin.write(JSON.stringify(m) + '\n');
  }
  kill(): void {
    this.child.kill('SIGKILL');
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

export async function runMaelstromLinKv(o: MaelstromOptions): Promise<MaelstromOutcome> {
  const rng = new Rng(o.seed ?? 1);
  const latency: LatencySpec = o.latency ?? { kind: 'uniform', minUs: 0, maxUs: 2_000 };
  const loss = o.loss ?? 0;
  const rpcTimeoutMs = o.rpcTimeoutMs ?? 1_000;
  const ids = Array.from({ length: o.nodes }, (_, i) => `n${i + 1}`);
  let stderr: string[] = [];
  let serverMessages = 0;
  let clientMessages = 0;
  const pending = new Map<string, (body: Message['body']) => void>();
  const t0 = process.hrtime.bigint();
  const nowUs = (): number => Number((process.hrtime.bigint() - t0) / 1000n);

  const nodes = new Map<string, NodeProcess>();
  const route = (m: Message): void => {
    if (nodes.has(m.dest)) {
      serverMessages++;
      if (loss > 0 && rng.bool(loss)) return;
      setTimeout(() => nodes.get(m.dest)?.send(m), sampleLatency(latency, rng) / 1000);
      return;
    }
    clientMessages++;
    const key = `${m.dest}:${m.body.in_reply_to ?? ''}`;
    const resolve = pending.get(key);
    if (resolve) {
      pending.delete(key);
      resolve(m.body);
    }
  };
  for (const id of ids) nodes.set(id, new NodeProcess(id, o.command, o.args ?? [], route, (l) => (stderr = [...stderr.slice(-20), l])));

  let msgId = 0;
  const rpc = (client: string, node: string, body: Record<string, unknown> & { type: string }, timeoutMs: number): Promise<Message['body'] | 'timeout'> => {
    const id = ++msgId;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        pending.delete(`${client}:${id}`);
        resolve('timeout');
      }, timeoutMs);
      pending.set(`${client}:${id}`, (b) => {
        clearTimeout(timer);
        resolve(b);
      });
      clientMessages++;
      nodes.get(node)?.send({ src: client, dest: node, body: { ...body, msg_id: id } });
    });
  };

  try {
    // A node that cannot start or exits before init_ok fails the run at once, with its reason.
    const gone = Promise.race([...nodes.values()].map((n) => n.exited.then((why) => `${n.id} ${why}`)));
    const inits = await Promise.race([Promise.all(ids.map((id) => rpc('c0', id, { type: 'init', node_id: id, node_ids: ids }, o.initTimeoutMs ?? 10_000))), gone]);
    if (typeof inits === 'string') throw new Error(`node ${inits} before answering init${stderr.length ? `; stderr:\n${stderr.join('\n')}` : ''}`);
    const failed = inits.map((b, i) => [ids[i], b] as const).filter(([, b]) => b === 'timeout' || b.type !== 'init_ok');
    if (failed.length > 0) throw new Error(`nodes ${failed.map(([id]) => id).join(', ')} did not answer init with init_ok${stderr.length ? `; stderr:\n${stderr.join('\n')}` : ''}`);
    clientMessages = 0; // the workload's messages only

    const history: HistoryOp[] = [];
    const latencies: number[] = [];
    const records: OpRecord[] = [];
    const ops = { invoked: 0, ok: 0, definiteFail: 0, indefinite: 0 };
    const deadline = Date.now() + o.durationMs;
    let remaining = o.operations;
    const client = async (c: number): Promise<void> => {
      const name = `c${c + 1}`;
      const node = ids[c % ids.length] as string;
      while (remaining > 0 && Date.now() < deadline) {
        remaining--;
        const key = String(rng.int(0, o.keys - 1));
        const kind = rng.int(0, 2);
        const op: KvOp = kind === 0 ? { op: 'get', key } : kind === 1 ? { op: 'put', key, value: String(rng.int(0, 4)) } : { op: 'cas', key, from: String(rng.int(0, 4)), to: String(rng.int(0, 4)) };
        const body = op.op === 'get' ? { type: 'read', key: Number(key) } : op.op === 'put' ? { type: 'write', key: Number(key), value: Number(op.value) } : { type: 'cas', key: Number(key), from: Number(op.from), to: Number(op.to) };
        ops.invoked++;
        const call = nowUs();
        const reply = await rpc(name, node, body, rpcTimeoutMs);
        const ret = nowUs();
        const result = outcome(op, reply);
        records.push({ name: body.type as OpRecord['name'], atUs: call, latencyUs: ret - call, outcome: reply === 'timeout' ? 'timeout' : reply.type === 'error' ? String(reply.code) : 'ok' });
        if (result === 'indefinite') {
          ops.indefinite++;
          history.push({ client: c, op, call });
        } else if (result === 'failed') {
          ops.definiteFail++;
        } else {
          ops.ok++; // a cas that did not swap is a known outcome too
          latencies.push(ret - call);
          history.push({ client: c, op, call, ret, result });
        }
      }
    };
    await Promise.all(Array.from({ length: o.clients }, (_, c) => client(c)));
    const linearizability = checkLinearizability(history);
    latencies.sort((a, b) => a - b);
    const done = Math.max(1, ops.invoked);
    return {
      history,
      records,
      linearizability,
      serverMessages,
      clientMessages,
      msgsPerOp: { server: serverMessages / done, client: clientMessages / done },
      ops,
      availability: ops.ok / done,
      latencyUs: { p50: percentile(latencies, 50), p90: percentile(latencies, 90), p99: percentile(latencies, 99), max: latencies.at(-1) ?? 0 },
      stderrTail: stderr.join('\n'),
    };
  } finally {
    for (const n of nodes.values()) n.kill();
  }
}

/** A reply as a history result: known (with the value), a definite failure, or indefinite. */
function outcome(op: KvOp, reply: Message['body'] | 'timeout'): KvResult | 'failed' | 'indefinite' {
  if (reply === 'timeout') return 'indefinite';
  if (reply.type === 'error') {
    const code = Number(reply.code);
    if (INDEFINITE.has(code)) return 'indefinite';
    if (code === 20 && op.op === 'get') return { value: null, ok: true };
    if ((code === 20 || code === 22) && op.op === 'cas') return { value: null, ok: false };
    return 'failed';
  }
  if (op.op === 'get' && reply.type === 'read_ok') return { value: reply.value === null || reply.value === undefined ? null : String(reply.value as number), ok: true };
  if (op.op === 'put' && reply.type === 'write_ok') return { value: op.value, ok: true };
  if (op.op === 'cas' && reply.type === 'cas_ok') return { value: op.to, ok: true };
  return 'failed';
}
