/**
 * What happens to a RunResult after it is measured, in order: enrichers add to it (bottleneck
 * findings), then outputs keep it (history store, memory store, --json). Outputs receive the run's
 * events as they happen (src/runner/session.ts: start, each closed window, finish); they are
 * registered in one place, src/setup.ts (the composition root). When an output that was asked for fails, the result is written
 * to a fallback file in the data folder (writeFallback) so a measured run is never lost.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Output } from '../core/events.js';
import type { RunResult } from '../core/result.js';
import type { Backend } from '../targets/ports.js';
import { writeFileAtomic } from './atomic-write.js';

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
/** A finish-only output, as a function (the form history and memory-store sinks are written in). */
export type Sink = (result: RunResult, ctx: RunContext) => void | Promise<void>;
/** Makes a run's output from its context; undefined when the output is not wanted for this run. */
export type OutputFactory = (ctx: RunContext) => Output | undefined;

const enrichers: Array<{ name: string; fn: Enricher }> = [];
const outputs: Array<{ name: string; factory: OutputFactory }> = [];

export function registerEnricher(name: string, fn: Enricher): void {
  if (!enrichers.some((e) => e.name === name)) enrichers.push({ name, fn });
}

/** Registers an output made afresh for every run (in registration order, after the command's own). */
export function registerOutput(name: string, factory: OutputFactory): void {
  if (!outputs.some((o) => o.name === name)) outputs.push({ name, factory });
}

/** A finish-only output from a sink function. */
export function sinkOutput(name: string, fn: Sink, ctx: RunContext): Output {
  return { name, finish: (result) => fn(result, ctx) };
}

/** Registers a sink: an output that only receives finish(RunResult). */
export function registerSink(name: string, fn: Sink): void {
  registerOutput(name, (ctx) => sinkOutput(name, fn, ctx));
}

/** The registered outputs for one run. */
export function createOutputs(ctx: RunContext): Output[] {
  return outputs.flatMap((o) => {
    const output = o.factory(ctx);
    return output ? [output] : [];
  });
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

/**
 * Hands the result to every registered output's finish (for callers without a run session, e.g.
 * the MCP server). A failing output warns and the others still run; returns the names that failed.
 */
export async function sinkRunResult(result: RunResult, ctx: RunContext): Promise<string[]> {
  const failed: string[] = [];
  for (const o of createOutputs(ctx)) {
    try {
      await o.finish?.(result);
    } catch (err) {
      failed.push(o.name);
      ctx.warn(`${o.name} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return failed;
}

/** Folder (under the data folder) where results land when an output that was asked for failed. */
export const FALLBACK_FOLDER = 'unsaved-results';

/**
 * Writes the result where it cannot be lost: `<data-dir>/unsaved-results/<run-id>.json`, or, when
 * the data folder itself cannot be written, the same name under the system's temp folder. Returns
 * the path written; throws only when neither could be written.
 */
export function writeFallback(result: RunResult, dataDir: string): string {
  const json = JSON.stringify(result, null, 2) + '\n';
  const errors: string[] = [];
  for (const base of [dataDir, join(tmpdir(), 'swarmperf')]) {
    const dir = join(base, FALLBACK_FOLDER);
    const path = join(dir, `${result.id}.json`);
    try {
      // The fallback folder is ours to create; the data folder itself only if it is missing.
      if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
      writeFileAtomic(path, json);
      return path;
    } catch (err) {
      errors.push(`${path}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  throw new Error(`the result could not be written anywhere (${errors.join('; ')})`);
}
