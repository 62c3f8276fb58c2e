/**
 * `--backend mcp:COMMAND?map=FILE`: the user's coordination layer as the tools of their MCP
 * server (stdio). Each backend instance spawns its own copy of the server — each agent process
 * does, as each agent of such a runtime would — so the state the copies share (files, a database)
 * is what the suites and their invariants test. A port operation becomes one tool call through
 * the mapping (mapping.ts); the answer is converted to the port's types with the mapping's field
 * names. Claims by task id (Hyrm's `task_claim {task_id}`) are driven the way such an agent does
 * it: list the open tasks, pick the most urgent claimable one, claim it by id, try the next when
 * the server says it was taken.
 */
import { isAbsolute, resolve } from 'node:path';
import { UsageError } from '../../../core/errors.js';
import { RealClock } from '../../../measure/clock.js';
import { connectMcp, type McpConnection } from '../../mcp/connect.js';
import { parseHttpTarget, parseStdioTarget } from '../../mcp/spec.js';
import type { AdapterOptions } from '../../options.js';
import type { AgentRecord, AgentRegistry, Backend, ClaimFilter, LeaderElection, Lease, MemoryEntry, MemoryStore, NewTask, Task, TaskPatch, TaskStatus, TaskStore } from '../../ports.js';
import { completeBackend, type PartialBackend } from '../ports.js';
import { atPath, fillArgs, mappedOperations, readMcpMapping, type McpMapping, type OperationMapping } from './mapping.js';

/** A tool call the server answered with an error (isError, or a JSON-RPC error). */
export class ToolCallError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ToolCallError';
  }
}

/** An operation the mapping does not carry and swarmperf cannot derive from the ones it does. */
export class NotMappedError extends Error {
  readonly code = 'NOT_MAPPED';
  constructor(operation: string, file: string) {
    super(`${operation} is not mapped in ${file}`);
    this.name = 'NotMappedError';
  }
}

type Vars = Record<string, unknown>;

class ToolCaller {
  constructor(
    private readonly connection: McpConnection,
    private readonly timeoutMs: number,
  ) {}

  /** Calls the operation's tool and returns the JSON answer at its `result` path. */
  async call(name: string, op: OperationMapping, vars: Vars): Promise<{ answer: unknown; whole: unknown }> {
    const args = fillArgs(op.args ?? {}, vars) as Record<string, unknown>;
    let result: { isError?: boolean; content?: unknown; structuredContent?: unknown };
    try {
      result = (await this.connection.client.callTool({ name: op.tool, arguments: args }, undefined, { timeout: this.timeoutMs })) as typeof result;
    } catch (err) {
      throw new ToolCallError('TOOL_CALL_FAILED', `${name} (${op.tool}): ${err instanceof Error ? err.message : String(err)}`);
    }
    const text = Array.isArray(result.content) ? result.content.map((c: { type?: string; text?: string }) => (c.type === 'text' ? (c.text ?? '') : '')).join('') : '';
    if (result.isError) {
      const code = Object.entries(op.errors ?? {}).find(([needle]) => text.includes(needle))?.[1] ?? 'TOOL_ERROR';
      throw new ToolCallError(code, `${name} (${op.tool}): ${text.slice(0, 300)}`);
    }
    let whole: unknown = result.structuredContent;
    if (whole === undefined) {
      try {
        whole = text === '' ? null : JSON.parse(text);
      } catch {
        whole = text;
      }
    }
    return { answer: atPath(whole, op.result), whole };
  }
}

/** Renames the user's fields to the port's ("fields": port name → user name). */
function renamer(fields: Record<string, string> | undefined): (o: unknown) => Record<string, unknown> {
  const pairs = Object.entries(fields ?? {});
  return (o) => {
    const src = (o ?? {}) as Record<string, unknown>;
    const out: Record<string, unknown> = { ...src };
    for (const [port, user] of pairs) out[port] = src[user];
    return out;
  };
}

const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const num = (v: unknown, fallback = 0): number => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v !== '' && Number.isFinite(Number(v)) ? Number(v) : fallback);
const isNothing = (v: unknown): boolean => v === null || v === undefined || v === false;

