/**
 * `--backend module:./my-adapter.js`: a user's ES module implementing some or all of the five
 * ports. The module exports `createBackend(options)` (or a default export of that function) that
 * returns — or resolves to — a PartialBackend. Every agent process imports the module itself, so
 * the path is resolved to an absolute one (agents inherit the working directory) and the adapter
 * must share its state through something several processes see (files, a server).
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { UsageError } from '../../core/errors.js';
import type { AdapterOptions } from '../options.js';
import type { Backend } from '../ports.js';
import { completeBackend, PORT_NAMES, type PartialBackend, type PortName } from './ports.js';

/** What createBackend() receives. */
export interface AdapterModuleOptions extends AdapterOptions {
  /** The absolute path of the module (an adapter may keep its files next to it). */
  modulePath: string;
}

export type CreateBackend = (options: AdapterModuleOptions) => PartialBackend | Promise<PartialBackend>;

/** The methods each port must have when an adapter provides it (a typo fails at open, not mid-run). */
export const PORT_METHODS: Record<PortName, readonly string[]> = {
  registry: ['register', 'heartbeat', 'deregister', 'list', 'reapStale'],
  tasks: ['create', 'update', 'claim', 'complete', 'list', 'get'],
  memory: ['store', 'retrieve', 'delete', 'list', 'search', 'clear', 'export', 'import', 'purgeExpired'],
  election: ['campaign', 'renew', 'resign', 'current'],
  bus: ['publish', 'subscribe'],
};

export async function openModuleBackend(path: string | undefined, options: AdapterOptions = {}): Promise<Backend> {
  if (path === undefined) throw new UsageError('--backend module: expected the path of your adapter module, e.g. module:./my-adapter.mjs');
  const where = `--backend module:${path}`;
  if (!existsSync(path)) throw new UsageError(`${where}: no such file`);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (err) {
    throw new UsageError(`${where}: the module failed to load: ${err instanceof Error ? err.message : String(err)}`);
  }
  const create = (typeof mod.createBackend === 'function' ? mod.createBackend : mod.default) as CreateBackend | undefined;
  if (typeof create !== 'function') throw new UsageError(`${where}: the module exports neither createBackend(options) nor a default function (see examples/adapter-template.mjs)`);
  let parts: PartialBackend;
  try {
    parts = await create({ ...options, modulePath: path });
  } catch (err) {
    throw new UsageError(`${where}: createBackend() failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (parts === null || typeof parts !== 'object') throw new UsageError(`${where}: createBackend() returned ${parts === null ? 'null' : typeof parts}, expected an object with some of ${PORT_NAMES.join(', ')}`);
  checkPorts(parts, where);
  return completeBackend(parts, `module:${typeof parts.name === 'string' && parts.name !== '' ? parts.name : path}`);
}

function checkPorts(parts: PartialBackend, where: string): void {
  const have = PORT_NAMES.filter((p) => parts[p] !== undefined && parts[p] !== null);
  if (have.length === 0) throw new UsageError(`${where}: createBackend() returned none of the ports ${PORT_NAMES.join(', ')}`);
  for (const port of have) {
    const impl = parts[port] as unknown as Record<string, unknown>;
    const missing = PORT_METHODS[port].filter((m) => typeof impl[m] !== 'function');
    if (missing.length > 0) throw new UsageError(`${where}: the ${port} port lacks ${missing.map((m) => `${m}()`).join(', ')}`);
  }
}
