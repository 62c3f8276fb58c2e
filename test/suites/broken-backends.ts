/**
 * Deliberately broken adapters (tests only): each is the memory backend with one port replaced by
 * a plausible buggy implementation of the kind real swarms ship. Each suite must FAIL against them.
 */
import { MemoryBackend } from '../../src/targets/memory/index.js';
import {
  VersionConflictError,
  type AgentInfo,
  type AgentRecord,
  type AgentRegistry,
  type Backend,
  type BusHandler,
  type Lease,
  type LeaderElection,
  type MemoryEntry,
  type MemoryStore,
  type MessageBus,
  type NewTask,
  type Task,
  type TaskPatch,
  type TaskStatus,
  type TaskStore,
} from '../../src/targets/ports.js';

type Ports = Partial<Pick<Backend, 'registry' | 'tasks' | 'memory' | 'election' | 'bus'>> & { reset?: () => void };

function compose(name: string, ports: Ports): Backend {
  const base = new MemoryBackend();
  return {
    name,
    registry: ports.registry ?? base.registry,
    tasks: ports.tasks ?? base.tasks,
    memory: ports.memory ?? base.memory,
    election: ports.election ?? base.election,
    bus: ports.bus ?? base.bus,
    reset() {
      base.reset();
      ports.reset?.();
    },
    close() {
      base.close();
    },
  };
}

// ── tasks ────────────────────────────────────────────────────────────────────────────────────

export interface RacyTaskBugs {
  /** claim = SELECT, yield, UPDATE — no transaction, no re-check: two agents can take one task. */
  nonAtomicClaim?: boolean;
  /** claim ignores dependencies. */
  ignoreDependencies?: boolean;
  /** claim never returns tasks of priority below 3 (they stay pending forever). */
  skipLowPriority?: boolean;
  /** Not a bug: a correct but slow claim (waits this long first, atomically) — for drain deadlines. */
  claimDelayMs?: number;
}

export class BuggyTaskStore implements TaskStore {
  private tasks = new Map<string, Task>();
  private seq = 0;
  constructor(private readonly bugs: RacyTaskBugs) {}

  clear(): void {
    this.tasks.clear();
  }

  create(t: NewTask): Task {
    const now = Date.now();
    const task: Task = { id: `task-${++this.seq}`, title: t.title, priority: t.priority, dependsOn: [...(t.dependsOn ?? [])], status: 'pending', claimedBy: null, result: null, version: 1, createdAt: now, updatedAt: now };
    this.tasks.set(task.id, task);
    return { ...task };
  }

  update(id: string, patch: TaskPatch, expectedVersion: number): Task {
    const t = this.tasks.get(id);
    if (!t) throw new Error(`no task ${id}`);
    if (t.version !== expectedVersion) throw new VersionConflictError(id, expectedVersion, t.version);
    Object.assign(t, patch, { version: t.version + 1, updatedAt: Date.now() });
    return { ...t };
  }

  async claim(workerId: string): Promise<Task | null> {
    if (this.bugs.claimDelayMs) await new Promise((resolve) => setTimeout(resolve, this.bugs.claimDelayMs));
    const candidates = [...this.tasks.values()]
      .filter((t) => t.status === 'pending')
      .filter((t) => this.bugs.ignoreDependencies || t.dependsOn.every((d) => this.tasks.get(d)?.status === 'completed'))
      .filter((t) => !this.bugs.skipLowPriority || t.priority >= 3)
      .sort((a, b) => b.priority - a.priority || a.createdAt - b.createdAt);
    const pick = candidates[0];
    if (!pick) return null;
    // The race window between the read and the write (a round trip to the store, in real life).
    if (this.bugs.nonAtomicClaim) await new Promise((resolve) => setTimeout(resolve, 1));
    pick.status = 'claimed';
    pick.claimedBy = workerId;
    pick.version++;
    return { ...pick };
  }

  complete(id: string, result: unknown): boolean {
    const t = this.tasks.get(id);
    if (!t || t.status !== 'claimed') return false;
    t.status = 'completed';
    t.result = result;
    t.version++;
    return true;
  }

  list(status?: TaskStatus): Task[] {
    return [...this.tasks.values()].filter((t) => status === undefined || t.status === status).map((t) => ({ ...t }));
  }

  get(id: string): Task | null {
    const t = this.tasks.get(id);
    return t ? { ...t } : null;
  }
}

export function buggyTasksBackend(bugs: RacyTaskBugs): Backend {
  const tasks = new BuggyTaskStore(bugs);
  return compose('buggy-tasks', { tasks, reset: () => tasks.clear() });
}

// ── memory ───────────────────────────────────────────────────────────────────────────────────

/** search ignores the namespace of the pattern (the "search ignores namespaces" complaint). */
export function leakySearchBackend(): Backend {
  const base = new MemoryBackend();
  const memory = delegateMemory(base.memory, {
    search: (pattern: string, query?: string) => base.memory.search(`*${pattern.slice(pattern.indexOf('/'))}`, query),
  });
  return { ...backendOf(base), memory };
}

/** store acknowledges every 40th write without keeping it. */
export function lostWriteBackend(): Backend {
  const base = new MemoryBackend();
  let n = 0;
  const memory = delegateMemory(base.memory, {
    store: (ns: string, key: string, value: string, ttlMs?: number): MemoryEntry => {
      if (++n % 40 === 0) {
        const t = Date.now();
        return { namespace: ns, key, fullKey: `${ns}/${key}`, value, createdAt: t, updatedAt: t, expiresAt: null };
      }
      return base.memory.store(ns, key, value, ttlMs);
    },
  });
  return { ...backendOf(base), memory };
}

