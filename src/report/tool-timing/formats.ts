/** The tool-timing report's formats, apart from their renderers: the CLI lists them without loading those. */
export const TOOL_REPORT_FORMATS = ['terminal', 'markdown', 'html', 'json', 'csv'] as const;
export type ToolReportFormat = (typeof TOOL_REPORT_FORMATS)[number];
