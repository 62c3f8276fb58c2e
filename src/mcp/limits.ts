/** Limits of the MCP server, apart from the server so the CLI can show them without loading the SDK. */

/** The longest benchmark (duration + warmup) one benchmark_run may ask for, µs: 10 minutes. */
export const DEFAULT_MAX_BENCHMARK_US = 10 * 60_000_000;

/**
 * The longest JSON-RPC message (one line) the stdio server reads, bytes: the MCP SDK's own limit.
 * A longer one is answered with an error and skipped; the session goes on.
 */
export const MAX_STDIO_MESSAGE_BYTES = 10 * 1024 * 1024;

/** An HTTP session with no request for this long is closed, µs (a client reconnects with initialize). */
export const DEFAULT_SESSION_IDLE_US = 10 * 60_000_000;

/** At most this many HTTP sessions at once; past it the longest-idle one is closed first. */
export const MAX_HTTP_SESSIONS = 64;
