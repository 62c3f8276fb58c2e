/**
 * Tools that read a recorded run: agent_metrics (per-agent/worker figures), bottleneck_detect
 * (findings), performance_report (markdown). A run is named by id, unique id prefix, `latest` or
 * `latest~N`, looked up in the history (or this session's runs when history is off).
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { filterFindings, findBottlenecks } from '../../analysis/bottlenecks.js';
import { UsageError } from '../../core/parse.js';
import { formatBytes } from '../../core/units.js';
import type { ResourceSample, RunResult } from '../../core/result.js';
import type { ServerContext } from '../context.js';
import { guarded, ok } from './common.js';

export const runRef = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9~_-]+$/, 'run must be a run id, an id prefix, "latest" or "latest~N"')
  .default('latest')
  .describe('run id, unique id prefix, "latest" or "latest~N" (default latest)');

interface ProcessFigures {
  label: string;
  pids: number[];
  samples: number;
  cpuPctMean: number;
  cpuPctMax: number;
  rssMaxBytes: number;
}

/** Per process label (main, worker-1, …): the resource figures an agent's health is judged by. */
export function perProcess(samples: ResourceSample[]): ProcessFigures[] {
  const by = new Map<string, ProcessFigures & { cpuSum: number }>();
  for (const s of samples) {
    let f = by.get(s.label);
    if (!f) {
      f = { label: s.label, pids: [], samples: 0, cpuPctMean: 0, cpuPctMax: 0, rssMaxBytes: 0, cpuSum: 0 };
      by.set(s.label, f);
    }
    if (!f.pids.includes(s.pid)) f.pids.push(s.pid);
    const cpu = s.cpuUserPct + s.cpuSystemPct;
    f.samples++;
    f.cpuSum += cpu;
    f.cpuPctMax = Math.max(f.cpuPctMax, cpu);
    f.rssMaxBytes = Math.max(f.rssMaxBytes, s.rssBytes);
  }
  return [...by.values()].map(({ cpuSum, ...f }) => ({ ...f, cpuPctMean: Math.round((cpuSum / Math.max(1, f.samples)) * 10) / 10, cpuPctMax: Math.round(f.cpuPctMax * 10) / 10 }));
}

function agentMetrics(run: RunResult, suiteName: string | undefined): Record<string, unknown> {
  const suites = suiteName === undefined ? run.suites : run.suites.filter((s) => s.name === suiteName);
  if (suiteName !== undefined && suites.length === 0) throw new UsageError(`run ${run.id} has no suite "${suiteName}"; its suites: ${run.suites.map((s) => s.name).join(', ')}`);
  return {
    runId: run.id,
    suites: suites.map((s) => ({
      name: s.name,
      backend: s.backend,
      workers: s.workers ?? [],
      processes: perProcess(s.resources.samples),
      operations: s.operations.map((op) => ({ name: op.name, count: op.count, errors: op.errors, throughput: Math.round(op.throughput * 100) / 100, p50Us: op.latencyUs.p50, p99Us: op.latencyUs.p99 })),
    })),
  };
}

function agentMetricsText(m: ReturnType<typeof agentMetrics>): string {
  const lines: string[] = [`run ${String(m.runId)}`];
  for (const s of m.suites as Array<{ name: string; backend: string; workers: Array<Record<string, unknown>>; processes: ProcessFigures[] }>) {
    lines.push(`${s.name} on ${s.backend}:`);
    if (s.workers.length > 0) for (const w of s.workers) lines.push(`  worker ${JSON.stringify(w)}`);
    else lines.push('  (this suite records no per-worker figures)');
    for (const p of s.processes) lines.push(`  process ${p.label} (pid ${p.pids.join(',')}): cpu mean ${p.cpuPctMean}% max ${p.cpuPctMax}%, rss max ${formatBytes(p.rssMaxBytes)}`);
  }
  return lines.join('\n');
}

export function registerAnalysisTools(server: McpServer, ctx: ServerContext): void {
  server.registerTool(
    'agent_metrics',
    {
      title: 'Per-agent figures of a run',
      description: 'Per-agent/worker figures of a recorded run: what each worker did (as the suite records it), each process\'s CPU and memory, and per-operation latency and throughput.',
      inputSchema: z.strictObject({ run: runRef, suite: z.string().min(1).max(64).optional().describe('only this suite') }),
    },
    ({ run, suite }) =>
      guarded('agent_metrics', () => {
        const m = agentMetrics(ctx.getRun(run), suite);
        return ok(agentMetricsText(m), m);
      }),
  );

  server.registerTool(
    'bottleneck_detect',
    {
      title: 'Find bottlenecks in a run',
      description: 'Bottleneck findings of a recorded run (CPU saturation, memory growth, event-loop delay, GC pressure, latency tails, throughput degradation, lock contention, drops, error rates), each with evidence and a recommendation, most severe first.',
      inputSchema: z.strictObject({
        run: runRef,
        component: z.string().min(1).max(128).optional().describe('only findings about this component: a suite ("tasks") or suite/operation ("tasks/claim")'),
      }),
    },
    ({ run, component }) =>
      guarded('bottleneck_detect', () => {
        const r = ctx.getRun(run);
        const all = findBottlenecks(r);
        const findings = component !== undefined ? filterFindings(all, component) : all;
        const text =
          findings.length === 0
            ? `run ${r.id}: no bottleneck found${component ? ` for ${component}` : ''}`
            : [`run ${r.id}: ${findings.length} finding(s)`, ...findings.map((f) => `[${f.severity}] ${f.kind}${f.component ? ` (${f.component})` : ''}: ${f.evidence}\n  → ${f.recommendation}`)].join('\n');
        return ok(text, { runId: r.id, findings });
      }),
  );
}
