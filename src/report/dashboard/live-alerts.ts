/**
 * Alert rules judged on each interval window of a live run, as it streams in: the window's figures
 * get the names a finished run's figures have (`suite.operation.p99`, results/metrics.ts), so the
 * rules of `swarmperf alerts` (e.g. `tasks.claim.p99 < 5ms`) apply unchanged. A rule about a figure
 * a window does not carry (p999, mean, resources) is not judged live.
 */
import { statSync } from 'node:fs';
import type { RunWindowEvent } from '../../core/events.js';
import { alertsPath, loadAlertRules, type AlertRule } from '../../results/alerts.js';
import { formatMetricValue, metricInfo, metricMatcher } from '../../results/metrics.js';
import { holds } from '../../measure/threshold.js';

/** One rule judged on one window: every figure of the window it names, and whether each held. */
export interface WindowAlert {
  rule: string;
  /** True when a figure broke the rule: the alert fires for this window. */
  fired: boolean;
  values: Array<{ metric: string; value: number; display: string; held: boolean }>;
}

/** The window's figures by metric name. */
export function windowMetrics(window: RunWindowEvent): Array<{ name: string; value: number }> {
  return window.operations.flatMap((op) => {
    const at = (stat: string, value: number | undefined): Array<{ name: string; value: number }> => (value === undefined || !Number.isFinite(value) ? [] : [{ name: `${window.suite}.${op.name}.${stat}`, value }]);
    return [
      ...at('throughput', op.throughput),
      // An empty window has no latency: 0 would pass any "p99 < x" rule it did not earn.
      ...(op.count > 0 ? [...at('p50', op.p50), ...at('p95', op.p95), ...at('p99', op.p99), ...at('max', op.max)] : []),
      ...at('errors', op.errors),
      ...(op.count > 0 ? at('errorRate', op.errors / op.count) : []),
    ];
  });
}

/** Every rule that names a figure of this window, judged on it. */
export function evaluateWindow(rules: readonly AlertRule[], window: RunWindowEvent): WindowAlert[] {
  if (rules.length === 0) return [];
  const metrics = windowMetrics(window);
  return rules.flatMap((rule) => {
    const match = metricMatcher(rule.metric);
    const values = metrics
      .filter((m) => match(m.name))
      .map((m) => ({ metric: m.name, value: m.value, display: formatMetricValue(m.value, metricInfo(m.name).unit), held: holds(m.value, rule.op, rule.value) }));
    return values.length === 0 ? [] : [{ rule: rule.expr, fired: values.some((v) => !v.held), values }];
  });
}

/**
 * The data folder's rules, re-read when alerts.json changes (a rule added while a run streams
 * applies from its next window). A file that does not parse leaves no rules and says why.
 */
export class AlertRulesFile {
  private stamp = '';
  rules: AlertRule[] = [];
  error: string | undefined;

  constructor(private readonly dataDir: string) {}

  refresh(): AlertRule[] {
    const file = alertsPath(this.dataDir);
    let stamp = 'absent';
    try {
      const st = statSync(file);
      stamp = `${st.mtimeMs}:${st.size}`;
    } catch {
      // No rules file: no rules.
    }
    if (stamp === this.stamp) return this.rules;
    this.stamp = stamp;
    try {
      this.rules = loadAlertRules(file);
      this.error = undefined;
    } catch (err) {
      this.rules = [];
      this.error = err instanceof Error ? err.message : String(err);
    }
    return this.rules;
  }
}