function tasksPort(m: NonNullable<McpMapping['tasks']>, caller: ToolCaller, file: string): TaskStore {
  const rename = renamer(m.fields);
  const toUser: Record<TaskStatus, string> = { pending: m.status?.pending ?? 'pending', claimed: m.status?.claimed ?? 'claimed', completed: m.status?.completed ?? 'completed' };
  const fromUser = new Map(Object.entries(toUser).map(([p, u]) => [u, p as TaskStatus]));
  const toTask = (o: unknown): Task => {
    const r = rename(o);
    return {
      id: String(r.id),
      title: String(r.title ?? ''),
      priority: num(r.priority),
      dependsOn: asArray(r.dependsOn).map(String),
      status: fromUser.get(String(r.status)) ?? 'pending',
      claimedBy: typeof r.claimedBy === 'string' ? r.claimedBy : null,
      result: r.result ?? null,
      version: num(r.version, 1),
      createdAt: num(r.createdAt),
      updatedAt: num(r.updatedAt),
    };
  };
  const list = async (status?: TaskStatus): Promise<Task[]> => {
    const { answer } = await caller.call('tasks.list', m.list, { status: status === undefined ? undefined : toUser[status] });
    return asArray(answer).map(toTask).filter((t) => status === undefined || t.status === status);
  };
  const get = async (id: string): Promise<Task | null> => {
    if (m.get) {
      const { answer } = await caller.call('tasks.get', m.get, { id });
      return isNothing(answer) ? null : toTask(answer);
    }
    return (await list()).find((t) => t.id === id) ?? null;
  };
  const byId = JSON.stringify(m.claim.args ?? {}).includes('"$taskId"');

  return {
    async create(task: NewTask) {
      const { answer } = await caller.call('tasks.create', m.create, { title: task.title, priority: task.priority, dependsOn: task.dependsOn ?? [] });
      return toTask(answer);
    },
    async update(id: string, patch: TaskPatch, expectedVersion: number) {
      if (!m.update) throw new NotMappedError('tasks.update', file);
      const { answer } = await caller.call('tasks.update', m.update, { id, title: patch.title, priority: patch.priority, expectedVersion });
      return toTask(answer);
    },
    async claim(workerId: string, filter?: ClaimFilter) {
      if (!byId) {
        const { answer } = await caller.call('tasks.claim', m.claim, { workerId, minPriority: filter?.minPriority });
        return isNothing(answer) ? null : toTask(answer);
      }
      // Claim by id, as an agent of such a runtime does: the most urgent claimable task first,
      // the next one when the server says it was taken meanwhile.
      const all = await list();
      const done = new Set(all.filter((t) => t.status === 'completed').map((t) => t.id));
      const candidates = all
        .filter((t) => t.status === 'pending' && t.dependsOn.every((d) => done.has(d)) && (filter?.minPriority === undefined || t.priority >= filter.minPriority))
        .sort((a, b) => b.priority - a.priority || a.createdAt - b.createdAt);
      for (const t of candidates.slice(0, 8)) {
        const { answer, whole } = await caller.call('tasks.claim', m.claim, { taskId: t.id, workerId });
        if (m.claim.claimed !== undefined && !atPath(whole, m.claim.claimed)) continue;
        const claimed = isNothing(answer) || typeof answer !== 'object' ? { ...t, status: 'claimed' as const, claimedBy: workerId } : toTask(answer);
        return claimed;
      }
      return null;
    },
    async complete(id: string, result: unknown) {
      const { answer, whole } = await caller.call('tasks.complete', m.complete, { id, result });
      if (m.complete.claimed !== undefined) return Boolean(atPath(whole, m.complete.claimed));
      return !isNothing(answer);
    },
    list,
    get,
  };
}

