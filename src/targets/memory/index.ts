/**
 * The in-process backend: plain Maps, no I/O. It cannot be shared across processes — suites that
 * run it drive their agents inside one process — and it is the floor every other backend is
 * compared against (what coordination costs with no storage, locks or IPC at all).
 */
import type { Backend } from '../ports.js';
import type { AdapterOptions } from '../options.js';
import { MemoryMessageBus } from './bus.js';
import { MemoryLeaderElection } from './election.js';
import { MemoryMemoryStore } from './memory-store.js';
import { MemoryAgentRegistry } from './registry.js';
import { DEFAULT_RETAIN_COMPLETED, MemoryTaskStore } from './tasks.js';

export interface MemoryBackendOptions extends AdapterOptions {
  /** Completed tasks kept for get()/list(); older ones are retired (default 10 000). */
  retainCompleted?: number;
}

export class MemoryBackend implements Backend {
  readonly name = 'memory';
  readonly registry: MemoryAgentRegistry;
  readonly tasks: MemoryTaskStore;
  readonly memory: MemoryMemoryStore;
  readonly election: MemoryLeaderElection;
  readonly bus: MemoryMessageBus;

  constructor(options: MemoryBackendOptions = {}) {
    const now = options.now ?? Date.now;
    this.registry = new MemoryAgentRegistry(now);
    this.tasks = new MemoryTaskStore(now, options.retainCompleted ?? DEFAULT_RETAIN_COMPLETED);
    this.memory = new MemoryMemoryStore(now);
    this.election = new MemoryLeaderElection(now);
    this.bus = new MemoryMessageBus(now);
  }

  reset(): void {
    this.registry.clear();
    this.tasks.clear();
    this.memory.clearAll();
    this.election.clearLease();
    this.bus.clear();
  }

  close(): void {
    this.bus.clear();
  }

  /** Nothing here ever contends or retries; the counters exist so suites read every backend alike. */
  stats(): { retries: Record<string, number>; busy: Record<string, number> } {
    return { retries: {}, busy: {} };
  }
}
