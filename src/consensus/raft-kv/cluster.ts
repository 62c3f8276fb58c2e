/**
 * A Raft key-value cluster in the deterministic simulator: N Raft servers on the generic simulator
 * host, with the safety checker listening to every node. A crash loses the node's volatile state
 * and every write whose fsync had not completed; term, vote and log come back from the durable
 * image (with no storage model, every change is durable at once).
 */
import type { Rng } from '../../measure/rng.js';
import type { FaultRecord, FaultSchedule } from '../../sim/faults.js';
import { SafetyChecker } from '../checkers/safety.js';
import { SimHost, type ClientDriver, type SimHostOptions } from '../host/sim-host.js';
import type { ClientRequest } from '../kv/messages.js';
import { kvCommandBytes } from '../kv/store.js';
import { newPersistentState, RaftNode, type PersistentState, type RaftConfig } from '../raft/node.js';
import type { Entry } from '../raft/types.js';
import { RaftHost } from './server.js';

export { CLIENT_EVENT_BASE, type ClientDriver } from '../host/sim-host.js';

/** The simulator host's settings (network, CPU, disk, seed) plus Raft's. */
export interface SimClusterOptions extends SimHostOptions {
  /** Election timeout range, µs. */
  electionTimeoutUs: readonly [number, number];
  heartbeatUs: number;
  preVote?: boolean;
  checkQuorum?: boolean;
  batch?: boolean;
  maxEntriesPerAppend?: number;
  timerReset?: RaftConfig['timerReset'];
  /** Compare every pair of logs at each new leader (cheap on small runs; always done at the end). */
  checkLogsOnElection?: boolean;
  /** Builds nodes; tests pass a faulty subclass to prove the checkers catch it. */
  nodeFactory?: (config: RaftConfig, persistent: PersistentState) => RaftNode;
  /** Builds servers; tests pass one that sends before its state is durable. */
  serverFactory?: (node: RaftNode, observer: ConstructorParameters<typeof RaftHost>[1]) => RaftHost;
}

export interface ClusterListener {
  leaderElected?(node: number, term: number, atUs: number): void;
  applied?(node: number, entry: Entry, atUs: number): void;
  fault?(record: FaultRecord): void;
  crashed?(node: number, atUs: number): void;
}

export class SimCluster {
  readonly checker = new SafetyChecker();
  readonly listeners: ClusterListener[] = [];
  readonly hostSim: SimHost<RaftHost>;
  /** Durable state of each node as of its last completed write (what a restart finds on disk). */
  private readonly images: Array<PersistentState | undefined>;

  constructor(readonly options: SimClusterOptions) {
    this.images = new Array<PersistentState | undefined>(options.nodes).fill(undefined);
    this.hostSim = new SimHost<RaftHost>(options, (id, rng, restarted) => this.makeServer(id, rng, restarted));
    this.hostSim.listeners.push({
      fault: (r) => {
        for (const l of this.listeners) l.fault?.(r);
      },
      crashed: (node, atUs, lost) => {
        this.images[node] = lost.durable.restore();
        for (const l of this.listeners) l.crashed?.(node, atUs);
      },
      restarted: (node) => this.checker.restarted(node),
    });
  }

  get sim(): SimHost<RaftHost>['sim'] {
    return this.hostSim.sim;
  }
  get network(): SimHost<RaftHost>['network'] {
    return this.hostSim.network;
  }
  get nodeCount(): number {
    return this.hostSim.nodeCount;
  }
  get now(): number {
    return this.hostSim.now;
  }
  get raftMessages(): number {
    return this.hostSim.protocolMessages;
  }
  get raftBytes(): number {
    return this.hostSim.protocolBytes;
  }
  get faultLog(): FaultRecord[] {
    return this.hostSim.faultLog;
  }

  clientEndpoint(client: number): number {
    return this.hostSim.clientEndpoint(client);
  }
  attachClients(driver: ClientDriver): void {
    this.hostSim.attachClients(driver);
  }
  applyFaults(schedule: FaultSchedule, offsetUs = 0): void {
    this.hostSim.applyFaults(schedule, offsetUs);
  }
  at(atUs: number, fn: () => void): void {
    this.hostSim.at(atUs, fn);
  }
  runUntil(atUs: number): void {
    this.hostSim.runUntil(atUs);
  }
  isUp(node: number): boolean {
    return this.hostSim.isUp(node);
  }
  host(node: number): RaftHost | undefined {
    return this.hostSim.node(node);
  }
  currentLeader(): number | undefined {
    return this.hostSim.currentLeader();
  }
  crash(node: number): void {
    this.hostSim.crash(node);
  }
  restart(node: number): void {
    this.hostSim.restart(node);
  }

  /** Makes a live node start an election now (bootstrapping a cluster whose timers are in lockstep). */
  campaign(node: number): void {
    const server = this.hostSim.node(node);
    if (!server) return;
    server.node.campaignNow();
    this.hostSim.poke(node);
  }

  /** Sends a client request into the network (the client's own link latency applies). */
  sendClientRequest(client: number, node: number, req: ClientRequest): void {
    this.hostSim.sendFromClient(client, node, req, 24 + kvCommandBytes({ ...req.op, client: req.client, seq: req.seq }));
  }

  /** Every node's log: live nodes' in memory, crashed nodes' as on their disk. */
  logs(): Array<PersistentState['log']> {
    return Array.from({ length: this.nodeCount }, (_, i) => this.hostSim.node(i)?.node.log ?? (this.images[i] as PersistentState).log);
  }

  /** Final checks: log matching across all logs, completeness of live leaders, durability of acknowledged writes. */
  finalChecks(): void {
    const now = this.now;
    this.checker.checkLogs(this.logs(), now);
    const leaders: Array<{ node: number; term: number; log: PersistentState['log'] }> = [];
    for (let i = 0; i < this.nodeCount; i++) {
      const h = this.host(i);
      if (h && h.node.role === 'leader') leaders.push({ node: i, term: h.node.term, log: h.node.log });
    }
    this.checker.checkFinal(leaders, now);
  }

  private makeServer(i: number, rng: Rng, restarted: boolean): RaftHost {
    const o = this.options;
    const config: RaftConfig = {
      id: i,
      members: Array.from({ length: o.nodes }, (_, k) => k),
      electionTimeoutTicks: [o.electionTimeoutUs[0], o.electionTimeoutUs[1]],
      heartbeatTicks: o.heartbeatUs,
      preVote: o.preVote ?? false,
      checkQuorum: o.checkQuorum ?? true,
      batch: o.batch ?? true,
      maxEntriesPerAppend: o.maxEntriesPerAppend ?? 256,
      timerReset: o.timerReset ?? 'paper',
      rng,
    };
    const persistent = restarted ? (this.images[i] ?? newPersistentState()) : newPersistentState();
    const node = o.nodeFactory ? o.nodeFactory(config, persistent) : new RaftNode(config, persistent);
    const observer = {
      leaderElected: (id: number, term: number, atUs: number) => {
        this.checker.leaderElected(id, term, node.log, atUs);
        if (o.checkLogsOnElection) this.checker.checkLogs(this.logs(), atUs);
        for (const l of this.listeners) l.leaderElected?.(id, term, atUs);
      },
      applied: (id: number, entry: Entry, atUs: number) => {
        this.checker.applied(id, entry, atUs);
        for (const l of this.listeners) l.applied?.(id, entry, atUs);
      },
    };
    return o.serverFactory ? o.serverFactory(node, observer) : new RaftHost(node, observer);
  }
}
