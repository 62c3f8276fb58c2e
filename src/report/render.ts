/**
 * Report formats by name: `swarmperf report --format X`, MCP and library users render through
 * renderReport(). The formats are registered by the composition root (src/setup.ts); a new format
 * is one registerReportFormat() call there.
 */
import { UsageError } from '../core/errors.js';
import { renderBmf } from './bmf.js';
import { renderCsv } from './csv.js';
import { renderGab } from './gab.js';
import { renderHtml } from './html.js';
import { renderMarkdown, type MarkdownCharts } from './markdown.js';
import type { ReportInput } from './model.js';
import { renderProm } from './prom.js';

/** The formats swarmperf ships; others may be registered beside them. */
export const REPORT_FORMATS = ['markdown', 'html', 'json', 'csv', 'bmf', 'gab', 'prom'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface RenderedReport {
  text: string;
  files: Array<{ path: string; content: string }>;
}

export interface RenderOptions {
  charts: boolean;
  /** Where chart files go, relative to the report. */
  chartsDir?: string;
}

export interface ReportFormatDefinition {
  name: string;
  /** Describes one run: with several runs only the newest would show, so the CLI refuses --last N. */
  singleRun: boolean;
  /** Pure: the caller writes the text and files. */
  render(input: ReportInput, options: RenderOptions): RenderedReport;
}

const text = (t: string): RenderedReport => ({ text: t, files: [] });

/** The shipped formats, for the composition root to register. */
export const BUILTIN_REPORT_FORMATS: readonly ReportFormatDefinition[] = [
  {
    name: 'markdown',
    singleRun: false,
    render(input, o) {
      const charts: MarkdownCharts = !o.charts ? { mode: 'none' } : o.chartsDir ? { mode: 'svg', dir: o.chartsDir } : { mode: 'mermaid' };
      return renderMarkdown(input, charts);
    },
  },
  { name: 'html', singleRun: false, render: (input) => text(renderHtml(input)) },
  { name: 'json', singleRun: false, render: (input) => text(JSON.stringify(input.runs.length === 1 ? input.run : input.runs, null, 2) + '\n') },
  { name: 'csv', singleRun: false, render: (input) => text(renderCsv(input.runs)) },
  { name: 'bmf', singleRun: true, render: (input) => text(renderBmf(input.run)) },
  { name: 'gab', singleRun: true, render: (input) => text(renderGab(input.run)) },
  { name: 'prom', singleRun: true, render: (input) => text(renderProm(input.run)) },
];

const formats = new Map<string, ReportFormatDefinition>();

export function registerReportFormat(def: ReportFormatDefinition): void {
  if (formats.has(def.name)) return; // registering the same format twice (setup() called again) is harmless
  formats.set(def.name, def);
}

export function listReportFormats(): string[] {
  return [...formats.keys()];
}

export function getReportFormat(name: string): ReportFormatDefinition | undefined {
  return formats.get(name);
}

/** A --format value ("md" is markdown) → a registered format name. */
export function parseFormat(raw: string): string {
  const f = raw.trim().toLowerCase() === 'md' ? 'markdown' : raw.trim().toLowerCase();
  if (!formats.has(f)) throw new UsageError(`--format: expected one of ${listReportFormats().join(', ')}, got "${raw}"`);
  return f;
}

/** Renders a report in a registered format; pure (the caller writes). */
export function renderReport(format: ReportFormat | string, input: ReportInput, options: RenderOptions): RenderedReport {
  const def = formats.get(format);
  if (!def) throw new UsageError(`unknown report format "${format}"; registered: ${listReportFormats().join(', ') || 'none (call setup() from swarmperf first)'}`);
  return def.render(input, options);
}
