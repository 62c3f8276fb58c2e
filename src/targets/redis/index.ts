/**
 * The Redis backend (`--backend redis://127.0.0.1:6379[?ns=NAME&bus=streams|pubsub]`): every
 * port in one Redis, every key under `swarmperf:{<ns>}:`. Several processes opening the same spec
 * share the store; atomicity comes from Lua scripts (one round trip, run alone on the server).
 */
import type { Redis } from 'ioredis';
import type { AdapterOptions } from '../options.js';
import type { Backend, BackendStats } from '../ports.js';
import { Counters } from '../remote/counters.js';
import type { ServerOptions } from '../remote/spec.js';
import { connectRedis } from './connect.js';
import { RedisMessageBus, type RedisBusMode } from './bus.js';
import { RedisLeaderElection } from './election.js';
import { RedisKeys } from './keys.js';
import { RedisMemoryStore } from './memory-store.js';
import { RedisAgentRegistry } from './registry.js';
import { escapeRedisGlob, scanKeys } from './script.js';
import { RedisTaskStore } from './tasks.js';

export interface RedisBackendOptions extends AdapterOptions, ServerOptions {
  bus?: RedisBusMode;
  /** XREADGROUP BLOCK timeout, ms (default 1000): how long a reader waits before asking again. */
  blockMs?: number;
}

export class RedisBackend implements Backend {
  readonly name: string;
  readonly registry: RedisAgentRegistry;
  readonly tasks: RedisTaskStore;
  readonly memory: RedisMemoryStore;
  readonly election: RedisLeaderElection;
  readonly bus: RedisMessageBus;
  private readonly counters = new Counters();
  private readonly keys: RedisKeys;

  private constructor(
    private readonly redis: Redis,
    url: string,
    namespace: string,
    options: RedisBackendOptions,
  ) {
    const now = options.now ?? Date.now;
    const mode = options.bus ?? 'streams';
    this.keys = new RedisKeys(namespace);
    this.name = `redis:${url.replace(/^redis:\/\//, '//')}?ns=${namespace}${mode === 'pubsub' ? '&bus=pubsub' : ''}`;
    this.registry = new RedisAgentRegistry(redis, this.keys, now);
    this.tasks = new RedisTaskStore(redis, this.keys, now);
    this.memory = new RedisMemoryStore(redis, this.keys, now);
    this.election = new RedisLeaderElection(redis, this.keys, now);
    this.bus = new RedisMessageBus(redis, this.keys, now, mode, this.counters, options.blockMs ?? 1000);
    redis.on('reconnecting', () => this.counters.retry('connection.reconnect'));
  }

  static async open(url: string, options: RedisBackendOptions = {}): Promise<RedisBackend> {
    const namespace = options.namespace ?? 'default';
    const redis = await connectRedis(url, options.connectTimeoutMs ?? 3000);
    return new RedisBackend(redis, url, namespace, options);
  }

  /** Deletes this namespace's data (never another key on the server); counters survive. */
  async reset(): Promise<void> {
    await this.deleteKeys((k) => !k.startsWith(`${this.keys.prefix}ctr:`));
  }

  /** Deletes EVERY key of this namespace, counters included (tests clean up after themselves). */
  async destroy(): Promise<void> {
    await this.deleteKeys(() => true);
  }

  async close(): Promise<void> {
    await this.bus.stopAll();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  stats(): BackendStats {
    return this.counters.snapshot();
  }

  private async deleteKeys(keep: (key: string) => boolean): Promise<void> {
    const keys = (await scanKeys(this.redis, `${escapeRedisGlob(this.keys.prefix)}*`)).filter(keep);
    for (let i = 0; i < keys.length; i += 500) await this.redis.unlink(...keys.slice(i, i + 500));
  }
}
