/**
 * The parameters of a tool-timing report, declared once: `swarmperf tools report` takes its flag
 * defaults from here and the MCP tool `tool_timing_report` its input schema (built from these in
 * report-params.ts), so both show the same window by default (the 24 hours up to the newest stored
 * call) and both accept `since: "all"`. Free of zod, so the CLI registers its flags without it.
 */
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

export interface ToolReportParams {
  since: string;
  until?: string | undefined;
  by: GroupBy;
  slowest: number;
}

/** The defaults of an empty call. */
export const TOOL_REPORT_DEFAULTS: ToolReportParams = { since: '24h', by: 'tool', slowest: 10 };

export const TOOL_REPORT_DESCRIPTIONS: Record<keyof ToolReportParams, string> = {
  since: 'window back from `until`: a duration (24h, 7d, 90m) or "all" (default 24h)',
  until: 'end of the window, an ISO date (default: the newest stored call)',
  by: 'group by tool (default), category or session',
  slowest: 'how many slowest calls to list (default 10)',
};

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
