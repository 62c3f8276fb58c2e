/**
 * What the overview says is wrong with a configuration now: its open regressions (compare's verdict
 * between consecutive runs, results/compare.ts, not a new test) and the alert rules of the data
 * folder its latest run breaches (results/alerts.ts).
 */
import type { RunResult } from '../../core/result.js';
import { checkAlerts, type AlertRule } from '../../results/alerts.js';
import { compareRuns } from '../../results/compare.js';

export interface OpenRegression {
  metric: string;
  /** Relative change at the step that regressed (head vs base of that pair); null when base was 0. */
  change: number | null;
  /** The first run at the regressed level, and the run before it. */
  sinceRunId: string;
  sinceStartedAt: string;
  baseRunId: string;
  pAdjusted: number | null;
}

export interface BreachedAlert {
  rule: string;
  metric: string;
  /** The value the latest run had, formatted in the metric's unit. */
  value: string;
}

/** Consecutive pairs of runs looked at: a regression older than this many runs is history, not news. */
export const REGRESSION_WINDOW = 10;
/** The false-alarm rate of "open regression" per configuration (split over the window's pairs). */
export const REGRESSION_ALPHA = 0.05;
/** Same smallest change and assumed run-to-run noise as `swarmperf compare` by default. */
const MIN_EFFECT = 0.05;
const ASSUMED_NOISE = 0.05;

/**
 * Open regressions of one suite over its runs (oldest first, one configuration): every consecutive
 * pair of the last REGRESSION_WINDOW is compared; per metric the most recent pair whose verdict is
 * not "unchanged" decides — "regressed" is open, "improved" means it recovered. Each pair is tested
 * at REGRESSION_ALPHA / pairs (compare keeps a pair's family-wise rate at its alpha with Holm), so
 * the chance that a configuration whose runs differ only by noise shows any open regression is at
 * most REGRESSION_ALPHA (union bound).
 *
 * `prior(metric, runId)` gives the values of a metric in the configuration's runs before that run:
 * the run-to-run noise compare judges a difference against.
 */
export function openRegressions(suite: string, runs: readonly RunResult[], prior: (metric: string, runId: string) => number[]): OpenRegression[] {
  const usable = runs.filter((r) => !r.partial).slice(-(REGRESSION_WINDOW + 1));
  const pairs = usable.length - 1;
  if (pairs < 1) return [];
  const decided = new Map<string, OpenRegression | null>();
  const prefix = `${suite}.`;
  for (let k = usable.length - 1; k >= 1; k--) {
    const base = usable[k - 1] as RunResult;
    const head = usable[k] as RunResult;
    const c = compareRuns(base, head, { alpha: REGRESSION_ALPHA / pairs, minEffect: MIN_EFFECT, assumedNoise: ASSUMED_NOISE, priorValues: (metric) => prior(metric, base.id) });
    for (const m of c.metrics) {
      if (!m.metric.startsWith(prefix) || decided.has(m.metric)) continue;
      if (m.verdict === 'improved') decided.set(m.metric, null);
      else if (m.verdict === 'regressed') decided.set(m.metric, { metric: m.metric, change: m.change, sinceRunId: head.id, sinceStartedAt: head.startedAt, baseRunId: base.id, pAdjusted: m.pAdjusted });
    }
  }
  return [...decided.values()].filter((r): r is OpenRegression => r !== null).sort((a, b) => b.sinceStartedAt.localeCompare(a.sinceStartedAt) || a.metric.localeCompare(b.metric));
}

/** The rules the latest run of a suite breaches, each failing metric of that suite once. Rules about other suites are not its business. */
export function breachedAlerts(rules: readonly AlertRule[], run: RunResult, suite: string): BreachedAlert[] {
  if (rules.length === 0) return [];
  const prefix = `${suite}.`;
  return checkAlerts(rules, run).evaluations.flatMap((e) => e.values.filter((v) => !v.held && v.metric.startsWith(prefix)).map((v) => ({ rule: e.rule.expr, metric: v.metric, value: v.display })));
}
