/**
 * The server backends' declarations for the backend registry (src/targets/backend.ts): their
 * tuning after `?` (declared once: query names, help, ranges) and how each opens. Adapters load
 * lazily, so a run on sqlite never loads a server client.
 */
import { choiceParam, defineParams, intParam, textParam, type ParamSet, type ParamShape } from '../core/params.js';
import type { AdapterOptions } from './options.js';
import type { Backend } from './ports.js';
import { checkNamespace, type ServerKind } from './remote/spec.js';

export interface ServerBackend {
  kind: ServerKind;
  description: string;
  tuning: ParamSet<ParamShape>;
  open(url: string, tuning: Record<string, number | string>, options: AdapterOptions): Promise<Backend>;
}

const MAX = Number.MAX_SAFE_INTEGER;
const namespace = textParam({ flag: 'ns', help: 'namespace isolating this run on the server (a-z, 0-9, _; default derived from the data folder)', maxLength: 40, check: checkNamespace });
const connectTimeoutMs = intParam({ flag: 'connectTimeout', help: 'how long to wait for the first connection', min: 1, max: MAX, unit: 'ms' });

export const SERVER_BACKENDS: readonly ServerBackend[] = [
  {
    kind: 'redis',
    description: 'Redis: Lua scripts, Streams bus (redis://host:port)',
    tuning: defineParams({
      namespace,
      connectTimeoutMs,
      bus: choiceParam({ help: 'bus: streams (a consumer group per subscriber) or pubsub (at most once, losses counted)', values: ['streams', 'pubsub'] }),
      blockMs: intParam({ help: 'XREADGROUP BLOCK timeout', min: 1, max: MAX, unit: 'ms' }),
    }),
    open: async (url, tuning, options) => (await import('./redis/index.js')).RedisBackend.open(url, { ...options, ...tuning }),
  },
  {
    kind: 'postgres',
    description: 'PostgreSQL: a schema per namespace, SKIP LOCKED claim, LISTEN/NOTIFY bus (postgres://user@host:port/db)',
    tuning: defineParams({
      namespace,
      connectTimeoutMs,
      claim: choiceParam({ help: 'claim: skip-locked (FOR UPDATE SKIP LOCKED) or update-returning (retried on a lost row)', values: ['skip-locked', 'update-returning'] }),
      poolSize: intParam({ help: 'connections per process', min: 1, max: 1000 }),
    }),
    open: async (url, tuning, options) => (await import('./postgres/index.js')).PostgresBackend.open(url, { ...options, ...tuning }),
  },
  {
    kind: 'nats',
    description: 'NATS JetStream: a KV bucket and a stream per namespace (nats://host:port)',
    tuning: defineParams({ namespace, connectTimeoutMs }),
    open: async (url, tuning, options) => (await import('./nats/index.js')).NatsBackend.open(url, { ...options, ...tuning }),
  },
  {
    kind: 'etcd',
    description: 'etcd: a key prefix per namespace, transactions on mod_revision, watch bus (etcd://host:port)',
    tuning: defineParams({ namespace, connectTimeoutMs }),
    open: async (url, tuning, options) => (await import('./etcd/index.js')).EtcdBackend.open(url, { ...options, ...tuning }),
  },
];
