/** Findings for the terminal (`swarmperf bottlenecks`): most severe first, evidence then the advice. */
import type { Finding } from '../results/schema.js';

const MARK: Record<Finding['severity'], string> = { critical: '✗ critical', warning: '! warning', info: '· info' };

/** Outside names may hold control characters; the terminal gets them visible, not interpreted. */
function visible(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => (c === '\n' ? '\\n' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

export function formatFindings(findings: readonly Finding[]): string {
  if (findings.length === 0) return 'no bottleneck findings: every figure is within the thresholds';
  return findings
    .map((f) => `${MARK[f.severity]} ${f.kind}${f.component ? ` · ${visible(f.component)}` : ''}\n  ${visible(f.evidence)}\n  → ${visible(f.recommendation)}`)
    .join('\n\n');
}
