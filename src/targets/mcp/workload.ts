/**
 * The mcp-bench workload: one tools/call per operation, round-robin over the tools under test; the
 * operation's name is the tool's name. Two kinds of failure are kept apart, because they mean
 * different things: a protocol error (the request failed — JSON-RPC error, timeout, connection
 * lost) and a tool error (the server answered with `isError: true`, the tool itself failed).
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { OperationCall, Workload } from '../../load/types.js';
import type { ToolArgs } from './args.js';

export interface ToolCallSpec {
  name: string;
  args: ToolArgs;
}

/** Error reason recorded for a result with `isError: true`. */
export const IS_ERROR_REASON = 'isError';
/** Prefix of every protocol error reason, e.g. "protocol: -32001 RequestTimeout". */
export const PROTOCOL_REASON_PREFIX = 'protocol: ';

/** Thrown by an operation so the load model records it under `code` as the error reason. */
export class ToolCallFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ToolCallFailure';
  }
}

const ERROR_CODE_NAMES = new Map<number, string>(
  Object.entries(ErrorCode)
    .filter(([, v]) => typeof v === 'number')
    .map(([k, v]) => [v as number, k]),
);

/** "protocol: <code> <name>" for JSON-RPC errors; "protocol: <message>" for transport failures. */
export function protocolReason(err: unknown): string {
  if (err instanceof McpError) {
    const name = ERROR_CODE_NAMES.get(err.code);
    return `${PROTOCOL_REASON_PREFIX}${err.code}${name ? ` ${name}` : ''}`;
  }
  const message = err instanceof Error ? err.message : String(err);
  return `${PROTOCOL_REASON_PREFIX}${message.split('\n')[0]?.slice(0, 100) ?? 'unknown'}`;
}

export interface ToolWorkloadStats {
  /** First isError text per tool, to show the user what the tool said. */
  firstToolError: Map<string, string>;
  /** First protocol error message per tool. */
  firstProtocolError: Map<string, string>;
}

export function createToolWorkload(client: Client, tools: ToolCallSpec[], timeoutMs: number): { workload: Workload; stats: ToolWorkloadStats } {
  if (tools.length === 0) throw new Error('mcp workload: no tools to call');
  const stats: ToolWorkloadStats = { firstToolError: new Map(), firstProtocolError: new Map() };
  const calls: OperationCall[] = tools.map((t) => ({
    name: t.name,
    run: async () => {
      let result: Awaited<ReturnType<Client['callTool']>>;
      try {
        result = await client.callTool({ name: t.name, arguments: t.args }, undefined, { timeout: timeoutMs });
      } catch (err) {
        if (!stats.firstProtocolError.has(t.name)) stats.firstProtocolError.set(t.name, err instanceof Error ? err.message : String(err));
        throw new ToolCallFailure(protocolReason(err), err instanceof Error ? err.message : String(err));
      }
      if (result.isError === true) {
        if (!stats.firstToolError.has(t.name)) stats.firstToolError.set(t.name, firstText(result.content));
        throw new ToolCallFailure(IS_ERROR_REASON, `tool ${t.name} returned isError`);
      }
    },
  }));
  return {
    workload: { next: (iteration) => calls[iteration % calls.length] as OperationCall },
    stats,
  };
}

function firstText(content: unknown): string {
  if (Array.isArray(content)) {
    for (const c of content) {
      if (c && typeof c === 'object' && (c as { type?: unknown }).type === 'text') return String((c as { text?: unknown }).text).slice(0, 200);
    }
  }
  return '(no text content)';
}
