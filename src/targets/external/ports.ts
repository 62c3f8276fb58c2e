/**
 * A user's own coordination layer rarely implements all five ports. An adapter module (or an MCP
 * mapping) provides some of them; the rest are filled with a port that throws PortMissingError,
 * and portsProvided() says which are real, so a suite needing a missing one is reported as
 * skipped instead of crashing half-way.
 */
import type { AgentRegistry, Awaitable, Backend, BackendStats, LeaderElection, MemoryStore, MessageBus, TaskStore } from '../ports.js';

export const PORT_NAMES = ['registry', 'tasks', 'memory', 'election', 'bus'] as const;
export type PortName = (typeof PORT_NAMES)[number];

/**
 * What a user's adapter module returns: any subset of the five ports, plus optional reset/close.
 * `reset` should empty the adapter's own scratch state (suites call it before each run); without
 * it the suites start on whatever the store holds.
 */
export interface PartialBackend {
  name?: string;
  registry?: AgentRegistry;
  tasks?: TaskStore;
  memory?: MemoryStore;
  election?: LeaderElection;
  bus?: MessageBus;
  reset?(): Awaitable<void>;
  close?(): Awaitable<void>;
  stats?(): BackendStats;
}

/** A call to a port the adapter does not provide. */
export class PortMissingError extends Error {
  readonly code = 'PORT_MISSING';
  constructor(
    readonly port: PortName,
    readonly backendName: string,
  ) {
    super(`${backendName} provides no ${port} port`);
    this.name = 'PortMissingError';
  }
}

const provided = new WeakMap<Backend, readonly PortName[]>();

/** The ports a backend really implements (all five for the built-in adapters). */
export function portsProvided(backend: Backend): readonly PortName[] {
  return provided.get(backend) ?? PORT_NAMES;
}

/** A port whose every method throws PortMissingError (`semantics` of a missing bus says so). */
function missingPort<T extends object>(port: PortName, backendName: string): T {
  return new Proxy({} as T, {
    get(_target, prop) {
      if (prop === 'then') return undefined; // not a thenable
      if (prop === 'semantics') return `none (no ${port} port)`;
      return () => {
        throw new PortMissingError(port, backendName);
      };
    },
  });
}

/** Completes a partial adapter into a Backend, remembering which ports it really has. */
export function completeBackend(parts: PartialBackend, name: string): Backend {
  const have = PORT_NAMES.filter((p) => parts[p] !== undefined && parts[p] !== null);
  const backend: Backend = {
    name,
    registry: parts.registry ?? missingPort<AgentRegistry>('registry', name),
    tasks: parts.tasks ?? missingPort<TaskStore>('tasks', name),
    memory: parts.memory ?? missingPort<MemoryStore>('memory', name),
    election: parts.election ?? missingPort<LeaderElection>('election', name),
    bus: parts.bus ?? missingPort<MessageBus>('bus', name),
    reset: async () => {
      await parts.reset?.();
    },
    close: async () => {
      await parts.close?.();
    },
    ...(parts.stats ? { stats: () => (parts.stats as () => BackendStats)() } : {}),
  };
  provided.set(backend, have);
  return backend;
}
