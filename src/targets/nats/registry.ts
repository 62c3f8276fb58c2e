/** NATS KV AgentRegistry: one key per agent (`a.<hex id>`), heartbeats as revision-checked updates. */
import type { KV } from '@nats-io/kv';
import type { WallClockMs } from '../options.js';
import type { AgentFilter, AgentInfo, AgentRecord, AgentRegistry } from '../ports.js';
import type { Counters } from '../remote/counters.js';
import { byString, checkAgentId } from '../validate.js';
import { casWrite, entriesOf, getLive, hex, isCasConflict, type KeyLister } from './kv.js';

export class NatsAgentRegistry implements AgentRegistry {
  constructor(
    private readonly kv: KV,
    private readonly now: WallClockMs,
    private readonly counters: Counters,
    private readonly keysOf: KeyLister,
  ) {}

  async register(agent: AgentInfo): Promise<AgentRecord> {
    checkAgentId(agent.id);
    const t = this.now();
    const record: AgentRecord = { id: agent.id, role: agent.role, pid: agent.pid, registeredAt: t, lastHeartbeat: t };
    if (agent.meta !== undefined) record.meta = agent.meta;
    await this.kv.put(`a.${hex(agent.id)}`, JSON.stringify(record));
    return JSON.parse(JSON.stringify(record)) as AgentRecord;
  }

  async heartbeat(id: string): Promise<boolean> {
    const t = this.now();
    const written = await casWrite<AgentRecord>(this.kv, `a.${hex(id)}`, 'registry.heartbeat', this.counters, (r) => (r ? { ...r, lastHeartbeat: t } : undefined));
    return written !== undefined;
  }

  async deregister(id: string): Promise<boolean> {
    const key = `a.${hex(id)}`;
    for (;;) {
      const entry = await getLive(this.kv, key);
      if (!entry) return false;
      try {
        await this.kv.delete(key, { previousSeq: entry.revision });
        return true;
      } catch (err) {
        if (!isCasConflict(err)) throw err;
        this.counters.retry('registry.deregister');
      }
    }
  }

  async list(filter: AgentFilter = {}): Promise<AgentRecord[]> {
    const records = (await entriesOf(this.kv, await this.keysOf('a.>'))).map((e) => e.json<AgentRecord>());
    return records
      .filter((r) => (filter.role === undefined || r.role === filter.role) && (filter.aliveSince === undefined || r.lastHeartbeat >= filter.aliveSince))
      .sort(byString((r) => r.id));
  }

  async reapStale(olderThanMs: number): Promise<string[]> {
    const cutoff = this.now() - olderThanMs;
    const reaped: string[] = [];
    for (const entry of await entriesOf(this.kv, await this.keysOf('a.>'))) {
      const r = entry.json<AgentRecord>();
      if (r.lastHeartbeat >= cutoff) continue;
      try {
        // Only the record we judged stale: a heartbeat since then wins.
        await this.kv.delete(entry.key, { previousSeq: entry.revision });
        reaped.push(r.id);
      } catch (err) {
        if (!isCasConflict(err)) throw err;
        this.counters.retry('registry.reapStale');
      }
    }
    return reaped.sort();
  }
}
