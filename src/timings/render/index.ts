/** Picks the renderer for `--format`. */
import type { ToolTimingReport } from '../report.js';
import { renderCsv } from './csv.js';
import { renderHtml } from './html.js';
import { renderJson } from './json.js';
import { renderMarkdown } from './markdown.js';
import { renderTerminal } from './terminal.js';

export const REPORT_FORMATS = ['terminal', 'markdown', 'html', 'json', 'csv'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export function renderToolTimingReport(r: ToolTimingReport, format: ReportFormat): string {
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
