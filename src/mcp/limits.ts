/** Limits of the MCP server, apart from the server so the CLI can show them without loading the SDK. */

/** The longest benchmark (duration + warmup) one benchmark_run may ask for, µs: 10 minutes. */
export const DEFAULT_MAX_BENCHMARK_US = 10 * 60_000_000;
