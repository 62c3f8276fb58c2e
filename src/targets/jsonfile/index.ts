/**
 * The jsonfile backend: JSON documents in one folder guarded by lock files, as many agent systems
 * keep their registry, tasks, orchestrator state and message bus today. It is here to be measured
 * against: every write rewrites a whole file under a global lock, which is what a swarm outgrows.
 * Shared across processes on one machine.
 */
import { writeFileAtomic } from '../../core/atomic-write.js';
import type { AdapterOptions } from '../options.js';
import type { Backend, BackendStats } from '../ports.js';
import { BUS_FILE, BUS_STATE_FILE, JsonMessageBus } from './bus.js';
import { JsonDocuments } from './documents.js';
import { JsonLeaderElection } from './election.js';
import { JsonMemoryStore, MEMORY_FILE } from './memory-store.js';
import { JsonAgentRegistry, REGISTRY_FILE } from './registry.js';
import { JsonTaskStore, TASKS_FILE, type TasksDoc } from './tasks.js';

export interface JsonFileBackendOptions extends AdapterOptions {
  /** Give up waiting for a lock file after this long, ms. Default 5000. */
  lockTimeoutMs?: number;
  /** Break lock files older than this, ms. Default 10 000. */
  staleLockMs?: number;
  /** Bus subscriber poll period, ms. Default 2. */
  pollMs?: number;
}

export const JSONFILE_DEFAULTS = { lockTimeoutMs: 5000, staleLockMs: 10_000, pollMs: 2 } as const;

export class JsonFileBackend implements Backend {
  readonly name: string;
  readonly registry: JsonAgentRegistry;
  readonly tasks: JsonTaskStore;
  readonly memory: JsonMemoryStore;
  readonly election: JsonLeaderElection;
  readonly bus: JsonMessageBus;

  private constructor(
    private readonly docs: JsonDocuments,
    options: JsonFileBackendOptions,
  ) {
    const now = options.now ?? Date.now;
    this.name = `jsonfile:${docs.dir}`;
    this.registry = new JsonAgentRegistry(docs, now);
    this.tasks = new JsonTaskStore(docs, now);
    this.memory = new JsonMemoryStore(docs, now);
    this.election = new JsonLeaderElection(docs, now);
    this.bus = new JsonMessageBus(docs, now, options.pollMs ?? JSONFILE_DEFAULTS.pollMs);
  }

  static open(dir: string, options: JsonFileBackendOptions = {}): Promise<JsonFileBackend> {
    const docs = new JsonDocuments(dir, {
      lockTimeoutMs: options.lockTimeoutMs ?? JSONFILE_DEFAULTS.lockTimeoutMs,
      staleLockMs: options.staleLockMs ?? JSONFILE_DEFAULTS.staleLockMs,
    });
    return Promise.resolve(new JsonFileBackend(docs, options));
  }

  async reset(): Promise<void> {
    const stamp = new Date().toISOString();
    await this.docs.locked('reset', REGISTRY_FILE, () => writeFileAtomic(this.docs.path(REGISTRY_FILE), JSON.stringify({ version: '1.0.0', agents: [], last_updated: stamp, lock_version: 0 }, null, 2)));
    // Keep next_seq: task ids are never reused.
    await this.docs.update('reset', TASKS_FILE, () => ({ version: '1.0.0', next_seq: 1, tasks: [], last_updated: stamp, lock_version: 0 }) as TasksDoc, (doc) => {
      doc.tasks = [];
      return { result: undefined, changed: true };
    });
    await this.docs.locked('reset', MEMORY_FILE, () => writeFileAtomic(this.docs.path(MEMORY_FILE), JSON.stringify({ version: '1.0.0', entries: {}, last_updated: stamp, lock_version: 0 }, null, 2)));
    await this.election.clear();
    // Bus seqs (bus-state.json) are kept so subscribers never see a seq twice; the log is emptied.
    await this.docs.locked('reset', BUS_STATE_FILE, () => writeFileAtomic(this.docs.path(BUS_FILE), ''));
  }

  close(): void {
    this.bus.stopAll();
  }

  stats(): BackendStats {
    return this.docs.stats();
  }
}