function delegateMemory(base: MemoryStore, overrides: Partial<MemoryStore>): MemoryStore {
  return {
    store: (ns, key, value, ttlMs) => base.store(ns, key, value, ttlMs),
    retrieve: (ns, key) => base.retrieve(ns, key),
    delete: (ns, key) => base.delete(ns, key),
    list: (ns, prefix) => base.list(ns, prefix),
    search: (pattern, query) => base.search(pattern, query),
    clear: (ns) => base.clear(ns),
    export: () => base.export(),
    import: (entries) => base.import(entries),
    purgeExpired: () => base.purgeExpired(),
    ...overrides,
  };
}

// ── election ─────────────────────────────────────────────────────────────────────────────────

export interface ElectionBugs {
  /** Treats a lease as expired a third of the TTL after it was acquired, ignoring renewals. */
  expireFromAcquisition?: boolean;
  /** A new leader gets the same epoch as the previous one. */
  reuseEpoch?: boolean;
  /** After the first leadership, every campaign is refused even when no lease is live. */
  grantOnce?: boolean;
}

export class BuggyElection implements LeaderElection {
  private lease: Lease | null = null;
  private epoch = 0;
  constructor(private readonly bugs: ElectionBugs) {}

  clear(): void {
    this.lease = null;
  }

  private live(now: number, ttlMs: number): Lease | null {
    if (!this.lease) return null;
    const expired = this.bugs.expireFromAcquisition ? now >= this.lease.acquiredAt + ttlMs / 3 : now >= this.lease.expiresAt;
    return expired ? null : this.lease;
  }

  campaign(candidateId: string, ttlMs: number): Lease | null {
    const now = Date.now();
    const live = this.live(now, ttlMs);
    if (live && live.leaderId !== candidateId) return null;
    if (live) return { ...live };
    if (this.bugs.grantOnce && this.epoch > 0) return null;
    const epoch = this.bugs.reuseEpoch ? Math.max(1, this.epoch) : ++this.epoch;
    this.epoch = epoch;
    this.lease = { leaderId: candidateId, epoch, acquiredAt: now, expiresAt: now + ttlMs };
    return { ...this.lease };
  }

  renew(candidateId: string, epoch: number, ttlMs: number): Lease | null {
    const now = Date.now();
    // The bug: a renewal only checks who holds the lease record, not whether it is still live.
    if (!this.lease || this.lease.leaderId !== candidateId || this.lease.epoch !== epoch) return null;
    this.lease.expiresAt = now + ttlMs;
    return { ...this.lease };
  }

  resign(candidateId: string, epoch: number): boolean {
    if (!this.lease || this.lease.leaderId !== candidateId || this.lease.epoch !== epoch) return false;
    this.lease = null;
    return true;
  }

  current(): Lease | null {
    return this.lease ? { ...this.lease } : null;
  }
}

export function buggyElectionBackend(bugs: ElectionBugs): Backend {
  const election = new BuggyElection(bugs);
  return compose('buggy-election', { election, reset: () => election.clear() });
}

// ── bus ──────────────────────────────────────────────────────────────────────────────────────

/**
 * Drops every `dropEvery`-th delivery, delivers every `duplicateEvery`-th twice, or delivers every
 * `crossTalkEvery`-th message of one topic to the subscribers of another as well.
 */
export function faultyBusBackend(faults: { dropEvery?: number; duplicateEvery?: number; crossTalkEvery?: number }): Backend {
  const base = new MemoryBackend();
  let n = 0;
  const bus: MessageBus = {
    semantics: 'faulty test bus (exactly-once claimed)',
    publish: (topic, payload) => base.bus.publish(topic, payload),
    subscribe: (topic, handler: BusHandler) =>
      base.bus.subscribe(topic, (m) => {
        n++;
        if (faults.dropEvery && n % faults.dropEvery === 0) return;
        handler(m);
        if (faults.duplicateEvery && n % faults.duplicateEvery === 0) handler(m);
      }),
  };
  if (faults.crossTalkEvery) {
    const every = faults.crossTalkEvery;
    let published = 0;
    bus.publish = async (topic, payload) => {
      const m = await base.bus.publish(topic, payload);
      // A routing bug: the message also reaches a topic it was never published on.
      if (++published % every === 0 && !payload.startsWith('end|')) await base.bus.publish(`${topic}.x`.replace(/(\d+)\.x$/, (_, d: string) => String(Number(d) + 1)), payload);
      return m;
    };
  }
  return { ...backendOf(base), bus };
}

// ── registry ─────────────────────────────────────────────────────────────────────────────────

/** deregister says yes without removing every 5th agent; reapStale reaps nothing. */
export function forgetfulRegistryBackend(bugs: { keepDeregistered?: boolean; noReap?: boolean }): Backend {
  const base = new MemoryBackend();
  let n = 0;
  const registry: AgentRegistry = {
    register: (a: AgentInfo): AgentRecord => base.registry.register(a),
    heartbeat: (id: string) => base.registry.heartbeat(id),
    deregister: (id: string) => {
      if (bugs.keepDeregistered && ++n % 5 === 0) return true;
      return base.registry.deregister(id);
    },
    list: (f) => base.registry.list(f),
    reapStale: (ms: number) => (bugs.noReap ? [] : base.registry.reapStale(ms)),
  };
  return { ...backendOf(base), registry };
}

function backendOf(base: MemoryBackend): Backend {
  return {
    name: 'buggy',
    registry: base.registry,
    tasks: base.tasks,
    memory: base.memory,
    election: base.election,
    bus: base.bus,
    reset: () => base.reset(),
    close: () => base.close(),
  };
}
