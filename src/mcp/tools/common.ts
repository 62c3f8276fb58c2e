/**
 * Shared by the tool modules: turning library outcomes into MCP tool results, and library errors
 * into tool errors that say what is wrong (never a stack trace, never a silent success).
 */
import { realpathSync } from 'node:fs';
import { isAbsolute, resolve, sep } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { UsageError } from '../../core/parse.js';
import { HistoryError, HistoryRefError } from '../../results/history/store.js';
import { InvalidArgumentError } from '../../targets/errors.js';
import { GlobSyntaxError } from '../../targets/glob.js';

/** A successful result: human text for the model, the same facts as structuredContent for code. */
export function ok(text: string, structured: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text }], structuredContent: structured };
}

/** A tool error (`isError: true`), as the MCP spec asks for errors a model can act on. */
export function toolError(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}

/** Errors whose message is meant for the caller (bad input, unknown run): shown as they are. */
function isCallerError(err: unknown): err is Error {
  return err instanceof UsageError || err instanceof InvalidArgumentError || err instanceof HistoryRefError || err instanceof HistoryError || err instanceof GlobSyntaxError;
}

/**
 * Runs a tool body; a caller error becomes `<tool>: <message>`, anything else `<tool> failed:
 * <message>` — both as isError results, so one bad call never takes the server down.
 */
export async function guarded(tool: string, body: () => Promise<CallToolResult> | CallToolResult): Promise<CallToolResult> {
  try {
    return await body();
  } catch (err) {
    if (isCallerError(err)) return toolError(`${tool}: ${err.message}`);
    // JSON.parse quotes the text it choked on: never send a file's content back to the caller.
    if (err instanceof SyntaxError) return toolError(`${tool} failed: invalid JSON`);
    return toolError(`${tool} failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function isInside(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * The real path of a file a tool was asked to read, if it lies in the data folder or a folder
 * the user allowed at server start (`--allow-path`); a relative path is taken from the data
 * folder. A path outside gets the same answer whether it exists or not (no probing of the disk),
 * and a symlink inside that leads outside is refused like the path it leads to.
 */
export function allowedFile(config: { dataDir: string; allowedPaths?: readonly string[] }, file: string, field = 'file'): string {
  const roots = [resolve(config.dataDir), realOrSelf(resolve(config.dataDir)), ...(config.allowedPaths ?? [])];
  const refused = new UsageError(`${field}: only files in the data folder or in a folder allowed with --allow-path can be read`);
  const asked = isAbsolute(file) ? resolve(file) : resolve(config.dataDir, file);
  if (!roots.some((r) => isInside(asked, r))) throw refused;
  let real: string;
  try {
    real = realpathSync(asked);
  } catch {
    throw new UsageError(`${field}: no such file in the allowed folders: ${file}`);
  }
  if (!roots.some((r) => isInside(real, r))) throw refused;
  return real;
}

/**
 * The reason a line of a file was refused, without the file's content: JSON errors quote the
 * text, other reasons name ids read from the line.
 */
export function reasonWithoutExcerpt(reason: string): string {
  if (reason.startsWith('invalid JSON')) return 'invalid JSON';
  return reason.replace(/(tool_use_id|for) \S+/g, '$1 …').replace(/"[^"]*"/g, '"…"');
}
