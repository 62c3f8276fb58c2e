/**
 * memory_store / memory_retrieve / memory_search / memory_list: the agents' shared memory on the
 * configured backend's MemoryStore. Keys are full keys `namespace/key` (the seed's convention,
 * e.g. `performance/benchmarker/bench-789/results`): the namespace is the first segment, the rest
 * is the key. Keys are data in the store, never file names, so no key can write outside the data
 * folder.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { UsageError } from '../../core/parse.js';
import type { MemoryEntry } from '../../targets/ports.js';
import type { ServerContext } from '../context.js';
import { guarded, ok } from './common.js';

/** Largest value accepted, bytes (UTF-8): memory is for coordination state, not blobs. */
export const MAX_VALUE_BYTES = 1024 * 1024;
const MAX_KEY_LENGTH = 1024;

const fullKeySchema = z
  .string()
  .min(3, 'key must be "namespace/key", e.g. "performance/bench-1/results"')
  .max(MAX_KEY_LENGTH, `key must be at most ${MAX_KEY_LENGTH} characters`)
  .describe('full key "namespace/key"; the namespace is the first segment, e.g. "performance/swarmperf/bench-1/results"');

/** Splits `namespace/key` at the first "/"; says what is wrong otherwise. */
export function splitFullKey(fullKey: string): { namespace: string; key: string } {
  const i = fullKey.indexOf('/');
  if (i <= 0) throw new UsageError(`key "${fullKey}" must be "namespace/key" with a non-empty namespace, e.g. "performance/bench-1/results"`);
  const key = fullKey.slice(i + 1);
  if (key === '') throw new UsageError(`key "${fullKey}" has an empty key after the namespace "${fullKey.slice(0, i)}/"`);
  return { namespace: fullKey.slice(0, i), key };
}

function entryView(e: MemoryEntry, withValue: boolean): Record<string, unknown> {
  const view: Record<string, unknown> = {
    key: e.fullKey,
    bytes: Buffer.byteLength(e.value, 'utf8'),
    createdAt: new Date(e.createdAt).toISOString(),
    updatedAt: new Date(e.updatedAt).toISOString(),
    expiresAt: e.expiresAt === null ? null : new Date(e.expiresAt).toISOString(),
  };
  if (withValue) view.value = e.value;
  return view;
}

const limitSchema = z.number().int().min(1).max(1000).default(100).describe('most entries returned (1–1000, default 100)');

export function registerMemoryTools(server: McpServer, ctx: ServerContext): void {
  server.registerTool(
    'memory_store',
    {
      title: 'Store a value in shared memory',
      description:
        'Stores a value under a full key "namespace/key" on the configured backend (overwrites). value: a string, or any JSON value (stored as its JSON text). ttlSeconds: the entry expires after that many seconds.',
      inputSchema: z.strictObject({
        key: fullKeySchema,
        value: z.union([z.string(), z.json()]).describe('a string, or any JSON value (stored as JSON text)'),
        ttlSeconds: z.number().positive().max(10 * 365 * 86400).optional().describe('expire after this many seconds'),
      }),
    },
    ({ key, value, ttlSeconds }) =>
      guarded('memory_store', async () => {
        const { namespace, key: k } = splitFullKey(key);
        const text = typeof value === 'string' ? value : JSON.stringify(value);
        const bytes = Buffer.byteLength(text, 'utf8');
        if (bytes > MAX_VALUE_BYTES) throw new UsageError(`value is ${bytes} bytes; the limit is ${MAX_VALUE_BYTES} bytes (1 MiB)`);
        const backend = await ctx.backend();
        const entry = await backend.memory.store(namespace, k, text, ttlSeconds !== undefined ? Math.round(ttlSeconds * 1000) : undefined);
        const view = entryView(entry, false);
        return ok(`stored ${entry.fullKey} (${bytes} bytes${entry.expiresAt !== null ? `, expires ${String(view.expiresAt)}` : ''}) on ${backend.name}`, { stored: true, backend: backend.name, ...view });
      }),
  );

  server.registerTool(
    'memory_retrieve',
    {
      title: 'Retrieve a value from shared memory',
      description: 'Returns the value stored under a full key "namespace/key", or found: false.',
      inputSchema: z.strictObject({ key: fullKeySchema }),
    },
    ({ key }) =>
      guarded('memory_retrieve', async () => {
        const { namespace, key: k } = splitFullKey(key);
        const entry = await (await ctx.backend()).memory.retrieve(namespace, k);
        if (!entry) return ok(`no entry ${key}`, { found: false, key });
        return ok(entry.value, { found: true, ...entryView(entry, true) });
      }),
  );

  server.registerTool(
    'memory_search',
    {
      title: 'Search shared memory',
      description:
        'Entries whose full key matches the glob pattern ("*" within one "/"-segment, "**" across segments, e.g. "performance/*/bench-*/results") and, if query is given, whose value contains it (case-insensitive). Sorted by key.',
      inputSchema: z.strictObject({
        pattern: z.string().min(1).max(MAX_KEY_LENGTH).describe('glob over full keys, e.g. "performance/**"'),
        query: z.string().max(10_000).optional().describe('text the value must contain (case-insensitive)'),
        limit: limitSchema,
      }),
    },
    ({ pattern, query, limit }) =>
      guarded('memory_search', async () => {
        const found = await (await ctx.backend()).memory.search(pattern, query);
        const shown = found.slice(0, limit);
        const lines = shown.map((e) => `${e.fullKey}: ${e.value.length > 200 ? `${e.value.slice(0, 200)}…` : e.value}`);
        const more = found.length > shown.length ? `\n… and ${found.length - shown.length} more (raise limit)` : '';
        return ok(found.length === 0 ? `no entries match ${pattern}${query ? ` containing "${query}"` : ''}` : lines.join('\n') + more, {
          total: found.length,
          truncated: found.length > shown.length,
          entries: shown.map((e) => entryView(e, true)),
        });
      }),
  );

  server.registerTool(
    'memory_list',
    {
      title: 'List shared-memory keys',
      description: 'Keys (no values) whose full key matches the glob pattern (default "**": every key), sorted, with sizes and expiry.',
      inputSchema: z.strictObject({
        pattern: z.string().min(1).max(MAX_KEY_LENGTH).default('**').describe('glob over full keys (default "**")'),
        limit: limitSchema,
      }),
    },
    ({ pattern, limit }) =>
      guarded('memory_list', async () => {
        const found = await (await ctx.backend()).memory.search(pattern);
        const shown = found.slice(0, limit);
        const more = found.length > shown.length ? `\n… and ${found.length - shown.length} more (raise limit)` : '';
        return ok(found.length === 0 ? `no keys match ${pattern}` : shown.map((e) => e.fullKey).join('\n') + more, {
          total: found.length,
          truncated: found.length > shown.length,
          keys: shown.map((e) => entryView(e, false)),
        });
      }),
  );
}
