/**
 * The five coordination ports a swarm lives on. Every backend (memory, sqlite, jsonfile; later
 * redis, postgres, nats, etcd) implements them, and one contract test suite per port runs against
 * every adapter. Methods may return promises: network backends need them, and the embedded ones
 * keep the same shape so suites drive every backend alike.
 *
 * Times are epoch milliseconds (leases, heartbeats, TTLs cross processes, so they use wall time).
 */

export type Awaitable<T> = T | Promise<T>;

// ── AgentRegistry ────────────────────────────────────────────────────────────────────────────

export interface AgentInfo {
  id: string;
  role: string;
  pid: number;
  meta?: Record<string, unknown>;
}

export interface AgentRecord extends AgentInfo {
  registeredAt: number;
  lastHeartbeat: number;
}

export interface AgentFilter {
  role?: string;
  /** Only agents whose last heartbeat is at or after this time. */
  aliveSince?: number;
}

export interface AgentRegistry {
  /** Registers (or re-registers) an agent; heartbeat set to now. */
  register(agent: AgentInfo): Awaitable<AgentRecord>;
  /** Updates the heartbeat; false if the agent is not registered. */
  heartbeat(id: string): Awaitable<boolean>;
  /** Removes the agent; false if it was not registered. */
  deregister(id: string): Awaitable<boolean>;
  list(filter?: AgentFilter): Awaitable<AgentRecord[]>;
  /** Removes agents whose last heartbeat is older than `olderThanMs` ago; returns their ids. */
  reapStale(olderThanMs: number): Awaitable<string[]>;
}

// ── TaskStore ────────────────────────────────────────────────────────────────────────────────

export type TaskStatus = 'pending' | 'claimed' | 'completed';

export interface NewTask {
  title: string;
  /** Higher is more urgent. */
  priority: number;
  dependsOn?: string[];
}

export interface Task {
  id: string;
  title: string;
  priority: number;
  dependsOn: string[];
  status: TaskStatus;
  claimedBy: string | null;
  result: unknown;
  /** Optimistic concurrency version, incremented by every change. */
  version: number;
  createdAt: number;
  updatedAt: number;
}

export interface TaskPatch {
  title?: string;
  priority?: number;
}

export interface ClaimFilter {
  minPriority?: number;
}

/** Thrown by update() when the expected version is not the current one. */
export class VersionConflictError extends Error {
  readonly code = 'VERSION_CONFLICT';
  constructor(id: string, expected: number, actual: number) {
    super(`task ${id}: expected version ${expected}, found ${actual}`);
  }
}

export interface TaskStore {
  create(task: NewTask): Awaitable<Task>;
  /** Applies the patch if the task's version is `expectedVersion`; else throws VersionConflictError. */
  update(id: string, patch: TaskPatch, expectedVersion: number): Awaitable<Task>;
  /**
   * Atomically assigns the highest-priority pending task whose dependencies are all completed to
   * exactly one worker (ties: oldest first); null when none is claimable.
   */
  claim(workerId: string, filter?: ClaimFilter): Awaitable<Task | null>;
  /** Marks a claimed task completed; false if it is not claimed by anyone. */
  complete(id: string, result: unknown): Awaitable<boolean>;
  list(status?: TaskStatus): Awaitable<Task[]>;
  get(id: string): Awaitable<Task | null>;
  /**
   * Optional, for stores that keep a bounded number of completed tasks (the memory backend): true
   * when the task completed and was retired — get() and list() no longer return it, and it still
   * counts as a completed dependency.
   */
  isRetired?(id: string): Awaitable<boolean>;
}

// ── MemoryStore ──────────────────────────────────────────────────────────────────────────────

export interface MemoryEntry {
  namespace: string;
  key: string;
  /** `namespace/key`. */
  fullKey: string;
  value: string;
  createdAt: number;
  updatedAt: number;
  /** Epoch ms after which the entry no longer exists; null for none. */
  expiresAt: number | null;
}

