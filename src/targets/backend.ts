/**
 * openBackend(spec, dataDir): the one place a `--backend` spec becomes a Backend.
 *
 *   memory                          in-process Maps (cannot be shared across processes)
 *   sqlite                          <dataDir>/coordination.db
 *   sqlite:PATH                     that file (relative to the working directory)
 *   jsonfile                        JSON files under <dataDir>/coordination-json/
 *   jsonfile:DIR                    JSON files under DIR
 *   redis://… postgres://… nats://… etcd://…   a server (docs/backends.md); `ns=NAME` isolates a run
 *
 * Tuning goes after `?`, e.g. `sqlite:/tmp/x.db?busyTimeout=50&retries=0&pollMs=2&busyWait=spin`,
 * `sqlite?busyTimeout=50`, `jsonfile?lockTimeout=200`, `memory?retainCompleted=100000`. Every process that opens the same spec with the
 * same data folder shares the same store (except memory).
 */
import { isAbsolute, join, resolve } from 'node:path';
import { UsageError } from '../core/parse.js';
import { choiceParam, defineParams, intParam, type Param, type ParamSet, type ParamShape } from '../core/params.js';
import type { AdapterOptions } from './options.js';
import type { Backend } from './ports.js';
import { SERVER_BACKENDS } from './server-backends.js';
import { defaultNamespace, serverUrl, type ServerKind } from './remote/spec.js';

/**
 * A backend kind: its tuning parameters (declared once: query names, units, defaults, help), where
 * its files go by default, and how to open it. The three built-in kinds are defined here so that
 * every process (agent workers included) can open them; more kinds register with registerBackend()
 * from the composition root (src/setup.ts).
 */
export interface BackendDefinition {
  kind: string;
  description: string;
  /** Tuning after "?": each parameter's `flag` is the query name, its key the adapter option. */
  tuning: ParamSet<ParamShape>;
  /** "file" (sqlite:PATH), "dir" (jsonfile:DIR), "none" (memory) or "url" (redis://HOST:PORT; namespace `ns`). */
  location: 'file' | 'dir' | 'none' | 'url';
  /** Default location inside the data folder (file or dir kinds). */
  defaultLocation?: (dataDir: string) => string;
  /** Whether several processes opening the same spec share one store. */
  sharedAcrossProcesses: boolean;
  open(location: string | undefined, tuning: Record<string, number | string>, options: AdapterOptions): Promise<Backend>;
}

const ms = { unit: 'ms' } as const;

export const BUILTIN_BACKENDS: readonly BackendDefinition[] = [
  {
    kind: 'memory',
    description: 'in-process Maps (cannot be shared across processes)',
    tuning: defineParams({
      retainCompleted: intParam({ help: 'completed tasks kept for get()/list(); older ones are retired (default 10000)', min: 0, max: Number.MAX_SAFE_INTEGER }),
    }),
    location: 'none',
    sharedAcrossProcesses: false,
    async open(_location, tuning, options) {
      const { MemoryBackend } = await import('./memory/index.js');
      return new MemoryBackend({ ...options, ...tuning });
    },
  },
  {
    kind: 'sqlite',
    description: 'SQLite file shared by every process (WAL)',
    tuning: defineParams({
      busyTimeoutMs: intParam({ flag: 'busyTimeout', help: 'how long a writer waits for the lock', min: 0, max: Number.MAX_SAFE_INTEGER, ...ms }),
      retries: intParam({ help: 'retries after SQLITE_BUSY outlasted the busy timeout', min: 0, max: Number.MAX_SAFE_INTEGER }),
      pollMs: intParam({ help: 'bus poll interval', min: 0, max: Number.MAX_SAFE_INTEGER, ...ms }),
      retentionMs: intParam({ help: 'how long bus messages are kept', min: 0, max: Number.MAX_SAFE_INTEGER, ...ms }),
      busyWait: choiceParam({ help: 'busy-wait strategy: sqlite (sleeping busy handler) or spin (short jittered pauses)', values: ['sqlite', 'spin'] }),
    }),
    location: 'file',
    defaultLocation: (dataDir) => join(dataDir, 'coordination.db'),
    sharedAcrossProcesses: true,
    async open(location, tuning, options) {
      const { SqliteBackend } = await import('./sqlite/index.js');
      return SqliteBackend.open(location as string, { ...options, ...tuning });
    },
  },
  {
    kind: 'jsonfile',
    description: 'JSON files under a folder, one lock file',
    tuning: defineParams({
      lockTimeoutMs: intParam({ flag: 'lockTimeout', help: 'how long to wait for the lock', min: 0, max: Number.MAX_SAFE_INTEGER, ...ms }),
      staleLockMs: intParam({ flag: 'staleLock', help: 'age after which a lock is taken over', min: 0, max: Number.MAX_SAFE_INTEGER, ...ms }),
      pollMs: intParam({ help: 'lock and bus poll interval', min: 0, max: Number.MAX_SAFE_INTEGER, ...ms }),
    }),
    location: 'dir',
    defaultLocation: (dataDir) => join(dataDir, 'coordination-json'),
    sharedAcrossProcesses: true,
    async open(location, tuning, options) {
      const { JsonFileBackend } = await import('./jsonfile/index.js');
      return JsonFileBackend.open(location as string, { ...options, ...tuning });
    },
  },
  // redis, postgres, nats, etcd: declared in server-backends.ts (here so agent workers can open them).
  ...SERVER_BACKENDS.map((b): BackendDefinition => ({ ...b, location: 'url', sharedAcrossProcesses: true, open: (url, tuning, options) => b.open(url as string, tuning, options) })),
];

