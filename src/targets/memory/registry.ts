/** In-process AgentRegistry: a Map keyed by agent id. */
import type { AgentFilter, AgentInfo, AgentRecord, AgentRegistry } from '../ports.js';
import type { WallClockMs } from '../options.js';
import { byString, checkAgentId } from '../validate.js';

export class MemoryAgentRegistry implements AgentRegistry {
  private readonly agents = new Map<string, AgentRecord>();
  constructor(private readonly now: WallClockMs) {}

  register(agent: AgentInfo): AgentRecord {
    checkAgentId(agent.id);
    const t = this.now();
    // Re-registering starts a new life (a restarted agent): the record is replaced whole.
    const record: AgentRecord = { id: agent.id, role: agent.role, pid: agent.pid, registeredAt: t, lastHeartbeat: t };
    if (agent.meta !== undefined) record.meta = structuredClone(agent.meta);
    this.agents.set(agent.id, record);
    return copy(record);
  }

  heartbeat(id: string): boolean {
    const record = this.agents.get(id);
    if (!record) return false;
    record.lastHeartbeat = this.now();
    return true;
  }

  deregister(id: string): boolean {
    return this.agents.delete(id);
  }

  list(filter: AgentFilter = {}): AgentRecord[] {
    const out: AgentRecord[] = [];
    for (const r of this.agents.values()) {
      if (filter.role !== undefined && r.role !== filter.role) continue;
      if (filter.aliveSince !== undefined && r.lastHeartbeat < filter.aliveSince) continue;
      out.push(copy(r));
    }
    return out.sort(byString((r) => r.id));
  }

  reapStale(olderThanMs: number): string[] {
    const cutoff = this.now() - olderThanMs;
    const reaped: string[] = [];
    for (const [id, r] of this.agents) {
      if (r.lastHeartbeat < cutoff) {
        this.agents.delete(id);
        reaped.push(id);
      }
    }
    return reaped.sort();
  }

  clear(): void {
    this.agents.clear();
  }
}

function copy(r: AgentRecord): AgentRecord {
  const out: AgentRecord = { id: r.id, role: r.role, pid: r.pid, registeredAt: r.registeredAt, lastHeartbeat: r.lastHeartbeat };
  if (r.meta !== undefined) out.meta = structuredClone(r.meta);
  return out;
}
