/**
 * Keeps each run's summary where agents look for results: the shared memory store, full key
 * `performance/swarmperf/bench-{run-id}/results` — the seed's convention
 * `performance/{agent}/{task}/{type}` with agent "swarmperf" and task "bench-{run-id}", so the
 * seed's documented search for every agent's bench results (docs/memory-summary.md) finds swarmperf's runs.
 * This sink is the ONLY writer of that document (the CLI and MCP benchmark_run both reach it
 * through the pipeline); its shape is documented in docs/memory-summary.md.
 *
 * Where: the memory store the caller holds open (the MCP server's), else the data folder's store
 * when one exists (the same default as `swarmperf memory`: sqlite; SWARMPERF_MEMORY_BACKEND
 * overrides). A run never creates a memory store, and a store that cannot be opened is a warning,
 * never a lost run.
 */
import { existsSync } from 'node:fs';
import { openBackend, parseBackendSpec } from '../targets/backend.js';
import { extractMetrics } from './metrics.js';
import type { RunContext, Sink } from './pipeline.js';
import { checkStatus, type RunResult } from '../core/result.js';

export const MEMORY_NAMESPACE = 'performance';

/** The agent name swarmperf files its results under. */
export const MEMORY_AGENT = 'swarmperf';

/** The key within the `performance` namespace: `swarmperf/bench-{run-id}/results`. */
export function memoryKey(runId: string): string {
  return `${MEMORY_AGENT}/bench-${runId}/results`;
}

/** Version of the summary document's shape (docs/memory-summary.md); bumped on a breaking change. */
export const MEMORY_SUMMARY_VERSION = 1;

/** What agents get: enough to act on without the histograms (those stay in the history). */
export function memorySummary(run: RunResult, historyPath?: string): Record<string, unknown> {
  const metrics: Record<string, number> = {};
  for (const m of extractMetrics(run)) metrics[m.name] = m.value;
  const failed = run.suites.flatMap((s) => s.checks.filter((c) => !c.passed).map((c) => `${s.name}: ${c.name}: ${c.detail}`));
  const notChecked = run.suites.flatMap((s) => s.checks.filter((c) => checkStatus(c) === 'not-checked').map((c) => `${s.name}: ${c.name}: ${c.detail}`));
  return {
    format: 'swarmperf-run-summary',
    version: MEMORY_SUMMARY_VERSION,
    agent: MEMORY_AGENT,
    runId: run.id,
    status: run.partial ? 'partial' : 'complete',
    timestamp: Date.parse(run.finishedAt),
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    partial: run.partial,
    command: run.config.command,
    suites: run.suites.map((s) => ({
      name: s.name,
      backend: s.backend,
      operations: s.operations.map((o) => ({
        name: o.name,
        count: o.count,
        errors: o.errors,
        dropped: o.dropped,
        throughput: o.throughput,
        p50Us: o.latencyUs.p50,
        p99Us: o.latencyUs.p99,
        maxUs: o.latencyUs.max,
      })),
      checks: s.checks.map((c) => ({ name: c.name, passed: c.passed, detail: c.detail })),
    })),
    git: { sha: run.env.gitSha, branch: run.env.gitBranch, dirty: run.env.gitDirty },
    tags: run.tags ?? {},
    checksPassed: failed.length === 0,
    failedChecks: failed,
    notCheckedChecks: notChecked,
    findings: (run.findings ?? []).map((f) => ({ kind: f.kind, severity: f.severity, component: f.component, evidence: f.evidence })),
    metrics,
    ...(historyPath ? { history: historyPath } : {}),
  };
}

/** The memory store spec to use, or undefined when none exists (nothing is created). */
export function existingMemoryStore(ctx: RunContext, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const spec = env.SWARMPERF_MEMORY_BACKEND ?? 'sqlite';
  let parsed;
  try {
    parsed = parseBackendSpec(spec, ctx.dataDir);
  } catch (err) {
    ctx.warn(`SWARMPERF_MEMORY_BACKEND: ${err instanceof Error ? err.message : String(err)}; results not kept in the memory store`);
    return undefined;
  }
  if (parsed.kind === 'memory') return undefined; // in-process: no agent could read it after we exit
  return parsed.location !== undefined && existsSync(parsed.location) ? spec : undefined;
}

export const memorySink: Sink = async (result, ctx) => {
  const history = typeof ctx.options.history === 'string' ? ctx.options.history : undefined;
  const document = JSON.stringify(memorySummary(result, history));
  if (ctx.memoryStore) {
    // The caller's open store (shared with its memory tools): written, never closed here.
    await (await ctx.memoryStore()).memory.store(MEMORY_NAMESPACE, memoryKey(result.id), document);
    return;
  }
  const spec = existingMemoryStore(ctx);
  if (spec === undefined) return;
  let backend;
  try {
    backend = await openBackend(spec, ctx.dataDir);
  } catch (err) {
    ctx.warn(`memory store (${spec}) could not be opened, results not kept there: ${err instanceof Error ? err.message : String(err)}`);
    return;
  }
  try {
    await backend.memory.store(MEMORY_NAMESPACE, memoryKey(result.id), document);
  } finally {
    await backend.close();
  }
};
