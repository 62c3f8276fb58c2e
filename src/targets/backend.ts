/**
 * openBackend(spec, dataDir): the one place a `--backend` spec becomes a Backend.
 *
 *   memory                          in-process Maps (cannot be shared across processes)
 *   sqlite                          <dataDir>/coordination.db
 *   sqlite:PATH                     that file (relative to the working directory)
 *   jsonfile                        JSON files under <dataDir>/coordination-json/
 *   jsonfile:DIR                    JSON files under DIR
 *   redis://… postgres://… nats://… etcd://…   a server (see docs/backends.md); `ns=NAME` isolates a run
 *
 * Tuning goes after `?`, e.g. `sqlite:/tmp/x.db?busyTimeout=50&retries=0&pollMs=2&busyWait=spin`,
 * `sqlite?busyTimeout=50`, `jsonfile?lockTimeout=200`. Every process that opens the same spec with the
 * same data folder shares the same store (except memory).
 */
import { isAbsolute, join, resolve } from 'node:path';
import { UsageError } from '../core/parse.js';
import type { AdapterOptions } from './options.js';
import { checkNamespaceParam, defaultNamespace, isServerKind, serverUrl } from './remote/spec.js';
import type { Backend } from './ports.js';

export const BACKEND_KINDS = ['memory', 'sqlite', 'jsonfile', 'redis', 'postgres', 'nats', 'etcd'] as const;
export type BackendKind = (typeof BACKEND_KINDS)[number];

/** Query parameters each kind accepts → option name. All are non-negative whole numbers. */
const TUNING: Record<BackendKind, Record<string, string>> = {
  memory: {},
  sqlite: { busyTimeout: 'busyTimeoutMs', retries: 'retries', pollMs: 'pollMs', retentionMs: 'retentionMs' },
  jsonfile: { lockTimeout: 'lockTimeoutMs', staleLock: 'staleLockMs', pollMs: 'pollMs' },
  redis: { connectTimeout: 'connectTimeoutMs', blockMs: 'blockMs' },
  postgres: { connectTimeout: 'connectTimeoutMs', poolSize: 'poolSize' },
  nats: { connectTimeout: 'connectTimeoutMs' },
  etcd: { connectTimeout: 'connectTimeoutMs' },
};

/** Query parameters that name one of a few strategies → option name and the allowed values. */
const CHOICES: Record<BackendKind, Record<string, { option: string; values: readonly string[] }>> = {
  memory: {},
  sqlite: { busyWait: { option: 'busyWait', values: ['sqlite', 'spin'] } },
  jsonfile: {},
  redis: { bus: { option: 'bus', values: ['streams', 'pubsub'] } },
  postgres: { claim: { option: 'claim', values: ['skip-locked', 'update-returning'] } },
  nats: {},
  etcd: {},
};

export interface ParsedBackendSpec {
  kind: BackendKind;
  /** Absolute file (sqlite) or folder (jsonfile); undefined for memory. */
  location?: string;
  tuning: Record<string, number | string>;
}

const USAGE = 'expected memory, sqlite, sqlite:PATH, jsonfile, jsonfile:DIR, redis://…, postgres://…, nats://… or etcd://… (tuning after "?", e.g. sqlite?busyTimeout=50)';

export function parseBackendSpec(spec: string, dataDir: string): ParsedBackendSpec {
  const raw = spec.trim();
  const q = raw.indexOf('?');
  const head = q >= 0 ? raw.slice(0, q) : raw;
  const query = q >= 0 ? raw.slice(q + 1) : '';
  const colon = head.indexOf(':');
  const kindText = colon >= 0 ? head.slice(0, colon) : head;
  const arg = colon >= 0 ? head.slice(colon + 1) : undefined;
  if (!(BACKEND_KINDS as readonly string[]).includes(kindText)) throw new UsageError(`--backend: unknown backend "${spec}"; ${USAGE}`);
  const kind = kindText as BackendKind;
  if (arg !== undefined && arg === '') throw new UsageError(`--backend: "${spec}" has an empty path after ":"; ${USAGE}`);
  if (kind === 'memory' && arg !== undefined) throw new UsageError(`--backend: the memory backend takes no path, got "${spec}"`);

  const tuning: Record<string, number | string> = {};
  if (query !== '') {
    for (const part of query.split('&')) {
      const [name = '', value] = part.split('=', 2);
      if (name === 'ns' && isServerKind(kind)) {
        tuning.namespace = checkNamespaceParam(spec, value);
        continue;
      }
      const choice = CHOICES[kind][name];
      if (choice !== undefined) {
        if (value === undefined || !choice.values.includes(value)) {
          throw new UsageError(`--backend: ${name} in "${spec}" must be one of ${choice.values.join(', ')}, got "${value ?? ''}"`);
        }
        tuning[choice.option] = value;
        continue;
      }
      const option = TUNING[kind][name];
      if (option === undefined) {
        const known = [...Object.keys(TUNING[kind]), ...Object.keys(CHOICES[kind])];
        throw new UsageError(`--backend: unknown ${kind} option "${name}" in "${spec}"; ${known.length ? `known: ${known.join(', ')}` : 'it takes none'}`);
      }
      if (value === undefined || !/^\d+$/.test(value)) throw new UsageError(`--backend: ${name} in "${spec}" must be a whole number, got "${value ?? ''}"`);
      tuning[option] = Number(value);
    }
  }
  const parsed: ParsedBackendSpec = { kind, tuning };
  if (kind === 'sqlite') parsed.location = arg !== undefined ? absolute(arg) : join(dataDir, 'coordination.db');
  if (kind === 'jsonfile') parsed.location = arg !== undefined ? absolute(arg) : join(dataDir, 'coordination-json');
  if (isServerKind(kind)) {
    parsed.location = serverUrl(kind, arg, spec);
    tuning.namespace ??= defaultNamespace(dataDir);
  }
  return parsed;
}

function absolute(path: string): string {
  return isAbsolute(path) ? path : resolve(path);
}

/**
 * Opens the backend a spec names. Adapters load lazily, so using the memory backend never loads
 * the SQLite native module.
 */
export async function openBackend(spec: string, dataDir: string, options: AdapterOptions = {}): Promise<Backend> {
  const parsed = parseBackendSpec(spec, dataDir);
  switch (parsed.kind) {
    case 'memory': {
      const { MemoryBackend } = await import('./memory/index.js');
      return new MemoryBackend(options);
    }
    case 'sqlite': {
      const { SqliteBackend } = await import('./sqlite/index.js');
      return SqliteBackend.open(parsed.location as string, { ...options, ...parsed.tuning });
    }
    case 'jsonfile': {
      const { JsonFileBackend } = await import('./jsonfile/index.js');
      return JsonFileBackend.open(parsed.location as string, { ...options, ...parsed.tuning });
    }
    case 'redis':
      return (await import('./redis/index.js')).RedisBackend.open(parsed.location as string, { ...options, ...parsed.tuning });
    case 'postgres':
      return (await import('./postgres/index.js')).PostgresBackend.open(parsed.location as string, { ...options, ...parsed.tuning });
    case 'nats':
      return (await import('./nats/index.js')).NatsBackend.open(parsed.location as string, { ...options, ...parsed.tuning });
    case 'etcd':
      return (await import('./etcd/index.js')).EtcdBackend.open(parsed.location as string, { ...options, ...parsed.tuning });
  }
}

/** Whether several processes opening this spec share one store (suites choose in-process agents otherwise). */
export function isSharedAcrossProcesses(spec: string): boolean {
  return !spec.trim().startsWith('memory');
}
