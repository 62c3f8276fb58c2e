/**
 * The PostgreSQL backend (`--backend postgres://user@host:5432/db[?ns=NAME&claim=skip-locked|update-returning]`):
 * every port in schema `swarmperf_<ns>`, over a small connection pool per process. Atomicity comes
 * from single statements (row locks, conditional UPDATEs), never from a read-modify-write in JS.
 */
import pg from 'pg';
import type { AdapterOptions } from '../options.js';
import type { Backend, BackendStats } from '../ports.js';
import { Counters } from '../remote/counters.js';
import { ServerUnreachableError, type ServerOptions } from '../remote/spec.js';
import { PostgresMessageBus } from './bus.js';
import { PostgresLeaderElection } from './election.js';
import { PostgresMemoryStore } from './memory-store.js';
import { PostgresAgentRegistry } from './registry.js';
import { createSchemaSql, RESET_SQL, schemaName } from './schema.js';
import { PostgresTaskStore, type PostgresClaim } from './tasks.js';

// bigint columns come back as strings (exact); timestamps and counters are converted where read.
export interface PostgresBackendOptions extends AdapterOptions, ServerOptions {
  claim?: PostgresClaim;
  /** Connections per process (default 4). */
  poolSize?: number;
}

export class PostgresBackend implements Backend {
  readonly name: string;
  readonly registry: PostgresAgentRegistry;
  readonly tasks: PostgresTaskStore;
  readonly memory: PostgresMemoryStore;
  readonly election: PostgresLeaderElection;
  readonly bus: PostgresMessageBus;
  private readonly counters = new Counters();

  private constructor(
    private readonly pool: pg.Pool,
    config: pg.ClientConfig,
    private readonly schema: string,
    url: string,
    options: PostgresBackendOptions,
  ) {
    const now = options.now ?? Date.now;
    const claim = options.claim ?? 'skip-locked';
    this.name = `postgres:${url.replace(/^postgres(ql)?:\/\//, '//')}?ns=${options.namespace ?? 'default'}${claim === 'skip-locked' ? '' : `&claim=${claim}`}`;
    this.registry = new PostgresAgentRegistry(pool, now);
    this.tasks = new PostgresTaskStore(pool, now, claim, this.counters);
    this.memory = new PostgresMemoryStore(pool, now);
    this.election = new PostgresLeaderElection(pool, now);
    this.bus = new PostgresMessageBus(pool, config, schema, now, this.counters);
    pool.on('error', () => this.counters.retry('connection.error'));
  }

  static async open(url: string, options: PostgresBackendOptions = {}): Promise<PostgresBackend> {
    const schema = schemaName(options.namespace ?? 'default');
    // Every connection works inside the namespace's schema and nowhere else.
    const config: pg.ClientConfig = { connectionString: url, options: `-c search_path=${schema}`, connectionTimeoutMillis: options.connectTimeoutMs ?? 3000 };
    const pool = new pg.Pool({ ...config, max: options.poolSize ?? 4 });
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      await pool.end().catch(() => {});
      throw new ServerUnreachableError('postgres', url, err);
    }
    try {
      await client.query(`BEGIN; ${createSchemaSql(schema)} COMMIT;`);
    } catch (err) {
      client.release(true);
      await pool.end().catch(() => {});
      throw err;
    }
    client.release();
    return new PostgresBackend(pool, config, schema, url, options);
  }

  async reset(): Promise<void> {
    await this.pool.query(RESET_SQL);
  }

  /** Drops this namespace's schema (tests clean up after themselves); nothing else on the server. */
  async destroy(): Promise<void> {
    await this.pool.query(`DROP SCHEMA IF EXISTS ${this.schema} CASCADE`);
  }

  async close(): Promise<void> {
    await this.bus.stopAll();
    await this.pool.end();
  }

  stats(): BackendStats {
    return this.counters.snapshot();
  }
}
