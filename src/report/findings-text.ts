/**
 * Findings for the terminal (`swarmperf bottlenecks`): most severe first, then by impact; each with
 * its evidence, the share of time the cause explains, the advice, the knob and the command that
 * tests it. A recommendation shared by several findings is printed once, at its first finding.
 */
import type { Finding } from '../core/result.js';
import { escapeTerminal as visible } from './escape.js';

const MARK: Record<Finding['severity'], string> = { critical: '✗ critical', warning: '! warning', info: '· info' };

const OF: Record<NonNullable<Finding['impact']>['of'], string> = {
  'operation-time': 'of all operation time',
  p99: 'of the p99',
  'wall-time': 'of the wall time',
  'host-cpu': 'of the host CPU',
};

/** "explains 71 % of all operation time" from a finding's impact figure. */
export function impactText(f: Finding): string | undefined {
  if (!f.impact) return undefined;
  const v = f.impact.share * 100;
  return `impact: ${v >= 10 ? v.toFixed(0) : v.toFixed(1)} % ${OF[f.impact.of]}`;
}

export function formatFindings(findings: readonly Finding[]): string {
  if (findings.length === 0) return 'no bottleneck findings: every figure is within the thresholds';
  const seen = new Set<string>();
  return findings
    .map((f) => {
      const lines = [`${MARK[f.severity]} ${f.kind}${f.component ? ` · ${visible(f.component)}` : ''}`, `  ${visible(f.evidence)}`];
      const impact = impactText(f);
      if (impact) lines.push(`  ${impact}`);
      if (seen.has(f.recommendation)) lines.push('  → (same advice as above)');
      else lines.push(`  → ${visible(f.recommendation)}`);
      seen.add(f.recommendation);
      if (f.knob) lines.push(`  knob: ${visible(f.knob)}`);
      if (f.command) lines.push(`  try: ${visible(f.command)}`);
      return lines.join('\n');
    })
    .join('\n\n');
}
