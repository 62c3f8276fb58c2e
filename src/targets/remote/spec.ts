/**
 * What the server backends (redis, postgres, nats, etcd) share in their `--backend` spec: the
 * server URL before `?`, and the namespace that keeps one run's state apart from everything else
 * on a shared server. Every key, table or bucket an adapter touches lives under its namespace, and
 * `reset()` removes only that namespace.
 */
import { createHash } from 'node:crypto';
import { UsageError } from '../../core/errors.js';

export const SERVER_KINDS = ['redis', 'postgres', 'nats', 'etcd'] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];

/** Lower-case letters, digits and `_`, so the namespace is a valid Redis key part, SQL schema, NATS bucket and etcd prefix alike. */
const NAMESPACE = /^[a-z0-9_]{1,40}$/;

export function isServerKind(kind: string): kind is ServerKind {
  return (SERVER_KINDS as readonly string[]).includes(kind);
}

/** `ns=NAME`, checked; `label` names where it came from (e.g. `--backend: ns in "redis://…"`). */
export function checkNamespace(label: string, value: string): string {
  if (!NAMESPACE.test(value)) throw new UsageError(`${label} must be 1-40 characters of a-z, 0-9 and _, got "${value}"`);
  return value;
}

/**
 * The namespace when the spec names none: derived from the data folder, so every process of one
 * run (they all get the same data folder) shares one store, as they share one sqlite file, while
 * two checkouts with different data folders never see each other's state.
 */
export function defaultNamespace(dataDir: string): string {
  return `d${createHash('sha256').update(dataDir).digest('hex').slice(0, 12)}`;
}

/** `redis://host:port` → the URL the client takes; a spec without `//` after the kind is a usage error. */
export function serverUrl(kind: ServerKind, arg: string | undefined, spec: string): string {
  if (arg === undefined || !arg.startsWith('//') || arg.length <= 2) {
    throw new UsageError(`--backend: "${spec}" needs a server address, e.g. ${EXAMPLE_URL[kind]}`);
  }
  return `${kind}:${arg}`;
}

export const EXAMPLE_URL: Record<ServerKind, string> = {
  redis: 'redis://127.0.0.1:6379',
  postgres: 'postgres://postgres@127.0.0.1:5432/test',
  nats: 'nats://127.0.0.1:4222',
  etcd: 'etcd://127.0.0.1:2379',
};

/** Options every server adapter takes (besides the clock): where the server is and whose state to touch. */
export interface ServerOptions {
  /** Isolates this run's keys/tables/buckets on the server. */
  namespace?: string;
  /** Milliseconds to wait for the first connection (default 3000). */
  connectTimeoutMs?: number;
}

/** Thrown when the server cannot be reached at open: the message names the server and how to start it. */
export class ServerUnreachableError extends Error {
  readonly code = 'SERVER_UNREACHABLE';
  constructor(kind: ServerKind, url: string, cause: unknown) {
    super(`${kind} server at ${url} is not reachable (${cause instanceof Error ? cause.message : String(cause)}); start it with: bash scripts/services.sh start`);
    this.name = 'ServerUnreachableError';
  }
}
