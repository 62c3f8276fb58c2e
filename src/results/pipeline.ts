/**
 * What happens to a RunResult after it is measured, in order: enrichers add to it (bottleneck
 * findings), then sinks keep it (history store, memory store). They are registered in one place,
 * src/setup.ts (the composition root); every caller runs suites through results/run-suites.ts.
 */
import type { RunResult } from '../core/result.js';
import type { Backend } from '../targets/ports.js';

export interface RunContext {
  dataDir: string;
  /** Raw command options (e.g. history path, --no-history). */
  options: Record<string, unknown>;
  /** Warnings for the user (a sink that failed must not lose the result). */
  warn: (message: string) => void;
  /**
   * The memory store the caller already holds open (the MCP server's, shared with its memory_*
   * tools): the memory sink writes the run's summary there instead of opening the data folder's.
   */
  memoryStore?: () => Promise<Backend>;
}

export type Enricher = (result: RunResult, ctx: RunContext) => void | Promise<void>;
export type Sink = (result: RunResult, ctx: RunContext) => void | Promise<void>;

const enrichers: Array<{ name: string; fn: Enricher }> = [];
const sinks: Array<{ name: string; fn: Sink }> = [];

export function registerEnricher(name: string, fn: Enricher): void {
  if (!enrichers.some((e) => e.name === name)) enrichers.push({ name, fn });
}

export function registerSink(name: string, fn: Sink): void {
  if (!sinks.some((s) => s.name === name)) sinks.push({ name, fn });
}

export async function enrichRunResult(result: RunResult, ctx: RunContext): Promise<void> {
  for (const e of enrichers) {
    try {
      await e.fn(result, ctx);
    } catch (err) {
      ctx.warn(`${e.name} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

/** Hands the result to every sink; a failing sink warns and the others still run. */
export async function sinkRunResult(result: RunResult, ctx: RunContext): Promise<void> {
  for (const s of sinks) {
    try {
      await s.fn(result, ctx);
    } catch (err) {
      ctx.warn(`${s.name} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