function memoryPort(m: NonNullable<McpMapping['memory']>, caller: ToolCaller, file: string): MemoryStore {
  const rename = renamer(m.fields);
  const toEntry = (o: unknown): MemoryEntry => {
    const r = rename(o);
    const namespace = String(r.namespace ?? '');
    const key = String(r.key ?? '');
    const expires = r.expiresAt;
    return {
      namespace,
      key,
      fullKey: typeof r.fullKey === 'string' ? r.fullKey : `${namespace}/${key}`,
      value: typeof r.value === 'string' ? r.value : JSON.stringify(r.value ?? null),
      createdAt: num(r.createdAt),
      updatedAt: num(r.updatedAt),
      expiresAt: expires === null || expires === undefined ? null : num(expires),
    };
  };
  const need = (op: OperationMapping | undefined, name: string): OperationMapping => {
    if (!op) throw new NotMappedError(name, file);
    return op;
  };
  const search = async (pattern: string, query?: string): Promise<MemoryEntry[]> => {
    const { answer } = await caller.call('memory.search', need(m.search, 'memory.search'), { pattern, query });
    return asArray(answer).map(toEntry);
  };
  const list = async (namespace: string, prefix?: string): Promise<MemoryEntry[]> => {
    const { answer } = await caller.call('memory.list', need(m.list, 'memory.list'), { namespace, prefix });
    return asArray(answer).map(toEntry).filter((e) => e.namespace === namespace && e.key.startsWith(prefix ?? ''));
  };
  const del = async (namespace: string, key: string): Promise<boolean> => {
    const op = need(m.delete, 'memory.delete');
    const { answer, whole } = await caller.call('memory.delete', op, { namespace, key });
    return op.claimed !== undefined ? Boolean(atPath(whole, op.claimed)) : !isNothing(answer);
  };
  return {
    async store(namespace, key, value, ttlMs) {
      const vars = { namespace, key, value, ttlMs, ttlSeconds: ttlMs === undefined ? undefined : Math.max(1, Math.ceil(ttlMs / 1000)) };
      const { answer } = await caller.call('memory.store', m.store, vars);
      const now = Date.now();
      // A tool that answers only "success" still reports a write: the entry as written.
      if (answer === null || typeof answer !== 'object') return { namespace, key, fullKey: `${namespace}/${key}`, value, createdAt: now, updatedAt: now, expiresAt: ttlMs === undefined ? null : now + ttlMs };
      return toEntry(answer);
    },
    async retrieve(namespace, key) {
      const { answer } = await caller.call('memory.retrieve', m.retrieve, { namespace, key });
      return isNothing(answer) ? null : toEntry(answer);
    },
    delete: del,
    list,
    search,
    async clear(namespace) {
      if (m.clear) {
        const { answer } = await caller.call('memory.clear', m.clear, { namespace });
        return num(answer);
      }
      const entries = await list(namespace);
      for (const e of entries) await del(namespace, e.key);
      return entries.length;
    },
    // Derived from search: every live entry the server shows.
    export: () => search('**'),
    async import(entries) {
      for (const e of entries) await this.store(e.namespace, e.key, e.value, e.expiresAt === null ? undefined : Math.max(1, e.expiresAt - Date.now()));
      return entries.length;
    },
    purgeExpired() {
      throw new NotMappedError('memory.purgeExpired', file);
    },
  };
}

function registryPort(m: NonNullable<McpMapping['registry']>, caller: ToolCaller, file: string): AgentRegistry {
  const rename = renamer(m.fields);
  const toRecord = (o: unknown): AgentRecord => {
    const r = rename(o);
    return { id: String(r.id), role: String(r.role ?? ''), pid: num(r.pid), registeredAt: num(r.registeredAt), lastHeartbeat: num(r.lastHeartbeat) };
  };
  const flag = async (name: string, op: OperationMapping, vars: Vars): Promise<boolean> => {
    const { answer, whole } = await caller.call(name, op, vars);
    return op.claimed !== undefined ? Boolean(atPath(whole, op.claimed)) : !isNothing(answer);
  };
  return {
    async register(agent) {
      const { answer } = await caller.call('registry.register', m.register, { ...agent });
      const now = Date.now();
      return answer !== null && typeof answer === 'object' ? toRecord(answer) : { ...agent, registeredAt: now, lastHeartbeat: now };
    },
    heartbeat: (id) => flag('registry.heartbeat', m.heartbeat, { id }),
    deregister: (id) => flag('registry.deregister', m.deregister, { id }),
    async list(filter) {
      const { answer } = await caller.call('registry.list', m.list, { role: filter?.role, aliveSince: filter?.aliveSince });
      return asArray(answer)
        .map(toRecord)
        .filter((a) => (filter?.role === undefined || a.role === filter.role) && (filter?.aliveSince === undefined || a.lastHeartbeat >= filter.aliveSince));
    },
    async reapStale(olderThanMs) {
      if (!m.reapStale) throw new NotMappedError('registry.reapStale', file);
      const { answer } = await caller.call('registry.reapStale', m.reapStale, { olderThanMs });
      return asArray(answer).map(String);
    },
  };
}

