/**
 * Redis AgentRegistry: a hash (agent id → JSON record) plus a sorted set of heartbeats (agent id
 * scored by its last heartbeat), so "alive since" and "stale before" are range queries on the set.
 */
import type { Redis } from 'ioredis';
import type { WallClockMs } from '../options.js';
import type { AgentFilter, AgentInfo, AgentRecord, AgentRegistry } from '../ports.js';
import { byString, checkAgentId } from '../validate.js';
import type { RedisKeys } from './keys.js';
import { LuaScript } from './script.js';

type StoredAgent = Omit<AgentRecord, 'lastHeartbeat'>;

// Only a registered agent gets a heartbeat (a plain ZADD would resurrect a deregistered one).
const HEARTBEAT = new LuaScript(`
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return 1`);

const DEREGISTER = new LuaScript(`
redis.call('ZREM', KEYS[2], ARGV[1])
return redis.call('HDEL', KEYS[1], ARGV[1])`);

// "(" makes the bound exclusive: stale means lastHeartbeat < cutoff.
const REAP = new LuaScript(`
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[1])
for _, id in ipairs(ids) do
  redis.call('HDEL', KEYS[1], id)
  redis.call('ZREM', KEYS[2], id)
end
return ids`);

export class RedisAgentRegistry implements AgentRegistry {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly now: WallClockMs,
  ) {}

  async register(agent: AgentInfo): Promise<AgentRecord> {
    checkAgentId(agent.id);
    const t = this.now();
    const stored: StoredAgent = { id: agent.id, role: agent.role, pid: agent.pid, registeredAt: t };
    if (agent.meta !== undefined) stored.meta = agent.meta;
    await this.redis.multi().hset(this.keys.agents, agent.id, JSON.stringify(stored)).zadd(this.keys.heartbeats, t, agent.id).exec();
    return { ...(JSON.parse(JSON.stringify(stored)) as StoredAgent), lastHeartbeat: t };
  }

  async heartbeat(id: string): Promise<boolean> {
    return (await HEARTBEAT.run<number>(this.redis, [this.keys.agents, this.keys.heartbeats], [id, this.now()])) === 1;
  }

  async deregister(id: string): Promise<boolean> {
    return (await DEREGISTER.run<number>(this.redis, [this.keys.agents, this.keys.heartbeats], [id])) === 1;
  }

  async list(filter: AgentFilter = {}): Promise<AgentRecord[]> {
    // One MULTI: the records and the heartbeats are read as one snapshot.
    const replies = await this.redis.multi().hgetall(this.keys.agents).zrange(this.keys.heartbeats, '0', '-1', 'WITHSCORES').exec();
    const records = (replies?.[0]?.[1] ?? {}) as Record<string, string>;
    const beats = (replies?.[1]?.[1] ?? []) as string[];
    const heartbeatOf = new Map<string, number>();
    for (let i = 0; i + 1 < beats.length; i += 2) heartbeatOf.set(beats[i] as string, Number(beats[i + 1]));
    const out: AgentRecord[] = [];
    for (const json of Object.values(records)) {
      const stored = JSON.parse(json) as StoredAgent;
      const lastHeartbeat = heartbeatOf.get(stored.id) ?? stored.registeredAt;
      if (filter.role !== undefined && stored.role !== filter.role) continue;
      if (filter.aliveSince !== undefined && lastHeartbeat < filter.aliveSince) continue;
      out.push({ ...stored, lastHeartbeat });
    }
    return out.sort(byString((r) => r.id));
  }

  async reapStale(olderThanMs: number): Promise<string[]> {
    const ids = await REAP.run<string[]>(this.redis, [this.keys.agents, this.keys.heartbeats], [this.now() - olderThanMs]);
    return ids.sort();
  }
}
