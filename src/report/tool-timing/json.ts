/** `--format json` / `--json`: the rows array (the stable, documented shape); the full report with `full`. */
import type { ToolTimingReport } from '../../timings/report.js';

export function renderJson(r: ToolTimingReport, full = false): string {
  return JSON.stringify(full ? r : r.rows, null, 2) + '\n';
}
