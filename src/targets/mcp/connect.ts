/**
 * Connects an MCP client (the official SDK's) to the server under test and times its cold start:
 * spawn (stdio) → initialize handshake → tools/list. The server's stderr is kept (last lines only)
 * so a server that dies on start is reported with its own words.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { Agent, fetch as undiciFetch } from 'undici';
import { pinnedLookup } from '../http/safety.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Clock } from '../../measure/clock.js';
import { swarmperfVersion } from '../../core/version.js';
import type { McpTargetSpec } from './spec.js';

/** Cold-start phases, integer µs on the caller's clock. */
export interface ColdStart {
  /** Process spawned (stdio only; 0 for HTTP, where there is nothing to spawn). */
  spawnUs: number;
  /** initialize request → response (+ initialized notification sent). */
  initializeUs: number;
  /** tools/list request → response (all pages). */
  toolsListUs: number;
  /** From before spawn (or first request) to the tool list in hand. */
  totalUs: number;
}

export interface McpConnection {
  client: Client;
  tools: Tool[];
  coldStart: ColdStart;
  /** The server's PID when we spawned it (stdio), for resource sampling. */
  pid: number | null;
  serverName: string;
  serverVersion: string;
  /** True once the connection closed without us closing it (server crashed or hung up). */
  readonly closedUnexpectedly: boolean;
  /** Last lines the server wrote to stderr (stdio only). */
  stderrTail(): string;
  close(): Promise<void>;
}

export interface ConnectOptions {
  clock: Clock;
  /** Timeout for initialize and tools/list, ms. */
  timeoutMs?: number;
}

const STDERR_TAIL_BYTES = 4096;

/** Resolves with the time the child process was spawned, by hooking the transport's start. */
class TimedStdioTransport extends StdioClientTransport {
  spawnedAtUs = 0;
  constructor(
    params: ConstructorParameters<typeof StdioClientTransport>[0],
    private readonly clock: Clock,
  ) {
    super(params);
  }
  override async start(): Promise<void> {
    await super.start();
    this.spawnedAtUs = this.clock.nowUs();
  }
}

export async function connectMcp(spec: McpTargetSpec, options: ConnectOptions): Promise<McpConnection> {
  const { clock } = options;
  const timeout = options.timeoutMs ?? 30_000;
  const client = new Client({ name: 'swarmperf', version: swarmperfVersion() }, { capabilities: {} });
  let stderr = '';
  let pinned: Agent | undefined;
  let transport: TimedStdioTransport | StreamableHTTPClientTransport;
  if (spec.kind === 'stdio') {
    // The user's environment passes through, as it would from their shell (the SDK default keeps
    // only a handful of variables, which breaks servers configured by environment).
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (typeof v === 'string') env[k] = v;
    transport = new TimedStdioTransport({ command: spec.command, args: spec.args, env, stderr: 'pipe' }, clock);
    // Drained continuously: an unread pipe fills up and blocks a chatty server mid-benchmark.
    transport.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    });
  } else {
    // Safe mode checked these addresses: every request goes to them, never to a second DNS answer.
    if (spec.addresses) pinned = new Agent({ connect: { lookup: pinnedLookup(spec.addresses) } });
    const dispatcher = pinned;
    transport = new StreamableHTTPClientTransport(spec.url, {
      requestInit: { headers: spec.headers },
      ...(dispatcher ? { fetch: ((url: string | URL, init?: RequestInit) => undiciFetch(url, { ...(init as object), dispatcher })) as unknown as FetchLike } : {}),
    });
  }
  let closing = false;
  let closedUnexpectedly = false;
  client.onclose = () => {
    if (!closing) closedUnexpectedly = true;
  };
  // Transport errors surface as failed requests; keep the callback so they are not thrown globally.
  client.onerror = () => {};

  const t0 = clock.nowUs();
  let initializedAt: number;
  let tools: Tool[];
  try {
    await client.connect(transport, { timeout });
    initializedAt = clock.nowUs();
    tools = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor ? { cursor } : undefined, { timeout });
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor);
  } catch (err) {
    closing = true;
    await client.close().catch(() => {});
    await pinned?.close().catch(() => {});
    const tail = stderr.trim();
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(`cannot connect to MCP server ${spec.display}: ${why}${tail ? `\nserver stderr:\n${tail}` : ''}`, { cause: err });
  }
  const listedAt = clock.nowUs();
  const spawnedAt = transport instanceof TimedStdioTransport ? transport.spawnedAtUs : t0;
  const version = client.getServerVersion();
  const pid = transport instanceof TimedStdioTransport ? transport.pid : null;
  return {
    client,
    tools,
    coldStart: {
      spawnUs: Math.round(spawnedAt - t0),
      initializeUs: Math.round(initializedAt - spawnedAt),
      toolsListUs: Math.round(listedAt - initializedAt),
      totalUs: Math.round(listedAt - t0),
    },
    pid,
    serverName: version?.name ?? 'unknown',
    serverVersion: version?.version ?? 'unknown',
    get closedUnexpectedly() {
      return closedUnexpectedly;
    },
    stderrTail: () => stderr.trim(),
    async close() {
      closing = true;
      await client.close();
      await pinned?.close().catch(() => {});
    },
  };
}
