/**
 * The PostgreSQL schema of one namespace: `swarmperf_<ns>`, created on first open under an
 * advisory lock (several agent processes open the same namespace at once, and concurrent
 * CREATE … IF NOT EXISTS can still collide in the catalog). Every connection's search_path is that
 * schema, so no statement names another; reset() empties these tables and nothing else.
 */
export function schemaName(namespace: string): string {
  return `swarmperf_${namespace}`;
}

export function createSchemaSql(schema: string): string {
  return `
  SELECT pg_advisory_xact_lock(hashtext('${schema}'));
  CREATE SCHEMA IF NOT EXISTS ${schema};
  CREATE TABLE IF NOT EXISTS ${schema}.agents (
    id text PRIMARY KEY, role text NOT NULL, pid integer NOT NULL, meta text,
    registered_at bigint NOT NULL, last_heartbeat bigint NOT NULL);
  CREATE TABLE IF NOT EXISTS ${schema}.tasks (
    seq bigserial PRIMARY KEY, title text NOT NULL, priority double precision NOT NULL, depends_on text NOT NULL,
    status text NOT NULL, claimed_by text, result text NOT NULL, version integer NOT NULL,
    created_at bigint NOT NULL, updated_at bigint NOT NULL);
  CREATE INDEX IF NOT EXISTS tasks_claim_order ON ${schema}.tasks (priority DESC, seq) WHERE status = 'pending';
  CREATE TABLE IF NOT EXISTS ${schema}.task_deps (task_seq bigint NOT NULL, dep_seq bigint NOT NULL, PRIMARY KEY (task_seq, dep_seq));
  CREATE TABLE IF NOT EXISTS ${schema}.memory (
    namespace text NOT NULL, key text NOT NULL, value text NOT NULL,
    created_at bigint NOT NULL, updated_at bigint NOT NULL, expires_at bigint, PRIMARY KEY (namespace, key));
  CREATE INDEX IF NOT EXISTS memory_expiry ON ${schema}.memory (expires_at) WHERE expires_at IS NOT NULL;
  CREATE TABLE IF NOT EXISTS ${schema}.election (
    id integer PRIMARY KEY CHECK (id = 1), leader_id text, epoch bigint NOT NULL, acquired_at bigint, expires_at bigint);
  INSERT INTO ${schema}.election (id, epoch) VALUES (1, 0) ON CONFLICT DO NOTHING;
  CREATE TABLE IF NOT EXISTS ${schema}.bus_topics (topic text PRIMARY KEY, last_seq bigint NOT NULL);
  CREATE TABLE IF NOT EXISTS ${schema}.bus_messages (
    topic text NOT NULL, seq bigint NOT NULL, payload text NOT NULL, published_at bigint NOT NULL, PRIMARY KEY (topic, seq));`;
}

/** Empties the namespace; the task sequence, the epoch and the bus counters survive (tokens others may hold). */
export const RESET_SQL = `
  TRUNCATE agents, task_deps, tasks, memory, bus_messages;
  UPDATE election SET leader_id = NULL, acquired_at = NULL, expires_at = NULL WHERE id = 1;`;
