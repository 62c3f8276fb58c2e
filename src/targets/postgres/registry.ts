/** PostgreSQL AgentRegistry: one row per agent; every operation one statement. */
import type { Pool } from 'pg';
import type { WallClockMs } from '../options.js';
import type { AgentFilter, AgentInfo, AgentRecord, AgentRegistry } from '../ports.js';
import { byString, checkAgentId } from '../validate.js';

interface AgentRow {
  id: string;
  role: string;
  pid: number;
  meta: string | null;
  registered_at: string;
  last_heartbeat: string;
}

export class PostgresAgentRegistry implements AgentRegistry {
  constructor(
    private readonly pool: Pool,
    private readonly now: WallClockMs,
  ) {}

  async register(agent: AgentInfo): Promise<AgentRecord> {
    checkAgentId(agent.id);
    const t = this.now();
    const meta = agent.meta === undefined ? null : JSON.stringify(agent.meta);
    const { rows } = await this.pool.query<AgentRow>(
      `INSERT INTO agents (id, role, pid, meta, registered_at, last_heartbeat) VALUES ($1, $2, $3, $4, $5, $5)
       ON CONFLICT (id) DO UPDATE SET role = EXCLUDED.role, pid = EXCLUDED.pid, meta = EXCLUDED.meta,
         registered_at = EXCLUDED.registered_at, last_heartbeat = EXCLUDED.last_heartbeat RETURNING *`,
      [agent.id, agent.role, agent.pid, meta, t],
    );
    return toRecord(rows[0] as AgentRow);
  }

  async heartbeat(id: string): Promise<boolean> {
    return ((await this.pool.query('UPDATE agents SET last_heartbeat = $2 WHERE id = $1', [id, this.now()])).rowCount ?? 0) > 0;
  }

  async deregister(id: string): Promise<boolean> {
    return ((await this.pool.query('DELETE FROM agents WHERE id = $1', [id])).rowCount ?? 0) > 0;
  }

  async list(filter: AgentFilter = {}): Promise<AgentRecord[]> {
    const { rows } = await this.pool.query<AgentRow>(
      'SELECT * FROM agents WHERE ($1::text IS NULL OR role = $1) AND ($2::bigint IS NULL OR last_heartbeat >= $2)',
      [filter.role ?? null, filter.aliveSince ?? null],
    );
    return rows.map(toRecord).sort(byString((r) => r.id));
  }

  async reapStale(olderThanMs: number): Promise<string[]> {
    const { rows } = await this.pool.query<{ id: string }>('DELETE FROM agents WHERE last_heartbeat < $1 RETURNING id', [this.now() - olderThanMs]);
    return rows.map((r) => r.id).sort();
  }
}

function toRecord(r: AgentRow): AgentRecord {
  const out: AgentRecord = { id: r.id, role: r.role, pid: r.pid, registeredAt: Number(r.registered_at), lastHeartbeat: Number(r.last_heartbeat) };
  if (r.meta !== null) out.meta = JSON.parse(r.meta) as Record<string, unknown>;
  return out;
}
