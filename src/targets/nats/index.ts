/**
 * The NATS JetStream backend (`--backend nats://127.0.0.1:4222[?ns=NAME]`): registry, tasks,
 * memory and the lease in one KV bucket (`swarmperf_<ns>`, keys `a.*`, `t.*`, `m.*`, `lease`,
 * `ctr.*`), the bus in a stream (`swarmperf_<ns>_bus`). Every change is a revision-checked KV
 * write; nothing is read-modify-written without the check.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { AdapterOptions } from '../options.js';
import type { Backend, BackendStats } from '../ports.js';
import { Counters } from '../remote/counters.js';
import { ServerUnreachableError, type ServerOptions } from '../remote/spec.js';
import { NatsMessageBus } from './bus.js';
import { NatsLeaderElection } from './election.js';
import { streamKeyLister } from './kv.js';
import { NatsMemoryStore } from './memory-store.js';
import { NatsAgentRegistry } from './registry.js';
import { NatsTaskStore } from './tasks.js';

export type NatsBackendOptions = AdapterOptions & ServerOptions;

const BUS_MAX_MSGS = 100_000;

export class NatsBackend implements Backend {
  readonly name: string;
  readonly registry: NatsAgentRegistry;
  readonly tasks: NatsTaskStore;
  readonly memory: NatsMemoryStore;
  readonly election: NatsLeaderElection;
  readonly bus: NatsMessageBus;
  private readonly counters = new Counters();

  private constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    kv: KV,
    private readonly bucket: string,
    private readonly busStream: string,
    url: string,
    namespace: string,
    options: NatsBackendOptions,
  ) {
    const now = options.now ?? Date.now;
    this.name = `nats:${url.replace(/^nats:\/\//, '//')}?ns=${namespace}`;
    const keysOf = streamKeyLister(jsm, bucket);
    this.registry = new NatsAgentRegistry(kv, now, this.counters, keysOf);
    this.tasks = new NatsTaskStore(kv, now, this.counters, keysOf, async () => (await keysOf('t.>')).length);
    this.memory = new NatsMemoryStore(kv, now, this.counters, keysOf);
    this.election = new NatsLeaderElection(kv, now, this.counters);
    this.bus = new NatsMessageBus(jetstream(nc), jsm, busStream, `swarmperf.${namespace}.bus.`, now);
    void (async () => {
      for await (const s of nc.status()) if (s.type === 'reconnect') this.counters.retry('connection.reconnect');
    })().catch(() => {});
  }

  static async open(url: string, options: NatsBackendOptions = {}): Promise<NatsBackend> {
    const namespace = options.namespace ?? 'default';
    let nc: NatsConnection;
    try {
      nc = await connect({ servers: url, timeout: options.connectTimeoutMs ?? 3000, maxReconnectAttempts: -1 });
    } catch (err) {
      throw new ServerUnreachableError('nats', url, err);
    }
    try {
      const jsm = await jetstreamManager(nc);
      const bucket = `swarmperf_${namespace}`;
      const kv = await new Kvm(nc).create(bucket, { history: 1 });
      const busStream = `swarmperf_${namespace}_bus`;
      await jsm.streams.add({ name: busStream, subjects: [`swarmperf.${namespace}.bus.>`], max_msgs: BUS_MAX_MSGS }).catch(async (err: unknown) => {
        // Another process created it first: the same configuration, so use it.
        if (!(err instanceof Error) || !/already in use|exists/i.test(err.message)) throw err;
      });
      return new NatsBackend(nc, jsm, kv, bucket, busStream, url, namespace, options);
    } catch (err) {
      await nc.close().catch(() => {});
      throw err;
    }
  }

  /** Purges this namespace's tasks, agents, memory and lease; counters and sequences stay. */
  async reset(): Promise<void> {
    const stream = `KV_${this.bucket}`;
    for (const filter of ['a.>', 't.>', 'm.>', 'lease']) await this.jsm.streams.purge(stream, { filter: `$KV.${this.bucket}.${filter}` });
    await this.jsm.streams.purge(this.busStream);
    this.tasks.clearReplica();
  }

  /** Deletes this namespace's bucket and stream (tests clean up after themselves); nothing else. */
  async destroy(): Promise<void> {
    await this.bus.stopAll();
    this.tasks.stop();
    await this.jsm.streams.delete(`KV_${this.bucket}`).catch(() => {});
    await this.jsm.streams.delete(this.busStream).catch(() => {});
  }

  async close(): Promise<void> {
    await this.bus.stopAll();
    this.tasks.stop();
    await this.nc.drain().catch(() => this.nc.close());
  }

  stats(): BackendStats {
    return this.counters.snapshot();
  }
}
