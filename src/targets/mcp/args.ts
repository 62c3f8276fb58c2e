/**
 * Tool arguments for mcp-bench: `--args JSON` (one tool) or `--args-file FILE` (a JSON object
 * mapping tool name → arguments object). Checked before anything is measured — as JSON, then
 * against the tool's own inputSchema from tools/list — so a typo is one clear message, not a run
 * full of errors.
 */
import { readFileSync } from 'node:fs';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { UsageError } from '../../core/parse.js';

export type ToolArgs = Record<string, unknown>;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Where a JSON.parse error happened, as "line L, column C" when the engine says a position. */
function jsonErrorWhere(text: string, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const m = /position (\d+)/.exec(message);
  if (!m) return message;
  const pos = Number(m[1]);
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const column = pos - before.lastIndexOf('\n');
  return `${message.replace(/ in JSON at position \d+.*$/, '')} at line ${line}, column ${column}`;
}

export function parseArgsFlag(flag: string, raw: string): ToolArgs {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    throw new UsageError(`${flag}: not valid JSON: ${jsonErrorWhere(raw, err)}`);
  }
  if (!isPlainObject(value)) throw new UsageError(`${flag}: expected a JSON object of tool arguments, e.g. '{"message":"hi"}', got ${describeJson(value)}`);
  return value;
}

/** Reads a JSON object mapping tool name → arguments object. */
export function readArgsFile(flag: string, path: string): Map<string, ToolArgs> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new UsageError(`${flag} ${path}: cannot read the file (${code ?? (err instanceof Error ? err.message : String(err))})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${flag} ${path}: not valid JSON: ${jsonErrorWhere(text, err)}`);
  }
  if (!isPlainObject(value)) {
    throw new UsageError(`${flag} ${path}: expected a JSON object mapping tool name to arguments, e.g. {"echo": {"message": "hi"}}, got ${describeJson(value)}`);
  }
  const out = new Map<string, ToolArgs>();
  for (const [tool, args] of Object.entries(value)) {
    if (!isPlainObject(args)) throw new UsageError(`${flag} ${path}: arguments for tool "${tool}" must be a JSON object, got ${describeJson(args)}`);
    out.set(tool, args);
  }
  return out;
}

function describeJson(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}

const validator = new AjvJsonSchemaValidator();

/** Null when `args` satisfies the tool's inputSchema, else what is wrong (Ajv's words). */
export function checkToolArgs(tool: Tool, args: ToolArgs): string | null {
  try {
    const validate = validator.getValidator(tool.inputSchema as Parameters<typeof validator.getValidator>[0]);
    const r = validate(args);
    return r.valid ? null : r.errorMessage;
  } catch (err) {
    // A schema Ajv cannot compile is the server's problem, not the user's: let the server judge.
    void err;
    return null;
  }
}
