/**
 * Shared by the tool modules: turning library outcomes into MCP tool results, and library errors
 * into tool errors that say what is wrong (never a stack trace, never a silent success).
 */
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
    return toolError(`${tool} failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}
