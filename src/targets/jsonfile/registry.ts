/** jsonfile AgentRegistry: registry.json, in the shape agent systems write it (agent_id, lock_version). */
import type { WallClockMs } from '../options.js';
import type { AgentFilter, AgentInfo, AgentRecord, AgentRegistry } from '../ports.js';
import { byString, checkAgentId } from '../validate.js';
import type { JsonDocuments, Versioned } from './documents.js';

interface AgentJson {
  agent_id: string;
  assigned_role: string;
  pid: number;
  meta?: Record<string, unknown>;
  started_at: string;
  last_heartbeat: string;
}

export interface RegistryDoc extends Versioned {
  version: string;
  agents: AgentJson[];
}

export const REGISTRY_FILE = 'registry.json';
const empty = (): RegistryDoc => ({ version: '1.0.0', agents: [], last_updated: new Date(0).toISOString(), lock_version: 0 });

export class JsonAgentRegistry implements AgentRegistry {
  constructor(
    private readonly docs: JsonDocuments,
    private readonly now: WallClockMs,
  ) {}

  async register(agent: AgentInfo): Promise<AgentRecord> {
    checkAgentId(agent.id);
    return this.docs.update('registry.register', REGISTRY_FILE, empty, (doc) => {
      const t = new Date(this.now()).toISOString();
      const record: AgentJson = { agent_id: agent.id, assigned_role: agent.role, pid: agent.pid, started_at: t, last_heartbeat: t };
      if (agent.meta !== undefined) record.meta = agent.meta;
      doc.agents = doc.agents.filter((a) => a.agent_id !== agent.id);
      doc.agents.push(record);
      return { result: toRecord(JSON.parse(JSON.stringify(record)) as AgentJson), changed: true };
    });
  }

  heartbeat(id: string): Promise<boolean> {
    return this.docs.update('registry.heartbeat', REGISTRY_FILE, empty, (doc) => {
      const a = doc.agents.find((x) => x.agent_id === id);
      if (a) a.last_heartbeat = new Date(this.now()).toISOString();
      return { result: a !== undefined, changed: a !== undefined };
    });
  }

  deregister(id: string): Promise<boolean> {
    return this.docs.update('registry.deregister', REGISTRY_FILE, empty, (doc) => {
      const before = doc.agents.length;
      doc.agents = doc.agents.filter((a) => a.agent_id !== id);
      return { result: doc.agents.length < before, changed: doc.agents.length < before };
    });
  }

  list(filter: AgentFilter = {}): Promise<AgentRecord[]> {
    const doc = this.docs.read(REGISTRY_FILE, empty);
    return Promise.resolve(
      doc.agents
        .map(toRecord)
        .filter((r) => (filter.role === undefined || r.role === filter.role) && (filter.aliveSince === undefined || r.lastHeartbeat >= filter.aliveSince))
        .sort(byString((r) => r.id)),
    );
  }

  reapStale(olderThanMs: number): Promise<string[]> {
    return this.docs.update('registry.reapStale', REGISTRY_FILE, empty, (doc) => {
      const cutoff = this.now() - olderThanMs;
      const stale = doc.agents.filter((a) => Date.parse(a.last_heartbeat) < cutoff).map((a) => a.agent_id);
      doc.agents = doc.agents.filter((a) => Date.parse(a.last_heartbeat) >= cutoff);
      return { result: stale.sort(), changed: stale.length > 0 };
    });
  }
}

function toRecord(a: AgentJson): AgentRecord {
  const r: AgentRecord = { id: a.agent_id, role: a.assigned_role, pid: a.pid, registeredAt: Date.parse(a.started_at), lastHeartbeat: Date.parse(a.last_heartbeat) };
  if (a.meta !== undefined) r.meta = a.meta;
  return r;
}
