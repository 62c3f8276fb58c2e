/**
 * performance_report (a recorded run as markdown) and tool_timing_report (where the agents' tool
 * time goes, from the tool-timing store; optionally ingesting a log file first). Both render with
 * the same functions as `swarmperf report` and `swarmperf tools`.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { UsageError } from '../../core/parse.js';
import { renderMarkdown } from '../../report/markdown.js';
import { renderMarkdown as renderToolMarkdown } from '../../report/tool-timing/markdown.js';
import { IngestFileError, ingestToolLogs } from '../../timings/ingest.js';
import { buildToolTimingReport } from '../../timings/report.js';
import { resolveToolReportOptions } from '../../timings/report-defaults.js';
import { TOOL_REPORT_PARAMS } from '../../timings/report-params.js';
import type { ServerContext } from '../context.js';
import { allowedFile, guarded, ok, reasonWithoutExcerpt } from './common.js';
import { runRef } from './analysis.js';

export function registerReportTools(server: McpServer, ctx: ServerContext): void {
  server.registerTool(
    'performance_report',
    {
      title: 'Performance report (markdown)',
      description: 'A recorded run as a markdown report: per-suite operations table (throughput, latency percentiles, errors), service time, checks, bottleneck findings and trends against the history (with change points).',
      inputSchema: z.strictObject({ run: runRef }),
    },
    ({ run }) =>
      guarded('performance_report', () => {
        const r = ctx.getRun(run);
        const { text } = renderMarkdown({ run: r, runs: [r], trends: ctx.trendsFor(r) });
        return ok(text, { runId: r.id, markdown: text });
      }),
  );

  server.registerTool(
    'tool_timing_report',
    {
      title: 'Tool timing report',
      description:
        "Where the agents' tool-call time goes: per tool (or category, or session) count, error rate, p50/p95/p99, total time and share, the slowest calls, and regressions. Reads the tool-timing store in the data folder; give `file` to ingest a tool-timing JSONL log into it first (read only; the file must be in the data folder or a folder the server was started with --allow-path; nothing is written outside the data folder).",
      inputSchema: z.strictObject({
        file: z.string().min(1).max(4096).optional().describe('a tool-timing JSONL log to ingest first (incremental: already-read lines are skipped)'),
        // since/until/by: the CLI's parameters and defaults (timings/report-params.ts), so both show the same window.
        since: TOOL_REPORT_PARAMS.shape.since,
        until: TOOL_REPORT_PARAMS.shape.until,
        by: TOOL_REPORT_PARAMS.shape.by,
        slowest: z.number().int().min(0).max(100).default(10).describe('how many slowest calls to list (default 10)'),
      }),
    },
    ({ file, since, until, by, slowest }) =>
      guarded('tool_timing_report', () => {
        let ingested: Record<string, unknown> | undefined;
        if (file !== undefined) {
          try {
            const s = ingestToolLogs([allowedFile(ctx.config, file)], { dataDir: ctx.config.dataDir });
            // Line numbers and reasons, never the lines' text (a wrong file could be anything).
            const firstInvalid = s.invalid.slice(0, 5).map((i) => ({ file, line: i.line, reason: reasonWithoutExcerpt(i.reason) }));
            const invalidByReason: Record<string, number> = {};
            for (const [reason, n] of Object.entries(s.invalidByReason)) invalidByReason[reasonWithoutExcerpt(reason)] = (invalidByReason[reasonWithoutExcerpt(reason)] ?? 0) + n;
            ingested = { records: s.records, lines: s.lines, duplicates: s.duplicates, invalid: s.invalidCount, invalidByReason, firstInvalid };
          } catch (err) {
            if (err instanceof IngestFileError) throw new UsageError(err.message);
            throw err;
          }
        }
        const report = buildToolTimingReport(resolveToolReportOptions(ctx.config.dataDir, { since, until, by, slowest }));
        const text = report.stored === null ? `no tool timings stored in ${ctx.config.dataDir}${file ? '' : ' (give file to ingest a tool-timing log)'}` : renderToolMarkdown(report);
        return ok(text, { ...(ingested ? { ingested } : {}), ...report });
      }),
  );
}
