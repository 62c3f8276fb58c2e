/** Findings for the terminal (`swarmperf bottlenecks`): most severe first, evidence then the advice. */
import type { Finding } from '../core/result.js';
import { escapeTerminal as visible } from './escape.js';

const MARK: Record<Finding['severity'], string> = { critical: '✗ critical', warning: '! warning', info: '· info' };

export function formatFindings(findings: readonly Finding[]): string {
  if (findings.length === 0) return 'no bottleneck findings: every figure is within the thresholds';
  return findings
    .map((f) => `${MARK[f.severity]} ${f.kind}${f.component ? ` · ${visible(f.component)}` : ''}\n  ${visible(f.evidence)}\n  → ${visible(f.recommendation)}`)
    .join('\n\n');
}
