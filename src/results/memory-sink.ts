/**
 * Keeps each run's summary where agents look for results: the shared memory store, namespace
 * `performance`, key `swarmperf/{run-id}/results` — when a memory store exists (the same default
 * as `swarmperf memory`: sqlite in the data folder; SWARMPERF_MEMORY_BACKEND overrides). A run
 * never creates a memory store, and a store that cannot be opened is a warning, never a lost run.
 */
import { existsSync } from 'node:fs';
import { openBackend, parseBackendSpec } from '../targets/backend.js';
import { extractMetrics } from './metrics.js';
import type { RunContext, Sink } from './pipeline.js';
import { checkStatus, type RunResult } from '../core/result.js';

export const MEMORY_NAMESPACE = 'performance';

export function memoryKey(runId: string): string {
  return `swarmperf/${runId}/results`;
}

/** What agents get: enough to act on without the histograms (those stay in the history). */
export function memorySummary(run: RunResult, historyPath?: string): Record<string, unknown> {
  const metrics: Record<string, number> = {};
  for (const m of extractMetrics(run)) metrics[m.name] = m.value;
  const failed = run.suites.flatMap((s) => s.checks.filter((c) => !c.passed).map((c) => `${s.name}: ${c.name}: ${c.detail}`));
  const notChecked = run.suites.flatMap((s) => s.checks.filter((c) => checkStatus(c) === 'not-checked').map((c) => `${s.name}: ${c.name}: ${c.detail}`));
  return {
    runId: run.id,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    partial: run.partial,
    command: run.config.command,
    suites: run.suites.map((s) => ({ name: s.name, backend: s.backend, operations: s.operations.map((o) => o.name) })),
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
    const history = typeof ctx.options.history === 'string' ? ctx.options.history : undefined;
    await backend.memory.store(MEMORY_NAMESPACE, memoryKey(result.id), JSON.stringify(memorySummary(result, history)));
  } finally {
    await backend.close();
  }
};