export const BACKEND_KINDS = ['memory', 'sqlite', 'jsonfile'] as const;
export type BackendKind = (typeof BACKEND_KINDS)[number];

const backends = new Map<string, BackendDefinition>(BUILTIN_BACKENDS.map((b) => [b.kind, b]));

/** Adds a backend kind (from the composition root). The same definition twice is harmless. */
export function registerBackend(def: BackendDefinition): void {
  const known = backends.get(def.kind);
  if (known !== undefined && known !== def) throw new Error(`backend ${def.kind} is registered twice`);
  backends.set(def.kind, def);
}

export function listBackends(): BackendDefinition[] {
  return [...backends.values()];
}

export function getBackend(kind: string): BackendDefinition | undefined {
  return backends.get(kind);
}

export interface ParsedBackendSpec {
  kind: string;
  /** Absolute file (sqlite) or folder (jsonfile); undefined for memory. */
  location?: string;
  tuning: Record<string, number | string>;
}

function usage(): string {
  const kinds = listBackends().map((b) => (b.location === 'none' ? b.kind : b.location === 'url' ? `${b.kind}://…` : `${b.kind}, ${b.kind}:${b.location === 'file' ? 'PATH' : 'DIR'}`));
  return `expected ${kinds.join(', ')} (tuning after "?", e.g. sqlite?busyTimeout=50)`;
}

/** Query name → [option key, parameter] of a backend's tuning declaration. */
function tuningByQueryName(def: BackendDefinition): Map<string, [string, Param<unknown>]> {
  return new Map(Object.entries(def.tuning.shape).map(([key, p]) => [p.flag ?? key, [key, p]]));
}

export function parseBackendSpec(spec: string, dataDir: string): ParsedBackendSpec {
  const raw = spec.trim();
  const q = raw.indexOf('?');
  const head = q >= 0 ? raw.slice(0, q) : raw;
  const query = q >= 0 ? raw.slice(q + 1) : '';
  const colon = head.indexOf(':');
  const kindText = colon >= 0 ? head.slice(0, colon) : head;
  const arg = colon >= 0 ? head.slice(colon + 1) : undefined;
  const def = backends.get(kindText);
  if (def === undefined) throw new UsageError(`--backend: unknown backend "${spec}"; ${usage()}`);
  const kind = def.kind;
  if (arg !== undefined && arg === '') throw new UsageError(`--backend: "${spec}" has an empty path after ":"; ${usage()}`);
  if (def.location === 'none' && arg !== undefined) throw new UsageError(`--backend: the ${kind} backend takes no path, got "${spec}"`);

  const tuning: Record<string, number | string> = {};
  const byName = tuningByQueryName(def);
  if (query !== '') {
    for (const part of query.split('&')) {
      const [name = '', value] = part.split('=', 2);
      const entry = byName.get(name);
      if (entry === undefined) {
        const known = [...byName.keys()];
        throw new UsageError(`--backend: unknown ${kind} option "${name}" in "${spec}"; ${known.length ? `known: ${known.join(', ')}` : 'it takes none'}`);
      }
      const [key, p] = entry;
      if (p.kind === 'text') {
        tuning[key] = p.parse(`--backend: ${name} in "${spec}"`, value ?? '') as string;
        continue;
      }
      if (p.kind === 'choice') {
        if (value === undefined || !(p.values ?? []).includes(value)) throw new UsageError(`--backend: ${name} in "${spec}" must be one of ${(p.values ?? []).join(', ')}, got "${value ?? ''}"`);
        tuning[key] = value;
        continue;
      }
      // Whole numbers only (no sign, no exponent): the declaration's range is checked after.
      if (value === undefined || !/^\d+$/.test(value)) throw new UsageError(`--backend: ${name} in "${spec}" must be a whole number, got "${value ?? ''}"`);
      tuning[key] = p.parse(`--backend: ${name} in "${spec}"`, value) as number;
    }
  }
  const parsed: ParsedBackendSpec = { kind, tuning };
  if (def.location === 'url') {
    parsed.location = serverUrl(kind as ServerKind, arg, spec);
    tuning.namespace ??= defaultNamespace(dataDir);
  } else if (def.location !== 'none') parsed.location = arg !== undefined ? absolute(arg) : def.defaultLocation?.(dataDir);
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
  return (backends.get(parsed.kind) as BackendDefinition).open(parsed.location, parsed.tuning, options);
}

/** Whether several processes opening this spec share one store (suites choose in-process agents otherwise). */
export function isSharedAcrossProcesses(spec: string): boolean {
  const head = spec.trim().split(/[?:]/, 1)[0] as string;
  return backends.get(head)?.sharedAcrossProcesses ?? true;
}
