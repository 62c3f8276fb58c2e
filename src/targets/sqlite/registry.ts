/** SQLite AgentRegistry: one row per agent; each method is one autocommit statement. */
import type Database from 'better-sqlite3';
import type { WallClockMs } from '../options.js';
import type { AgentFilter, AgentInfo, AgentRecord, AgentRegistry } from '../ports.js';
import { byString, checkAgentId } from '../validate.js';
import type { SqliteConnection } from './connection.js';

interface AgentRow {
  id: string;
  role: string;
  pid: number;
  meta: string | null;
  registered_at: number;
  last_heartbeat: number;
}

export class SqliteAgentRegistry implements AgentRegistry {
  private readonly upsert: Database.Statement;
  private readonly touch: Database.Statement;
  private readonly remove: Database.Statement;
  private readonly selectAll: Database.Statement<[], AgentRow>;
  private readonly reap: Database.Statement<[number], { id: string }>;

  constructor(
    private readonly conn: SqliteConnection,
    private readonly now: WallClockMs,
  ) {
    const db = conn.db;
    this.upsert = db.prepare('INSERT OR REPLACE INTO agents (id, role, pid, meta, registered_at, last_heartbeat) VALUES (?, ?, ?, ?, ?, ?)');
    this.touch = db.prepare('UPDATE agents SET last_heartbeat = ? WHERE id = ?');
    this.remove = db.prepare('DELETE FROM agents WHERE id = ?');
    this.selectAll = db.prepare('SELECT * FROM agents');
    this.reap = db.prepare('DELETE FROM agents WHERE last_heartbeat < ? RETURNING id');
  }

  register(agent: AgentInfo): Promise<AgentRecord> {
    try {
      checkAgentId(agent.id);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return this.conn.withRetry('registry.register', () => {
      const t = this.now();
      const meta = agent.meta === undefined ? null : JSON.stringify(agent.meta);
      this.upsert.run(agent.id, agent.role, agent.pid, meta, t, t);
      return toRecord({ id: agent.id, role: agent.role, pid: agent.pid, meta, registered_at: t, last_heartbeat: t });
    });
  }

  heartbeat(id: string): Promise<boolean> {
    return this.conn.withRetry('registry.heartbeat', () => this.touch.run(this.now(), id).changes > 0);
  }

  deregister(id: string): Promise<boolean> {
    return this.conn.withRetry('registry.deregister', () => this.remove.run(id).changes > 0);
  }

  list(filter: AgentFilter = {}): Promise<AgentRecord[]> {
    return this.conn.withRetry('registry.list', () =>
      this.selectAll
        .all()
        .filter((r) => (filter.role === undefined || r.role === filter.role) && (filter.aliveSince === undefined || r.last_heartbeat >= filter.aliveSince))
        .map(toRecord)
        .sort(byString((r) => r.id)),
    );
  }

  reapStale(olderThanMs: number): Promise<string[]> {
    return this.conn.withRetry('registry.reapStale', () =>
      this.reap
        .all(this.now() - olderThanMs)
        .map((r) => r.id)
        .sort(),
    );
  }
}

function toRecord(r: AgentRow): AgentRecord {
  const out: AgentRecord = { id: r.id, role: r.role, pid: r.pid, registeredAt: r.registered_at, lastHeartbeat: r.last_heartbeat };
  if (r.meta !== null) out.meta = JSON.parse(r.meta) as Record<string, unknown>;
  return out;
}
