/**
 * The mapping file of `--backend mcp:COMMAND?map=FILE`: which of the user's MCP tools carries each
 * port operation, with which argument shape, and where the answer is in the tool's result. JSON or
 * YAML (a file ending in .yaml or .yml), validated with a schema; every error names the file and
 * the field — and, for YAML, the line.
 *
 *   { "tasks": { "claim": { "tool": "task_claim", "args": { "task_id": "$taskId", "agent_id": "$workerId" },
 *                           "claimed": "ok", "result": "task" }, …,
 *                "fields": { "id": "task_id", "claimedBy": "assignee" }, "status": { "pending": "open" } },
 *     "memory": { "store": { "tool": "memory_usage", "args": { "action": "store", "key": "$key", … } }, … },
 *     "reset": { "tool": "store_reset" } }
 *
 * In `args`, a string "$name" is replaced by the operation's argument of that name (and left out
 * when the operation has none); everything else is sent as written — that is how one multiplexed
 * tool (`memory_usage {action: …}`) carries several operations.
 */
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { UsageError } from '../../../core/errors.js';

const OperationSchema = z
  .object({
    tool: z.string().min(1, 'the tool name is empty'),
    args: z.record(z.string(), z.unknown()).optional(),
    /** Dot path of the answer in the tool's JSON result ("" or absent: the whole result). */
    result: z.string().optional(),
    /** Dot path of a flag saying the operation took effect (claim by id, complete, delete). */
    claimed: z.string().optional(),
    /** Substring of an error text → the error code swarmperf records (e.g. VERSION_CONFLICT). */
    errors: z.record(z.string(), z.string()).optional(),
  })
  .strict();
export type OperationMapping = z.infer<typeof OperationSchema>;

/** Port field → the field name in the user's objects. */
const Fields = z.record(z.string(), z.string()).optional();

const TasksSchema = z
  .object({
    create: OperationSchema,
    claim: OperationSchema,
    list: OperationSchema,
    complete: OperationSchema,
    update: OperationSchema.optional(),
    get: OperationSchema.optional(),
    fields: Fields,
    /** Port status → the user's word for it. */
    status: z.object({ pending: z.string(), claimed: z.string(), completed: z.string() }).partial().strict().optional(),
  })
  .strict();

const MemorySchema = z
  .object({
    store: OperationSchema,
    retrieve: OperationSchema,
    delete: OperationSchema.optional(),
    list: OperationSchema.optional(),
    search: OperationSchema.optional(),
    clear: OperationSchema.optional(),
    fields: Fields,
  })
  .strict();

const RegistrySchema = z
  .object({
    register: OperationSchema,
    heartbeat: OperationSchema,
    deregister: OperationSchema,
    list: OperationSchema,
    reapStale: OperationSchema.optional(),
    fields: Fields,
  })
  .strict();

const ElectionSchema = z
  .object({
    campaign: OperationSchema,
    renew: OperationSchema,
    resign: OperationSchema,
    current: OperationSchema,
    fields: Fields,
  })
  .strict();

export const McpMappingSchema = z
  .object({
    tasks: TasksSchema.optional(),
    memory: MemorySchema.optional(),
    registry: RegistrySchema.optional(),
    election: ElectionSchema.optional(),
    bus: z.never({ error: 'a message bus cannot be mapped to MCP tools (subscribe needs deliveries pushed to the caller); leave it out and the bus suite is skipped' }).optional(),
    /** Empties the server's scratch state before each suite (recommended). */
    reset: OperationSchema.optional(),
    /** Per-call timeout, ms. */
    timeoutMs: z.number().int().min(100).max(600_000).optional(),
  })
  .strict();
export type McpMapping = z.infer<typeof McpMappingSchema>;

/** Where a field path is in a YAML document: its line, or its nearest present parent's (a missing field). */
function yamlLine(doc: Document, lines: LineCounter, path: readonly PropertyKey[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n) as Array<string | number>, true) as { range?: [number, number, number] } | undefined;
    if (node?.range) return lines.linePos(node.range[0]).line;
  }
  return undefined;
}

function describeIssue(issue: z.core.$ZodIssue, line?: number): string {
  const field = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
  return `${field}${line !== undefined ? ` (line ${line})` : ''}: ${issue.message}`;
}

export const isYamlFile = (file: string): boolean => /\.ya?ml$/i.test(file);

/** The raw mapping object, and for YAML the document to find lines in. */
function parseText(file: string, text: string): { raw: unknown; yaml?: { doc: Document; lines: LineCounter } } {
  if (!isYamlFile(file)) {
    try {
      return { raw: JSON.parse(text) };
    } catch (err) {
      throw new UsageError(`${file}: not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    const at = first.linePos?.[0];
    throw new UsageError(`${file}: not valid YAML${at ? ` at line ${at.line}, column ${at.col}` : ''}: ${first.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  return { raw: doc.toJS(), yaml: { doc, lines } };
}

/** Parses a mapping from text (YAML when `file` ends in .yaml/.yml, else JSON); `file` names it in errors. */
export function parseMcpMapping(file: string, text: string): McpMapping {
  const { raw, yaml } = parseText(file, text);
  const parsed = McpMappingSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((i) => describeIssue(i, yaml ? yamlLine(yaml.doc, yaml.lines, i.path) : undefined));
    throw new UsageError(`${file}: ${issues.join('; ')}`);
  }
  const m = parsed.data;
  if (!m.tasks && !m.memory && !m.registry && !m.election) throw new UsageError(`${file}: maps no port; give at least one of tasks, memory, registry, election`);
  return m;
}

export function readMcpMapping(file: string): McpMapping {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--backend mcp: mapping file ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(err)}`);
  }
  return parseMcpMapping(file, text);
}

/** Every operation of a mapping with its field path (for checking tool names against the server). */
export function mappedOperations(m: McpMapping): Array<[string, OperationMapping]> {
  const out: Array<[string, OperationMapping]> = [];
  for (const [port, section] of Object.entries(m)) {
    if (section === undefined || typeof section !== 'object') continue;
    if (port === 'reset') {
      out.push(['reset', section as OperationMapping]);
      continue;
    }
    for (const [op, value] of Object.entries(section as Record<string, unknown>)) {
      if (value !== null && typeof value === 'object' && 'tool' in value) out.push([`${port}.${op}`, value as OperationMapping]);
    }
  }
  return out;
}

/** Fills an args template: "$name" → vars[name] (omitted when undefined), recursively. */
export function fillArgs(template: unknown, vars: Record<string, unknown>): unknown {
  if (typeof template === 'string' && template.startsWith('$')) return vars[template.slice(1)];
  if (Array.isArray(template)) return template.map((t) => fillArgs(t, vars)).filter((v) => v !== undefined);
  if (template !== null && typeof template === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(template)) {
      const filled = fillArgs(v, vars);
      if (filled !== undefined) out[k] = filled;
    }
    return out;
  }
  return template;
}

/** The value at a dot path ("" or undefined: the value itself). */
export function atPath(value: unknown, path: string | undefined): unknown {
  if (path === undefined || path === '') return value;
  let v: unknown = value;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}
