/**
 * A PBFT key-value cluster in the simulator: replicas on the generic simulator host, a client
 * library that accepts a result once f + 1 replicas agree on it, and the agreement checker.
 */
import type { Rng } from '../../measure/rng.js';
import type { CheckResult } from '../../core/result.js';
import type { FaultSchedule } from '../../sim/faults.js';
import type { SharedSetup } from '../bench/params.js';
import { SimHost, type ClientDriver } from '../host/sim-host.js';
import type { KvClusterPort } from '../kv/clients.js';
import type { ClientRequest } from '../kv/messages.js';
import { kvCommandBytes } from '../kv/store.js';
import { PbftReplica, type ByzantineBehaviour, type Ordered, type PbftReply } from './replica.js';

export interface PbftSetup extends SharedSetup {
  checkpointInterval: number;
  window: number;
  viewChangeTimeoutUs: number;
  /** 0-based replica → behaviour. */
  byzantine: Map<number, ByzantineBehaviour>;
  slowUs: number;
  /** Authentication CPU per message sent and per message received (MACs or signatures). */
  authSendUs: number;
  authVerifyUs: number;
}

/**
 * PBFT's safety property, checked on what the honest replicas report: at every sequence number
 * they executed the same request; and every write a client accepted was executed by an honest
 * replica. Byzantine replicas may report anything, so they are not listened to.
 */
export class AgreementChecker {
  private readonly executedAt = new Map<number, { replica: number; digest: string }>();
  private readonly executedRequests = new Set<string>();
  private readonly acknowledged: string[] = [];
  readonly violations: string[] = [];
  executions = 0;

  constructor(private readonly byzantine: ReadonlySet<number>) {}

  executed(replica: number, seq: number, digest: string, req: Ordered): void {
    if (this.byzantine.has(replica)) return;
    this.executions++;
    if (req !== null) this.executedRequests.add(`${req.client}:${req.seq}`);
    const first = this.executedAt.get(seq);
    if (!first) this.executedAt.set(seq, { replica, digest });
    else if (first.digest !== digest && this.violations.length < 20) {
      this.violations.push(`honest replicas ${first.replica + 1} and ${replica + 1} executed different requests at sequence ${seq} ("${first.digest}" vs "${digest}")`);
    }
  }

  acknowledgedWrite(client: number, seq: number): void {
    this.acknowledged.push(`${client}:${seq}`);
  }

  results(): CheckResult[] {
    const lost = this.acknowledged.filter((k) => !this.executedRequests.has(k));
    return [
      {
        name: 'agreement (honest replicas)',
        passed: this.violations.length === 0,
        detail: this.violations.length === 0 ? `${this.executedAt.size} sequence numbers, every honest replica executed the same request at each` : this.violations.slice(0, 3).join('; '),
      },
      {
        name: 'acknowledged writes executed',
        passed: lost.length === 0,
        detail: lost.length === 0 ? `${this.acknowledged.length} acknowledged writes, all executed by honest replicas` : `${lost.length} acknowledged write(s) no honest replica executed, e.g. ${lost.slice(0, 3).join(', ')}`,
      },
    ];
  }

  get acknowledgedCount(): number {
    return this.acknowledged.length;
  }
}

export class PbftCluster implements KvClusterPort {
  readonly host: SimHost<PbftReplica>;
  readonly checker: AgreementChecker;
  readonly f: number;
  viewChanges = 0;
  lastViewChangeAt = -1;
  private driver: ClientDriver | undefined;
  /** Replies gathered per command until f + 1 agree. */
  private readonly votes = new Map<string, Map<string, Set<number>>>();
  private readonly accepted = new Set<string>();
  private maxView = 0;

  constructor(readonly setup: PbftSetup) {
    this.f = Math.floor((setup.nodes - 1) / 3);
    this.checker = new AgreementChecker(new Set(setup.byzantine.keys()));
    const processing = {
      perMessageUs: (setup.processing?.perMessageUs ?? 0) + setup.authVerifyUs,
      perEntryUs: setup.processing?.perEntryUs ?? 0,
      perSendUs: setup.authSendUs,
    };
    this.host = new SimHost<PbftReplica>({ ...setup, processing }, (id, rng, _restarted) => this.makeReplica(id, rng));
    this.host.attachClients({
      onReply: (client, message) => this.onReply(client, message as PbftReply),
      onEvent: (e) => this.driver?.onEvent(e),
    });
  }

  get sim(): SimHost<PbftReplica>['sim'] {
    return this.host.sim;
  }
  get now(): number {
    return this.host.now;
  }
  get nodeCount(): number {
    return this.host.nodeCount;
  }

  attachClients(driver: ClientDriver): void {
    this.driver = driver;
  }

  applyFaults(schedule: FaultSchedule): void {
    this.host.applyFaults(schedule);
  }

  sendClientRequest(client: number, node: number, req: ClientRequest): void {
    this.host.sendFromClient(client, node, req, 24 + kvCommandBytes({ ...req.op, client: req.client, seq: req.seq }));
  }

  /** The client library's rule: a result counts once f + 1 replicas report it (one of them is honest). */
  private onReply(client: number, r: PbftReply): void {
    const key = `${client}:${r.seq}`;
    if (this.accepted.has(key)) return;
    const byResult = this.votes.get(key) ?? new Map<string, Set<number>>();
    this.votes.set(key, byResult);
    const rk = JSON.stringify(r.result ?? null);
    const who = byResult.get(rk) ?? new Set<number>();
    byResult.set(rk, who);
    who.add(r.replica);
    if (who.size < this.f + 1) return;
    this.accepted.add(key);
    this.votes.delete(key);
    this.driver?.onReply(client, { type: 'reply', client, seq: r.seq, ok: true, result: r.result } satisfies Omit<PbftReply, 'replica' | 'view'>);
  }

  private makeReplica(id: number, rng: Rng): PbftReplica {
    const s = this.setup;
    const byz = s.byzantine.get(id);
    return new PbftReplica(
      {
        id,
        nodes: s.nodes,
        checkpointInterval: s.checkpointInterval,
        window: s.window,
        viewChangeTimeoutUs: s.viewChangeTimeoutUs,
        ...(byz ? { byzantine: byz } : {}),
        byzantineIds: [...s.byzantine.keys()],
        slowUs: s.slowUs,
        rng,
      },
      {
        executed: (replica, seq, digest, req) => this.checker.executed(replica, seq, digest, req),
        viewChanged: (_replica, view, atUs) => {
          if (view > this.maxView) {
            this.maxView = view;
            this.viewChanges++;
            this.lastViewChangeAt = atUs;
          }
        },
      },
      this.host ? this.host.now : 0,
    );
  }
}