function electionPort(m: NonNullable<McpMapping['election']>, caller: ToolCaller): LeaderElection {
  const rename = renamer(m.fields);
  const toLease = (o: unknown): Lease | null => {
    if (isNothing(o) || typeof o !== 'object') return null;
    const r = rename(o);
    return { leaderId: String(r.leaderId), epoch: num(r.epoch), acquiredAt: num(r.acquiredAt), expiresAt: num(r.expiresAt) };
  };
  const ttl = (ttlMs: number): Vars => ({ ttlMs, ttlSeconds: Math.max(1, Math.ceil(ttlMs / 1000)) });
  return {
    async campaign(candidateId, ttlMs) {
      return toLease((await caller.call('election.campaign', m.campaign, { candidateId, ...ttl(ttlMs) })).answer);
    },
    async renew(candidateId, epoch, ttlMs) {
      return toLease((await caller.call('election.renew', m.renew, { candidateId, epoch, ...ttl(ttlMs) })).answer);
    },
    async resign(candidateId, epoch) {
      const { answer, whole } = await caller.call('election.resign', m.resign, { candidateId, epoch });
      return m.resign.claimed !== undefined ? Boolean(atPath(whole, m.resign.claimed)) : !isNothing(answer);
    },
    async current() {
      return toLease((await caller.call('election.current', m.current, {})).answer);
    },
  };
}

/** Every tool the mapping names must exist on the server: a typo fails at open, naming the field. */
function checkToolNames(mapping: McpMapping, file: string, connection: McpConnection): void {
  const have = new Set(connection.tools.map((t) => t.name));
  for (const [field, op] of mappedOperations(mapping)) {
    if (!have.has(op.tool)) throw new UsageError(`${file}: ${field}.tool: the server has no tool "${op.tool}" (it has: ${[...have].join(', ') || 'none'})`);
  }
}

export async function openMcpBackend(command: string | undefined, mapFile: string | undefined, _options: AdapterOptions = {}): Promise<Backend> {
  if (command === undefined || command.trim() === '') throw new UsageError('--backend mcp: expected the command that starts the MCP server, e.g. mcp:"node server.js"?map=map.json');
  if (mapFile === undefined) throw new UsageError(`--backend mcp:${command}: the mapping file is missing; add ?map=FILE (see docs/your-system.md)`);
  const file = isAbsolute(mapFile) ? mapFile : resolve(mapFile);
  const mapping = readMcpMapping(file);
  // An http:// or https:// URL is a streamable-HTTP server (mcp+http://…); anything else a command.
  const target = /^https?:\/\//.test(command) ? parseHttpTarget('--backend mcp+http', command) : parseStdioTarget('--backend mcp', command);
  const connection = await connectMcp(target, { clock: new RealClock(), timeoutMs: mapping.timeoutMs ?? 30_000 });
  try {
    checkToolNames(mapping, file, connection);
  } catch (err) {
    await connection.close();
    throw err;
  }
  const caller = new ToolCaller(connection, mapping.timeoutMs ?? 30_000);
  const parts: PartialBackend = {
    name: `mcp:${connection.serverName || target.display}`,
    reset: async () => {
      if (mapping.reset) await caller.call('reset', mapping.reset, {});
    },
    close: () => connection.close(),
  };
  if (mapping.tasks) parts.tasks = tasksPort(mapping.tasks, caller, file);
  if (mapping.memory) parts.memory = memoryPort(mapping.memory, caller, file);
  if (mapping.registry) parts.registry = registryPort(mapping.registry, caller, file);
  if (mapping.election) parts.election = electionPort(mapping.election, caller);
  return completeBackend(parts, parts.name as string);
}
