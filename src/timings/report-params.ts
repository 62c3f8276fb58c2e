/**
 * The parameters of a tool-timing report, declared once: `swarmperf tools report` takes its flag
 * defaults from here and the MCP tool `tool_timing_report` its input schema, so both show the same
 * window by default (the 24 hours up to the newest stored call) and both accept `since: "all"`.
 */
import { z } from 'zod';
import { MAX_LOOKBACK_US, parsePositiveDurationUs, UsageError } from '../core/parse.js';

export const GROUP_BYS = ['tool', 'category', 'session'] as const;
export type GroupBy = (typeof GROUP_BYS)[number];

/** What a report is built from (buildToolTimingReport's options). */
export interface ReportOptions {
  dataDir: string;
  /** Window length in µs back from `untilUs`; null or undefined for everything stored. */
  sinceUs?: number | null;
  /** End of the window, epoch µs (default: the newest stored call; now for an empty store). */
  untilUs?: number;
  by?: GroupBy;
  slowest?: number;
}

export const TOOL_REPORT_PARAMS = z.object({
  since: z.string().min(1).max(32).default('24h').describe('window back from `until`: a duration (24h, 7d, 90m) or "all" (default 24h)'),
  until: z.string().min(1).max(64).optional().describe('end of the window, an ISO date (default: the newest stored call)'),
  by: z.enum(GROUP_BYS).default('tool').describe('group by tool (default), category or session'),
  slowest: z.number().int().min(0).max(1000).default(10).describe('how many slowest calls to list (default 10)'),
});

export type ToolReportParams = z.output<typeof TOOL_REPORT_PARAMS>;

/** The defaults, as the schema fills them in for an empty call. */
export const TOOL_REPORT_DEFAULTS: ToolReportParams = TOOL_REPORT_PARAMS.parse({});

/** How a parameter is named to the user: `--since` on the command line, `since` over MCP. */
export type ParamName = (param: keyof ToolReportParams) => string;

/**
 * Report options from loosely typed parameters (flags, an MCP call): `since` a duration or "all",
 * `until` an ISO date, `by` tool|category|session. Missing ones take the schema's defaults; a bad
 * one throws a UsageError naming it.
 */
export function resolveToolReportOptions(dataDir: string, params: { since?: string | undefined; until?: string | undefined; by?: string | undefined; slowest?: number | undefined }, name: ParamName = (p) => p): ReportOptions {
  const by = (params.by ?? TOOL_REPORT_DEFAULTS.by) as GroupBy;
  if (!GROUP_BYS.includes(by)) throw new UsageError(`${name('by')}: expected tool, category or session, got "${params.by}"`);
  const since = (params.since ?? TOOL_REPORT_DEFAULTS.since).trim();
  const opts: ReportOptions = { dataDir, by, sinceUs: since === 'all' ? null : parsePositiveDurationUs(name('since'), since, { max: MAX_LOOKBACK_US }), slowest: params.slowest ?? TOOL_REPORT_DEFAULTS.slowest };
  if (params.until !== undefined) {
    const t = Date.parse(params.until);
    if (Number.isNaN(t)) throw new UsageError(`${name('until')}: expected an ISO date such as 2026-01-04T18:00:00Z, got "${params.until}"`);
    opts.untilUs = t * 1000;
  }
  return opts;
}
