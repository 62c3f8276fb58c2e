/**
 * A real Raft cluster on this machine: one worker thread per node, each a TCP server on loopback;
 * node-to-node traffic through the fault proxy; crash = terminate the worker (its file survives),
 * restart = a new worker on the same file. Everything the nodes report (leaders, applied entries,
 * final logs) feeds the same safety checker as in the simulator.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Rng } from '../../measure/rng.js';
import { SafetyChecker, type LogView } from '../checkers/safety.js';
import type { ClientReply, ClientRequest } from '../kv/messages.js';
import type { Entry } from '../raft/types.js';
import type { RaftSetup } from '../raft-kv/setup.js';
import { readFrames, writeFrame } from './frames.js';
import type { FromWorker, NodeWorkerData, ToWorker } from './node-worker.js';
import { FaultProxy } from './proxy.js';

/**
 * Starts the worker script: compiled JS in dist/, or — when running from the TypeScript sources
 * (tests, tsx) — the .ts file behind tsx's loader, registered inside the worker (Node 20 workers
 * do not inherit --import).
 */
function startWorker(data: NodeWorkerData): Worker {
  const js = new URL('./node-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return new Worker(js, { workerData: data });
  const ts = new URL('./node-worker.ts', import.meta.url).href;
  const api = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/index\.cjs$/, 'index.mjs')).href;
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(ts)}); });`;
  return new Worker(boot, { eval: true, workerData: data });
}

class ArrayLog implements LogView {
  constructor(private readonly entries: readonly Entry[]) {}
  get lastIndex(): number {
    return this.entries.length;
  }
  term(i: number): number | undefined {
    return i === 0 ? 0 : this.entries[i - 1]?.term;
  }
  entry(i: number): Entry | undefined {
    return this.entries[i - 1];
  }
}

class TermsLog implements LogView {
  constructor(private readonly terms: readonly number[]) {}
  get lastIndex(): number {
    return this.terms.length;
  }
  term(i: number): number | undefined {
    return i === 0 ? 0 : this.terms[i - 1];
  }
  entry(): Entry | undefined {
    return undefined;
  }
}

export const nowEpochUs = (): number => Math.round((performance.timeOrigin + performance.now()) * 1000);

export class RealCluster {
  readonly checker = new SafetyChecker();
  readonly proxy: FaultProxy;
  readonly nodeCount: number;
  private readonly dir: string;
  private readonly workers: Array<Worker | undefined>;
  private readonly ports: Array<number | undefined>;
  private readonly clientSockets: Array<Socket | undefined>;
  private readonly leaders = new Map<number, number>();
  private readonly up: boolean[];
  private readonly seedRng: Rng;
  private replyHandler: (r: ClientReply) => void = () => undefined;
  readonly leaderListeners: Array<(node: number, term: number, atUs: number) => void> = [];
  readonly warnings: string[] = [];
  private dumps = new Map<number, Entry[]>();
  private diskWrites = 0;
  private readonly incarnations: number[] = [];
  private diskWriteUs = 0;
  private dumpWaiters: Array<() => void> = [];

  constructor(
    private readonly setup: RaftSetup,
    private readonly fsync = setup.realFsync ?? false,
  ) {
    this.nodeCount = setup.nodes;
    this.dir = mkdtempSync(join(tmpdir(), 'swarmperf-raft-'));
    this.seedRng = new Rng(setup.seed);
    this.proxy = new FaultProxy(setup.nodes, setup.latency, this.seedRng.fork(), { loss: setup.loss, duplicate: setup.duplicate, reorder: setup.reorder });
    this.workers = new Array<Worker | undefined>(setup.nodes).fill(undefined);
    this.ports = new Array<number | undefined>(setup.nodes).fill(undefined);
    this.clientSockets = new Array<Socket | undefined>(setup.nodes).fill(undefined);
    this.up = new Array<boolean>(setup.nodes).fill(false);
  }

  onReply(fn: (r: ClientReply) => void): void {
    this.replyHandler = fn;
  }

  async start(): Promise<void> {
    await this.proxy.start();
    await Promise.all(Array.from({ length: this.nodeCount }, (_, i) => this.spawn(i)));
  }

  isUp(i: number): boolean {
    return this.up[i] === true;
  }

  /** The up node that most recently announced leadership of the highest term. */
  currentLeader(): number | undefined {
    let best: number | undefined;
    let bestTerm = -1;
    for (const [term, node] of this.leaders) if (term > bestTerm && this.up[node]) [best, bestTerm] = [node, term];
    return best;
  }

  get highestLeaderTerm(): number {
    let t = 0;
    for (const term of this.leaders.keys()) t = Math.max(t, term);
    return t;
  }

  private spawn(i: number): Promise<void> {
    const s = this.setup;
    const incarnation = (this.incarnations[i] = (this.incarnations[i] ?? 0) + 1);
    const data: NodeWorkerData = {
      protocol: 'raft',
      id: i,
      members: Array.from({ length: s.nodes }, (_, k) => k),
      electionTimeoutUs: [s.electionTimeoutUs[0], s.electionTimeoutUs[1]],
      heartbeatUs: s.heartbeatUs,
      preVote: s.preVote,
      checkQuorum: s.checkQuorum,
      batch: s.batch,
      maxEntriesPerAppend: s.maxEntriesPerAppend,
      seed: this.seedRng.nextU32(),
      dataPath: join(this.dir, `node-${i + 1}.log`),
      fsync: this.fsync,
    };
    const worker = startWorker(data);
    this.workers[i] = worker;
    return new Promise((resolve, reject) => {
      worker.on('error', (e) => {
        this.warnings.push(`node ${i + 1}: ${e.message}`);
        reject(e);
      });
      worker.on('message', (msg: FromWorker) => {
        // A killed worker's last messages can arrive after its node restarted; the checker must not
        // read the old incarnation's applied entries as the new one's.
        if (this.incarnations[i] !== incarnation) return;
        switch (msg.type) {
          case 'ready':
            this.ports[i] = msg.port;
            this.up[i] = true;
            this.proxy.setTarget(i, msg.port);
            this.proxy.setDown(i, false);
            this.connectClient(i, msg.port);
            worker.postMessage({ type: 'peers', ports: this.proxy.ports } satisfies ToWorker);
            resolve();
            return;
          case 'leader':
            this.leaders.set(msg.term, msg.node);
            this.checker.leaderElected(msg.node, msg.term, new TermsLog(msg.terms ?? []), msg.atUs);
            for (const l of this.leaderListeners) l(msg.node, msg.term, msg.atUs);
            return;
          case 'applied':
            for (const a of msg.entries) this.checker.applied(msg.node, a.entry, a.atUs);
            return;
          case 'dump':
            this.dumps.set(msg.node, msg.entries);
            this.diskWrites += msg.writes;
            this.diskWriteUs += msg.writeUs;
            if (this.dumps.size === this.up.filter(Boolean).length) for (const w of this.dumpWaiters.splice(0)) w();
            return;
          case 'warn':
            this.warnings.push(msg.message);
        }
      });
    });
  }

  private connectClient(i: number, port: number): void {
    this.clientSockets[i]?.destroy();
    const s = createConnection({ host: '127.0.0.1', port });
    s.setNoDelay(true);
    s.on('error', () => undefined);
    readFrames(s, (f) => this.replyHandler(f as ClientReply));
    this.clientSockets[i] = s;
  }

  sendClientRequest(node: number, req: ClientRequest): boolean {
    const s = this.clientSockets[node];
    if (!s || s.destroyed || !this.up[node]) return false;
    return writeFrame(s, req);
  }

  async crash(i: number): Promise<void> {
    if (!this.up[i]) return;
    this.up[i] = false;
    this.proxy.setDown(i, true);
    this.proxy.setTarget(i, undefined);
    this.clientSockets[i]?.destroy();
    this.clientSockets[i] = undefined;
    const w = this.workers[i];
    this.workers[i] = undefined;
    await w?.terminate();
  }

  async restart(i: number): Promise<void> {
    if (this.up[i]) return;
    this.checker.restarted(i);
    await this.spawn(i);
  }

  /** Mean time of one durable write (append + fsync when on), µs, over the live nodes' files at the last final check. */
  fsyncMeanUs(): number {
    return this.diskWrites > 0 ? Math.round(this.diskWriteUs / this.diskWrites) : 0;
  }

  /** Collects every live node's log and runs the end-of-run checks. */
  async finalChecks(): Promise<void> {
    this.dumps = new Map();
    const live = this.workers.filter((w, i) => w && this.up[i]) as Worker[];
    if (live.length > 0) {
      const done = new Promise<void>((resolve) => {
        this.dumpWaiters.push(resolve);
        setTimeout(resolve, 5000);
      });
      for (const w of live) w.postMessage({ type: 'dump' } satisfies ToWorker);
      await done;
    }
    await new Promise((r) => setTimeout(r, 20)); // let the last applied batches arrive
    const logs: Array<LogView | undefined> = [];
    for (let i = 0; i < this.nodeCount; i++) {
      const e = this.dumps.get(i);
      logs.push(e ? new ArrayLog(e) : undefined);
    }
    const now = nowEpochUs();
    this.checker.checkLogs(logs, now);
    const leader = this.currentLeader();
    const leaderLog = leader === undefined ? undefined : logs[leader];
    this.checker.checkFinal(leader !== undefined && leaderLog ? [{ node: leader, term: this.highestLeaderTerm, log: leaderLog }] : [], now);
  }

  async stop(): Promise<void> {
    for (const s of this.clientSockets) s?.destroy();
    await Promise.all(this.workers.map((w) => w?.terminate()));
    await this.proxy.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
