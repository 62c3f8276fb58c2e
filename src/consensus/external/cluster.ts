/**
 * n copies of the user's node binary as one cluster: ids n1…nN, `init {node_id, node_ids}` and
 * `init_ok` (plus a workload's setup message, e.g. broadcast's `topology`), node-to-node messages
 * routed through LinkRules (latency, loss, duplication, reordering, partitions, down nodes — the
 * same rules as real mode's fault proxy), client RPCs matched by `in_reply_to`.
 *
 * Crash = SIGKILL; restart = a fresh process, initialised again: a Maelstrom node keeps no durable
 * state (one that must survive a crash keeps its own, e.g. a file named after its node id). Pause
 * = SIGSTOP until SIGCONT. Client ↔ node messages are not delayed or cut (clients reach every live
 * node, as in Maelstrom and Jepsen).
 */
import { Rng } from '../../measure/rng.js';
import type { LatencySpec } from '../../sim/latency.js';
import type { RealFaultHost } from '../real/fault-timer.js';
import { LinkRules } from '../real/links.js';
import { NodeProcess, type MaelstromBody, type MaelstromMessage } from './node-process.js';

export interface ClusterOptions {
  command: string;
  args?: readonly string[];
  nodes: number;
  latency: LatencySpec;
  loss: number;
  duplicate?: number;
  reorder?: number;
  seed: number;
  /** How long each node has to answer `init` (and the setup message). */
  initTimeoutMs: number;
  /** A message every node gets after init_ok and must acknowledge (broadcast: topology). */
  setupMessage?: (id: string, ids: readonly string[]) => MaelstromBody | undefined;
}

/** A node could not be started or initialised (the --node command is at fault). */
export class NodeStartError extends Error {}

/** The id swarmperf's own requests (init, setup) come from; workload clients are c1, c2, … */
const ADMIN = 'c0';

export class MaelstromCluster implements RealFaultHost {
  readonly ids: string[];
  readonly links: LinkRules;
  readonly nodeCount: number;
  /** Node-to-node messages sent; client requests and replies (swarmperf's own init/setup excluded). */
  serverMessages = 0;
  clientMessages = 0;
  private readonly procs: Array<NodeProcess | undefined>;
  private readonly up: boolean[];
  private readonly pending = new Map<string, (body: MaelstromBody) => void>();
  private msgId = 0;
  private stderr: string[] = [];
  private readonly index = new Map<string, number>();

  constructor(private readonly o: ClusterOptions) {
    this.nodeCount = o.nodes;
    this.ids = Array.from({ length: o.nodes }, (_, i) => `n${i + 1}`);
    this.ids.forEach((id, i) => this.index.set(id, i));
    this.links = new LinkRules(o.nodes, o.latency, new Rng(o.seed).fork(), { loss: o.loss, duplicate: o.duplicate ?? 0, reorder: o.reorder ?? 0 });
    this.procs = new Array<NodeProcess | undefined>(o.nodes).fill(undefined);
    this.up = new Array<boolean>(o.nodes).fill(false);
  }

  /** The last lines nodes wrote to stderr (and protocol complaints), for error messages and the report. */
  get stderrTail(): string {
    return this.stderr.join('\n');
  }

  private note(line: string): void {
    this.stderr = [...this.stderr.slice(-20), line];
  }

  private spawn(i: number): NodeProcess {
    const id = this.ids[i] as string;
    const proc: NodeProcess = new NodeProcess(
      id,
      this.o.command,
      this.o.args ?? [],
      (m) => {
        // A killed incarnation's last lines may still arrive: they are not the new process's.
        if (this.procs[i] === proc) this.route(i, m);
      },
      (l) => this.note(l),
    );
    this.procs[i] = proc;
    return proc;
  }

