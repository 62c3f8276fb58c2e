/**
 * The memory export file: what `swarmperf memory export` writes and `import` reads.
 *
 *   { "format": "swarmperf-memory", "version": 1, "exportedAt": "...", "entries": [
 *       { "key": "performance/analyzer/bench-789/results", "value": "...",
 *         "createdAt": 1767548076931, "updatedAt": 1767548076931, "expiresAt": null } ] }
 *
 * `key` is always the FULL key (namespace/key), as in `--json` output; a bare array of such entries
 * (what `memory search --json` prints) is accepted too. Every entry is validated before anything
 * is written, and errors name the file and the entry index.
 */
import { z } from 'zod';
import type { MemoryEntry } from './ports.js';
import { checkKey, checkNamespace } from './validate.js';

export const MEMORY_FILE_FORMAT = 'swarmperf-memory';

/** The public shape of one entry (CLI `--json`, export files). */
export interface MemoryEntryJson {
  key: string;
  namespace: string;
  value: string;
  createdAt: number;
  updatedAt: number;
  expiresAt: number | null;
}

export function entryToJson(e: MemoryEntry): MemoryEntryJson {
  return { key: e.fullKey, namespace: e.namespace, value: e.value, createdAt: e.createdAt, updatedAt: e.updatedAt, expiresAt: e.expiresAt };
}

export class FullKeyError extends Error {
  readonly code = 'INVALID_KEY';
}

/** Splits `namespace/key` at the first "/"; throws FullKeyError with a message meant for users. */
export function splitFullKey(fullKey: string): { namespace: string; key: string } {
  const i = fullKey.indexOf('/');
  if (i < 0) throw new FullKeyError(`expected a full key namespace/key (e.g. performance/analyzer/bench-789/results), got "${fullKey}": it has no "/"`);
  const namespace = fullKey.slice(0, i);
  const key = fullKey.slice(i + 1);
  if (namespace === '') throw new FullKeyError(`expected a full key namespace/key, got "${fullKey}": the namespace before "/" is empty`);
  if (key === '') throw new FullKeyError(`expected a full key namespace/key, got "${fullKey}": the key after "/" is empty`);
  try {
    checkNamespace(namespace);
    checkKey(key);
  } catch (err) {
    throw new FullKeyError((err as Error).message);
  }
  return { namespace, key };
}

const epochMs = z.number().int().nonnegative();
const entrySchema = z.object({
  key: z.string(),
  value: z.string(),
  createdAt: epochMs.optional(),
  updatedAt: epochMs.optional(),
  expiresAt: epochMs.nullable().optional(),
  // Present in our own output; must agree with `key` when given.
  namespace: z.string().optional(),
});
const fileSchema = z.union([
  z.object({ format: z.literal(MEMORY_FILE_FORMAT), version: z.literal(1), exportedAt: z.string().optional(), entries: z.array(entrySchema) }),
  z.array(entrySchema),
]);

export class MemoryFileError extends Error {
  readonly code = 'BAD_MEMORY_FILE';
}

export function serializeMemoryFile(entries: MemoryEntry[], exportedAt: Date): string {
  return JSON.stringify({ format: MEMORY_FILE_FORMAT, version: 1, exportedAt: exportedAt.toISOString(), entries: entries.map(entryToJson) }, null, 2) + '\n';
}

/**
 * Parses and validates an export file's text into entries ready for MemoryStore.import().
 * `nowMs` fills timestamps an entry leaves out.
 */
export function parseMemoryFile(text: string, file: string, nowMs: number): MemoryEntry[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new MemoryFileError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = fileSchema.safeParse(data);
  if (!parsed.success) {
    // Report the issue at the deepest path (the entry and field), not the union's top-level mismatch.
    const issues = parsed.error.issues.flatMap((i) => ('errors' in i && Array.isArray(i.errors) ? (i.errors as z.core.$ZodIssue[][]).flat() : [i]));
    const issue = issues.sort((a, b) => b.path.length - a.path.length)[0];
    const path = issue?.path ?? [];
    const entryIndex = path.findIndex((p) => p === 'entries');
    const index = typeof path[0] === 'number' ? path[0] : entryIndex >= 0 ? path[entryIndex + 1] : undefined;
    const where = typeof index === 'number' ? `entry ${index}${path.length > 1 ? ` (${String(path[path.length - 1])})` : ''}` : 'top level';
    throw new MemoryFileError(
      `${file}: ${where}: ${issue?.message ?? 'invalid'}; expected {"format":"${MEMORY_FILE_FORMAT}","version":1,"entries":[{"key":"namespace/key","value":"..."}]} or an array of entries`,
    );
  }
  const raw = Array.isArray(parsed.data) ? parsed.data : parsed.data.entries;
  const seen = new Map<string, number>();
  return raw.map((e, index) => {
    let parts;
    try {
      parts = splitFullKey(e.key);
    } catch (err) {
      throw new MemoryFileError(`${file}: entry ${index} (key): ${(err as Error).message}`);
    }
    if (e.namespace !== undefined && e.namespace !== parts.namespace) {
      throw new MemoryFileError(`${file}: entry ${index}: namespace "${e.namespace}" does not match key "${e.key}"`);
    }
    const first = seen.get(e.key);
    if (first !== undefined) throw new MemoryFileError(`${file}: entry ${index}: key "${e.key}" already appears in entry ${first}`);
    seen.set(e.key, index);
    const createdAt = e.createdAt ?? nowMs;
    return {
      namespace: parts.namespace,
      key: parts.key,
      fullKey: e.key,
      value: e.value,
      createdAt,
      updatedAt: e.updatedAt ?? createdAt,
      expiresAt: e.expiresAt ?? null,
    };
  });
}
