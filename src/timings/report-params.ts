/** The tool-timing report's parameters as a zod schema (the MCP tool's input), from report-defaults.ts. */
import { z } from 'zod';
import { GROUP_BYS, TOOL_REPORT_DEFAULTS, TOOL_REPORT_DESCRIPTIONS } from './report-defaults.js';

export const TOOL_REPORT_PARAMS = z.object({
  since: z.string().min(1).max(32).default(TOOL_REPORT_DEFAULTS.since).describe(TOOL_REPORT_DESCRIPTIONS.since),
  until: z.string().min(1).max(64).optional().describe(TOOL_REPORT_DESCRIPTIONS.until),
  by: z.enum(GROUP_BYS).default(TOOL_REPORT_DEFAULTS.by).describe(TOOL_REPORT_DESCRIPTIONS.by),
  slowest: z.number().int().min(0).max(1000).default(TOOL_REPORT_DEFAULTS.slowest).describe(TOOL_REPORT_DESCRIPTIONS.slowest),
});
