/**
 * The pipeline enricher that puts bottleneck findings on every run before it is printed and kept.
 * Findings of other kinds (added by other enrichers) are kept; ours are recomputed, so enriching
 * twice gives the same result.
 */
import type { Enricher } from '../results/pipeline.js';
import type { Finding, RunResult } from '../core/result.js';
import { findBottlenecks, FINDING_KINDS } from './bottlenecks.js';
import { addFingerprints } from '../results/env.js';

const OURS = new Set<string>(FINDING_KINDS);

export function withBottleneckFindings(run: RunResult): Finding[] {
  const others = (run.findings ?? []).filter((f) => !OURS.has(f.kind));
  return [...findBottlenecks(run), ...others];
}

export const bottleneckEnricher: Enricher = (result) => {
  result.findings = withBottleneckFindings(result);
};

/** Puts the configuration fingerprint on the run and its suites before the sinks keep it. */
export const fingerprintEnricher: Enricher = (result) => {
  addFingerprints(result);
};
