/** The report rows as CSV (RFC 4180) through report/escape's csvField: formula-safe, control characters visible. */
import type { ToolTimingReport } from '../../timings/report.js';
import { csvField } from '../escape.js';

export function renderCsv(r: ToolTimingReport): string {
  const cols = ['tool', 'category', ...(r.by === 'session' ? ['session'] : []), 'count', 'errors', 'errorRate', 'p50Ms', 'p95Ms', 'p99Ms', 'maxMs', 'totalMs', 'share'] as const;
  const lines = [cols.join(',')];
  for (const row of r.rows) lines.push(cols.map((c) => csvField((row as unknown as Record<string, string | number | undefined>)[c])).join(','));
  return lines.join('\r\n') + '\r\n';
}
