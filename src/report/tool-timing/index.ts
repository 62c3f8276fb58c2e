/** Tool-timing report formats, rendered by the report stack (src/report/): picks the renderer for `--format`. */
import type { ToolTimingReport } from '../../timings/report.js';
import type { ToolReportFormat } from './formats.js';
import { renderCsv } from './csv.js';
import { renderHtml } from './html.js';
import { renderJson } from './json.js';
import { renderMarkdown } from './markdown.js';
import { renderTerminal } from './terminal.js';

export { TOOL_REPORT_FORMATS, type ToolReportFormat } from './formats.js';

export function renderToolTimingReport(r: ToolTimingReport, format: ToolReportFormat): string {
  switch (format) {
    case 'terminal':
      return renderTerminal(r) + '\n';
    case 'markdown':
      return renderMarkdown(r);
    case 'html':
      return renderHtml(r);
    case 'json':
      return renderJson(r);
    case 'csv':
      return renderCsv(r);
  }
}

export { renderCsv, renderHtml, renderJson, renderMarkdown, renderTerminal };
