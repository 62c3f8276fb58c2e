/**
 * CSV: one row per metric of each run (RFC 4180: CRLF line ends, fields quoted when they hold a
 * comma, quote or line break). Names and units come from results/metrics.ts, the one place metrics
 * are defined, so a column here matches what compare, trends and alerts call the same figure.
 */
import { extractMetrics } from '../results/metrics.js';
import type { RunResult } from '../core/result.js';
import { csvField } from './escape.js';

export const CSV_COLUMNS = ['run_id', 'started_at', 'suite', 'backend', 'operation', 'stat', 'metric', 'value', 'unit', 'direction'] as const;

export function renderCsv(runs: readonly RunResult[]): string {
  const rows: string[] = [CSV_COLUMNS.join(',')];
  for (const run of runs) {
    const backends = new Map(run.suites.map((s) => [s.name, s.backend]));
    for (const m of extractMetrics(run)) {
      rows.push(
        [run.id, run.startedAt, m.suite, backends.get(m.suite) ?? '', m.operation ?? '', m.stat, m.name, m.value, m.unit, m.direction].map(csvField).join(','),
      );
    }
  }
  return rows.join('\r\n') + '\r\n';
}
