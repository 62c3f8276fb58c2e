/** etcd AgentRegistry: one key per agent under `a/`; heartbeats are transactions on mod_revision. */
import type { Namespace } from 'etcd3';
import type { WallClockMs } from '../options.js';
import type { AgentFilter, AgentInfo, AgentRecord, AgentRegistry } from '../ports.js';
import type { Counters } from '../remote/counters.js';
import { byString, checkAgentId } from '../validate.js';
import { casWrite, deleteAt, readPrefix } from './kv.js';

export class EtcdAgentRegistry implements AgentRegistry {
  constructor(
    private readonly ns: Namespace,
    private readonly now: WallClockMs,
    private readonly counters: Counters,
  ) {}

  async register(agent: AgentInfo): Promise<AgentRecord> {
    checkAgentId(agent.id);
    const t = this.now();
    const record: AgentRecord = { id: agent.id, role: agent.role, pid: agent.pid, registeredAt: t, lastHeartbeat: t };
    if (agent.meta !== undefined) record.meta = agent.meta;
    await this.ns.put(`a/${agent.id}`).value(JSON.stringify(record)).exec();
    return JSON.parse(JSON.stringify(record)) as AgentRecord;
  }

  async heartbeat(id: string): Promise<boolean> {
    const t = this.now();
    return (await casWrite<AgentRecord>(this.ns, `a/${id}`, 'registry.heartbeat', this.counters, (r) => (r ? { ...r, lastHeartbeat: t } : undefined))) !== undefined;
  }

  async deregister(id: string): Promise<boolean> {
    return Number((await this.ns.delete().key(`a/${id}`).exec()).deleted) > 0;
  }

  async list(filter: AgentFilter = {}): Promise<AgentRecord[]> {
    const { entries } = await readPrefix<AgentRecord>(this.ns, 'a/');
    return entries
      .map((e) => e.value)
      .filter((r) => (filter.role === undefined || r.role === filter.role) && (filter.aliveSince === undefined || r.lastHeartbeat >= filter.aliveSince))
      .sort(byString((r) => r.id));
  }

  async reapStale(olderThanMs: number): Promise<string[]> {
    const cutoff = this.now() - olderThanMs;
    const reaped: string[] = [];
    for (const e of (await readPrefix<AgentRecord>(this.ns, 'a/')).entries) {
      // Only the record judged stale: a heartbeat since then wins.
      if (e.value.lastHeartbeat < cutoff && (await deleteAt(this.ns, e.key, e.revision))) reaped.push(e.value.id);
    }
    return reaped.sort();
  }
}
