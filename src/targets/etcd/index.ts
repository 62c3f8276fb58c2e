/**
 * The etcd backend (`--backend etcd://127.0.0.1:2379[?ns=NAME]`): every port under the key prefix
 * `swarmperf/<ns>/` (agents `a/`, tasks `t/`, memory `m/`, the lease, bus messages `bus/`,
 * counters `ctr/`). Every change is a transaction on mod_revision; reset() deletes the prefix's
 * data keys and nothing else.
 */
import { Etcd3, type Namespace } from 'etcd3';
import type { AdapterOptions } from '../options.js';
import type { Backend, BackendStats } from '../ports.js';
import { Counters } from '../remote/counters.js';
import { ServerUnreachableError, type ServerOptions } from '../remote/spec.js';
import { EtcdMessageBus } from './bus.js';
import { EtcdLeaderElection } from './election.js';
import { EtcdMemoryStore } from './memory-store.js';
import { EtcdAgentRegistry } from './registry.js';
import { EtcdTaskStore } from './tasks.js';

export type EtcdBackendOptions = AdapterOptions & ServerOptions;

/** Prefixes reset() clears; `ctr/` (task ids) survives, and the epoch is etcd's own revision. */
const DATA_PREFIXES = ['a/', 't/', 'm/', 'lease', 'bus/'];

export class EtcdBackend implements Backend {
  readonly name: string;
  readonly registry: EtcdAgentRegistry;
  readonly tasks: EtcdTaskStore;
  readonly memory: EtcdMemoryStore;
  readonly election: EtcdLeaderElection;
  readonly bus: EtcdMessageBus;
  private readonly counters = new Counters();

  private constructor(
    private readonly client: Etcd3,
    private readonly ns: Namespace,
    url: string,
    namespace: string,
    options: EtcdBackendOptions,
  ) {
    const now = options.now ?? Date.now;
    this.name = `etcd:${url.replace(/^etcd:\/\//, '//')}?ns=${namespace}`;
    this.registry = new EtcdAgentRegistry(ns, now, this.counters);
    this.tasks = new EtcdTaskStore(ns, now, this.counters);
    this.memory = new EtcdMemoryStore(client, ns, now, this.counters);
    this.election = new EtcdLeaderElection(ns, now, this.counters);
    this.bus = new EtcdMessageBus(ns, now);
  }

  static async open(url: string, options: EtcdBackendOptions = {}): Promise<EtcdBackend> {
    const namespace = options.namespace ?? 'default';
    const client = new Etcd3({ hosts: url.replace(/^etcd:/, 'http:'), dialTimeout: options.connectTimeoutMs ?? 3000 });
    const ns = client.namespace(`swarmperf/${namespace}/`);
    try {
      await ns.get('ctr/task').exec();
    } catch (err) {
      client.close();
      throw new ServerUnreachableError('etcd', url, err);
    }
    return new EtcdBackend(client, ns, url, namespace, options);
  }

  async reset(): Promise<void> {
    for (const prefix of DATA_PREFIXES) await this.ns.delete().prefix(prefix).exec();
    this.tasks.clearReplica();
  }

  /** Deletes every key of this namespace (tests clean up after themselves); nothing else. */
  async destroy(): Promise<void> {
    await this.ns.delete().all().exec();
  }

  async close(): Promise<void> {
    await this.bus.stopAll();
    await this.tasks.stop();
    this.client.close();
  }

  stats(): BackendStats {
    return this.counters.snapshot();
  }
}