  private route(from: number, m: MaelstromMessage): void {
    const to = this.index.get(m.dest);
    if (to !== undefined) {
      this.serverMessages++;
      for (const delayUs of this.links.plan(from, to)) {
        setTimeout(() => {
          // Checked again at arrival: a partition or crash that began in flight drops it.
          if (this.links.open(from, to)) this.procs[to]?.send(m);
        }, delayUs / 1000);
      }
      return;
    }
    const admin = m.dest === ADMIN;
    if (!admin) this.clientMessages++;
    const resolve = this.pending.get(`${m.dest}:${m.body.in_reply_to ?? ''}`);
    if (resolve) {
      this.pending.delete(`${m.dest}:${m.body.in_reply_to ?? ''}`);
      resolve(m.body);
    } else if (!/^c\d+$/.test(m.dest) && m.body.msg_id !== undefined) {
      // An RPC to a Maelstrom service (seq-kv, lin-kv, lww-kv …) swarmperf does not provide.
      this.procs[from]?.send({ src: m.dest, dest: this.ids[from] as string, body: { type: 'error', in_reply_to: m.body.msg_id, code: 1, text: `no node or service "${m.dest}" (swarmperf provides no Maelstrom services)` } });
    }
  }

  /** Sends a client request to node i; resolves with the reply body, or 'timeout'. */
  rpc(client: string, i: number, body: MaelstromBody, timeoutMs: number): Promise<MaelstromBody | 'timeout'> {
    const id = ++this.msgId;
    const key = `${client}:${id}`;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(key);
        resolve('timeout');
      }, timeoutMs);
      this.pending.set(key, (b) => {
        clearTimeout(timer);
        resolve(b);
      });
      if (client !== ADMIN) this.clientMessages++;
      this.procs[i]?.send({ src: client, dest: this.ids[i] as string, body: { ...body, msg_id: id } });
    });
  }

  /** Spawns node i and initialises it; rejects with the reason when it cannot start or answer. */
  private async boot(i: number): Promise<void> {
    const proc = this.spawn(i);
    const id = this.ids[i] as string;
    const stderr = (): string => (this.stderr.length ? `; stderr:\n${this.stderrTail}` : '');
    const gone = proc.exited.then((why) => `node ${id} ${why}`);
    const ask = async (body: MaelstromBody, want: string): Promise<string | undefined> => {
      const reply = await Promise.race([this.rpc(ADMIN, i, body, this.o.initTimeoutMs), gone]);
      if (typeof reply === 'string') return reply === 'timeout' ? `node ${id} did not answer ${body.type} with ${want}` : `${reply} before answering ${body.type}`;
      if (reply.type !== want) return `node ${id} answered ${body.type} with ${JSON.stringify(reply).slice(0, 200)}, not ${want}`;
      return undefined;
    };
    const initError = await ask({ type: 'init', node_id: id, node_ids: this.ids }, 'init_ok');
    if (initError) throw new Error(initError + stderr());
    const setup = this.o.setupMessage?.(id, this.ids);
    if (setup) {
      const setupError = await ask(setup, `${setup.type}_ok`);
      if (setupError) throw new Error(setupError + stderr());
    }
    this.up[i] = true;
    this.links.setDown(i, false);
  }

  /** Starts every node; one failure fails the start with every failing node named. */
  async start(): Promise<void> {
    const results = await Promise.allSettled(this.ids.map((_, i) => this.boot(i)));
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [r.reason instanceof Error ? r.reason.message : String(r.reason)] : []));
    if (failed.length > 0) {
      // One line per node, the stderr tail once.
      const lines = failed.map((f) => f.split('; stderr:')[0]);
      throw new NodeStartError(`${lines.join('; ')}${this.stderr.length ? `; stderr:\n${this.stderrTail}` : ''}`);
    }
    this.serverMessages = 0;
    this.clientMessages = 0;
  }

  isUp(i: number): boolean {
    return this.up[i] === true;
  }

  /** External nodes do not say who leads: leader targets are rejected up front. */
  currentLeader(): number | undefined {
    return undefined;
  }

  crash(i: number): void {
    this.up[i] = false;
    this.links.setDown(i, true);
    this.procs[i]?.kill();
  }

  /** A fresh process in the crashed one's place, initialised again. */
  async restart(i: number): Promise<void> {
    if (this.up[i]) return;
    this.procs[i]?.kill();
    try {
      await this.boot(i);
    } catch (err) {
      this.note(`restart of ${this.ids[i]}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  pause(i: number): void {
    this.procs[i]?.pause();
  }

  resume(i: number): void {
    this.procs[i]?.resume();
  }

  stop(): void {
    for (const p of this.procs) p?.kill();
  }
}