export interface MemoryStore {
  store(namespace: string, key: string, value: string, ttlMs?: number): Awaitable<MemoryEntry>;
  retrieve(namespace: string, key: string): Awaitable<MemoryEntry | null>;
  delete(namespace: string, key: string): Awaitable<boolean>;
  /** Entries of one namespace whose key starts with `prefix`, sorted by key. */
  list(namespace: string, prefix?: string): Awaitable<MemoryEntry[]>;
  /**
   * Entries whose full key matches the glob (`*` within one `/`-segment, `**` across segments)
   * and, when given, whose value contains `query` case-insensitively; sorted by full key.
   */
  search(pattern: string, query?: string): Awaitable<MemoryEntry[]>;
  /** Removes every entry of a namespace; returns how many. */
  clear(namespace: string): Awaitable<number>;
  export(): Awaitable<MemoryEntry[]>;
  /** Imports entries (overwriting same full keys); returns how many. */
  import(entries: MemoryEntry[]): Awaitable<number>;
  /** Deletes expired entries now (reads never return them regardless); returns how many. */
  purgeExpired(): Awaitable<number>;
}

// ── LeaderElection ───────────────────────────────────────────────────────────────────────────

export interface Lease {
  leaderId: string;
  /** Fencing token: strictly increases with every new leadership. */
  epoch: number;
  acquiredAt: number;
  expiresAt: number;
}

export interface LeaderElection {
  /** Takes leadership if nobody holds a live lease (or the caller already does); else returns null. */
  campaign(candidateId: string, ttlMs: number): Awaitable<Lease | null>;
  /** Extends the caller's live lease; null if the caller no longer holds it (lost or expired). */
  renew(candidateId: string, epoch: number, ttlMs: number): Awaitable<Lease | null>;
  /** Gives the lease up at once; false if the caller did not hold it. */
  resign(candidateId: string, epoch: number): Awaitable<boolean>;
  /** The live lease, or null when nobody leads. */
  current(): Awaitable<Lease | null>;
}

// ── MessageBus ───────────────────────────────────────────────────────────────────────────────

export interface BusMessage {
  /** Assigned by the bus, unique per topic, increasing in publish order. */
  seq: number;
  topic: string;
  payload: string;
  publishedAt: number;
}

export type BusHandler = (message: BusMessage) => void;

export interface Subscription {
  topic: string;
  unsubscribe(): Awaitable<void>;
}

export interface MessageBus {
  publish(topic: string, payload: string): Awaitable<BusMessage>;
  /** Delivers every message published to the topic after subscribing, to every subscriber. */
  subscribe(topic: string, handler: BusHandler): Awaitable<Subscription>;
  /** How this adapter delivers (e.g. "at-least-once, ordered per topic, polled every 1 ms"). */
  readonly semantics: string;
}

// ── A backend bundles the five ───────────────────────────────────────────────────────────────

/**
 * Contention counters, per operation name (e.g. "tasks.claim"): `retries` counts attempts repeated
 * after the store reported itself busy (SQLITE_BUSY, a held lock file); `busy` counts operations
 * that still failed after the bounded retries (thrown with code 'SQLITE_BUSY' or 'LOCK_TIMEOUT').
 */
export interface BackendStats {
  retries: Record<string, number>;
  busy: Record<string, number>;
  /**
   * Time operations spent waiting for a lock held by someone else (SQLite's write lock, a lock
   * file), µs, from the moment the backend saw it held until it got it (or gave up); and how many
   * operations waited at all. Measured by the backends that have a lock to wait for.
   */
  lockWaitUs?: Record<string, number>;
  lockWaits?: Record<string, number>;
}

/** Adds one measured lock wait of `op` to the counters (the backends that wait for locks share it). */
export function addLockWait(stats: Required<Pick<BackendStats, 'lockWaitUs' | 'lockWaits'>>, op: string, waitedUs: number): void {
  stats.lockWaitUs[op] = (stats.lockWaitUs[op] ?? 0) + Math.max(0, waitedUs);
  stats.lockWaits[op] = (stats.lockWaits[op] ?? 0) + 1;
}

export interface Backend {
  /** e.g. "memory", "sqlite:/path/to.db". */
  readonly name: string;
  readonly registry: AgentRegistry;
  readonly tasks: TaskStore;
  readonly memory: MemoryStore;
  readonly election: LeaderElection;
  readonly bus: MessageBus;
  /** Removes all data (between benchmark phases and tests). */
  reset(): Awaitable<void>;
  close(): Awaitable<void>;
  /** Counters since open (additive, optional: backends without contention may omit it). */
  stats?(): BackendStats;
}
