/**
 * Alert rules for CI gating: `METRIC OP VALUE[UNIT]`, e.g. `tasks.claim.p99 < 5ms`, stating what
 * must hold (as k6 thresholds do); a run breaches a rule when the condition is false. METRIC may be
 * a glob (`tasks.*.p99 < 5ms`): every matching metric must hold. Rules live in
 * <data-dir>/alerts.json, written atomically. Bad rules are rejected with the column of the bad part.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from './atomic-write.js';
import { extractMetrics, formatMetricValue, metricInfo, metricMatcher, OPERATION_STATS, parseMetricName, RESOURCE_STATS, type MetricUnit } from './metrics.js';
import type { RunResult } from '../core/result.js';
import { holds } from '../measure/threshold.js';
import { fingerprintOfRun, suiteFingerprint } from './env.js';

export type AlertOp = '<' | '<=' | '>' | '>=' | '==';

export interface AlertRule {
  id: number;
  /** The rule as written (normalised spacing). */
  expr: string;
  metric: string;
  op: AlertOp;
  /** Threshold in the metric's stored unit (µs for latency, a fraction for ratios). */
  value: number;
  createdAt: string;
  /** A rule whose metric may be absent from a run (e.g. a suite not always run): no data is not a failure. */
  optional?: boolean;
  /**
   * The configuration fingerprint (of the suite whose metric the rule was set on) the threshold is
   * meant for: the rule is checked only against runs of that configuration (`--across` opts out).
   * Absent: set before any run was recorded, checked against any run.
   */
  fingerprint?: string;
}

/** A rule that does not parse: the message names the bad part; `column` is 1-based. */
export class AlertRuleError extends Error {
  constructor(
    readonly rule: string,
    readonly column: number,
    readonly length: number,
    problem: string,
  ) {
    super(`alert rule "${rule}": ${problem}\n  ${rule}\n  ${' '.repeat(Math.max(0, column - 1))}${'^'.repeat(Math.max(1, length))}`);
    this.name = 'AlertRuleError';
  }
}

/** A rules file that cannot be read or written as rules. */
export class AlertsFileError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'AlertsFileError';
  }
}

const TIME_UNITS: Record<string, number> = { 'µs': 1, us: 1, ms: 1_000, s: 1_000_000 };
const OPS = ['<=', '>=', '==', '<', '>'] as const;

function knownStats(): string {
  return Object.keys(OPERATION_STATS).join(', ');
}

/** Parses `METRIC OP VALUE[UNIT]` into metric, operator and a threshold in the metric's unit. */
export function parseAlertRule(text: string): Omit<AlertRule, 'id' | 'createdAt'> {
  const rule = text;
  const fail = (at: number, len: number, problem: string): never => {
    throw new AlertRuleError(rule, at + 1, len, problem);
  };
  let i = 0;
  const skipSpace = (): void => {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
  };
  skipSpace();
  if (i >= text.length) fail(0, 1, 'empty rule; expected METRIC OP VALUE, e.g. "tasks.claim.p99 < 5ms"');
  // METRIC
  const mStart = i;
  // Sweep members' suite names carry their parameters: consensus.raft[nodes=5].propose.p99.
  while (i < text.length && /[-A-Za-z0-9_.*[\]=,]/.test(text[i] as string)) i++;
  const metric = text.slice(mStart, i);
  if (metric === '') fail(mStart, 1, `expected a metric name such as tasks.claim.p99, got "${text[mStart]}"`);
  const parsed = parseMetricName(metric);
  if (!parsed) fail(mStart, metric.length, `"${metric}" is not a metric name: expected suite.operation.stat (e.g. tasks.claim.p99) or suite.metric`);
  if (parsed?.operation !== undefined && !parsed.stat.includes('*')) {
    const known = parsed.operation === 'resources' ? parsed.stat in RESOURCE_STATS : parsed.stat in OPERATION_STATS;
    if (!known) {
      const statAt = mStart + metric.length - parsed.stat.length;
      fail(statAt, parsed.stat.length, `unknown statistic "${parsed.stat}"; known: ${parsed.operation === 'resources' ? Object.keys(RESOURCE_STATS).join(', ') : knownStats()}`);
    }
  }
  skipSpace();
  // OP
  const opStart = i;
  const op = OPS.find((o) => text.startsWith(o, i));
  if (!op) {
    const bad = /^\S{1,2}/.exec(text.slice(i))?.[0] ?? '';
    fail(opStart, Math.max(1, bad.length), bad === '' ? 'missing comparison after the metric; expected one of < <= > >= ==' : `expected a comparison (< <= > >= ==), got "${bad}"`);
  }
  i += (op as string).length;
  if (text[i] === '=' || text[i] === '<' || text[i] === '>') fail(opStart, (op as string).length + 1, `expected a comparison (< <= > >= ==), got "${text.slice(opStart, i + 1)}"`);
  skipSpace();
  // VALUE
  const vStart = i;
  const num = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?/i.exec(text.slice(i))?.[0];
  if (!num) fail(vStart, Math.max(1, /^\S*/.exec(text.slice(i))?.[0].length ?? 1), i >= text.length ? 'missing threshold value after the comparison' : `expected a number, got "${/^\S*/.exec(text.slice(i))?.[0]}"`);
  i += (num as string).length;
  const uStart = i;
  const unitText = text.slice(i).trim();
  const info = metricInfo(metric);
  const value = applyUnit(Number(num), unitText, info.unit, metric, (problem) => fail(uStart + (text.slice(i).length - text.slice(i).trimStart().length), Math.max(1, unitText.length), problem));
  const normalised = `${metric} ${op} ${num}${unitText}`;
  return { expr: normalised, metric, op: op as AlertOp, value };
}

function applyUnit(n: number, unit: string, metricUnit: MetricUnit, metric: string, fail: (problem: string) => never): number {
  if (unit !== '' && /\s/.test(unit)) fail(`unexpected text after the threshold: "${unit}"`);
  switch (metricUnit) {
    case 'us': {
      if (unit === '') fail(`${metric} is a time: give a unit, e.g. 5ms, 500µs or 1s`);
      const f = TIME_UNITS[unit];
      if (f === undefined) fail(`unknown time unit "${unit}"; use µs, us, ms or s`);
      return n * (f as number);
    }
    case 'ops/s':
      if (unit !== '' && unit !== 'ops/s' && unit !== '/s') fail(`${metric} is a rate: use ops/s (or no unit), not "${unit}"`);
      return n;
    case 'ratio':
      if (unit === '%') return n / 100;
      if (unit !== '') fail(`${metric} is a ratio: use % (e.g. 1%) or a fraction (0.01), not "${unit}"`);
      return n;
    case 'pct':
      if (unit !== '' && unit !== '%') fail(`${metric} is a percentage: use % or no unit, not "${unit}"`);
      return n;
    default:
      if (unit !== '') fail(`${metric} takes a plain number, not "${unit}"`);
      return n;
  }
}

export function alertsPath(dataDir: string): string {
  return join(dataDir, 'alerts.json');
}

const FileSchema = z.object({
  version: z.literal(1),
  rules: z.array(z.object({ id: z.number().int().positive(), expr: z.string(), createdAt: z.string(), optional: z.boolean().optional(), fingerprint: z.string().optional() })),
});

/** Rules from the file (none when it does not exist). Each stored rule is re-parsed and checked. */
export function loadAlertRules(file: string): AlertRule[] {
  if (!existsSync(file)) return [];
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new AlertsFileError(file, `not valid JSON (${err instanceof Error ? err.message : String(err)}); fix or remove the file`);
  }
  const parsed = FileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AlertsFileError(file, `not a swarmperf alerts file: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data.rules.map((r, k) => {
    try {
      return { ...parseAlertRule(r.expr), id: r.id, createdAt: r.createdAt, ...(r.optional ? { optional: true } : {}), ...(r.fingerprint !== undefined ? { fingerprint: r.fingerprint } : {}) };
    } catch (err) {
      throw new AlertsFileError(file, `rules[${k}]: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
}

export function saveAlertRules(file: string, rules: readonly AlertRule[]): void {
  const body = { version: 1, rules: rules.map((r) => ({ id: r.id, expr: r.expr, createdAt: r.createdAt, ...(r.optional ? { optional: true } : {}), ...(r.fingerprint !== undefined ? { fingerprint: r.fingerprint } : {}) })) };
  writeFileAtomic(file, JSON.stringify(body, null, 2) + '\n');
}

/** Edit distance (Levenshtein), for suggesting the metric a typo meant. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length] as number;
}

/** The `n` known metric names closest to `name` (by edit distance, then alphabetically). */
export function closestMetrics(name: string, known: readonly string[], n = 3): string[] {
  return [...known]
    .map((k) => ({ k, d: editDistance(name, k) }))
    .sort((x, y) => x.d - y.d || x.k.localeCompare(y.k))
    .slice(0, n)
    .map((x) => x.k);
}

/** Thrown by addAlertRule for a metric no recorded run has: names the closest known ones. */
export class UnknownMetricError extends Error {
  constructor(
    readonly metric: string,
    readonly suggestions: string[],
  ) {
    super(
      `alert rule: no recorded run has a metric "${metric}"${suggestions.length > 0 ? `; closest known: ${suggestions.join(', ')}` : ''} (add it anyway with --force, e.g. for a suite not run yet; \`swarmperf trends\` lists the recorded names)`,
    );
    this.name = 'UnknownMetricError';
  }
}

export interface AddRuleOptions {
  now?: Date;
  /** Metric names the history knows: a rule matching none of them is refused (UnknownMetricError). Undefined: not checked. */
  known?: readonly string[];
  /** Mark the rule optional: `check` does not fail when a run lacks its metric. */
  optional?: boolean;
  /** The configuration the rule is for (see AlertRule.fingerprint); ruleFingerprint() finds it. */
  fingerprint?: string;
}

/** Parses and appends a rule; a rule already present (same normalised text) is not added twice. */
export function addAlertRule(file: string, text: string, options: AddRuleOptions | Date = {}): { rule: AlertRule; added: boolean } {
  const opts: AddRuleOptions = options instanceof Date ? { now: options } : options;
  const parsed = parseAlertRule(text);
  if (opts.known && opts.known.length > 0) {
    const match = metricMatcher(parsed.metric);
    if (!opts.known.some((k) => match(k))) throw new UnknownMetricError(parsed.metric, closestMetrics(parsed.metric, opts.known));
  }
  const rules = loadAlertRules(file);
  const existing = rules.find((r) => r.expr === parsed.expr);
  if (existing) return { rule: existing, added: false };
  const rule: AlertRule = {
    ...parsed,
    id: rules.reduce((m, r) => Math.max(m, r.id), 0) + 1,
    createdAt: (opts.now ?? new Date()).toISOString(),
    ...(opts.optional ? { optional: true } : {}),
    ...(opts.fingerprint !== undefined ? { fingerprint: opts.fingerprint } : {}),
  };
  saveAlertRules(file, [...rules, rule]);
  return { rule, added: true };
}

/** Removes a rule by id (`3`, `#3`) or by its text; throws naming the reference when none matches. */
export function removeAlertRule(file: string, ref: string): AlertRule {
  const rules = loadAlertRules(file);
  const idText = /^#?(\d+)$/.exec(ref.trim())?.[1];
  let target: AlertRule | undefined;
  if (idText !== undefined) target = rules.find((r) => r.id === Number(idText));
  else {
    let expr: string | undefined;
    try {
      expr = parseAlertRule(ref).expr;
    } catch {
      expr = undefined;
    }
    target = rules.find((r) => r.expr === expr || r.expr === ref.trim());
  }
  if (!target) throw new AlertsFileError(file, `no alert rule "${ref}" (\`swarmperf alerts list\` shows ids)`);
  saveAlertRules(
    file,
    rules.filter((r) => r !== target),
  );
  return target;
}

export interface RuleEvaluation {
  rule: AlertRule;
  /** 'other-configuration': the run checked holds no suite of the rule's configuration, so the rule does not apply to it. */
  status: 'ok' | 'breach' | 'no-data' | 'other-configuration';
  /** Each matching metric's value and whether it held. */
  values: Array<{ metric: string; value: number; display: string; held: boolean }>;
  /** The run the rule was checked against (the latest of its configuration, or the run given). */
  runId: string;
  /** Why the rule was not checked (other-configuration). */
  detail?: string;
}

export interface AlertCheck {
  runId: string;
  evaluations: RuleEvaluation[];
  breaches: number;
  noData: number;
  /** Rules without data that are not optional: a failure (a typo or a metric that disappeared must not pass silently). */
  missing: number;
  /** Rules not checked because no run of their configuration was given. */
  otherConfiguration: number;
  /** Configuration fingerprint of the checked run. */
  fingerprint?: string;
  /** --across: rules were checked against runs of any configuration. */
  across: boolean;
  warnings: string[];
}

export interface CheckAlertsOptions {
  /** Check every rule against `run` whatever its configuration (with a warning). */
  across?: boolean;
  /**
   * The latest run of a configuration (from the history): a rule for a configuration is checked
   * against it. Without it, rules are checked against `run` only where `run` has their configuration.
   */
  latestOf?: (fingerprint: string) => RunResult | undefined;
}

/** Each suite's configuration fingerprint in a run, by suite name. */
function suiteFingerprints(run: RunResult): Map<string, string> {
  return new Map(run.suites.map((s) => [s.name, s.fingerprint?.id ?? suiteFingerprint(run, s).id]));
}

/**
 * The configuration a new rule is for: that of the suites whose metrics it matches in the newest
 * run having any (runs newest first). Undefined when none matches, or when the matches span
 * several configurations (the rule then applies to any run).
 */
export function ruleFingerprint(metric: string, runsNewestFirst: Iterable<RunResult>): string | undefined {
  const match = metricMatcher(metric);
  for (const run of runsNewestFirst) {
    const suites = new Set(extractMetrics(run).filter((m) => match(m.name)).map((m) => m.suite));
    if (suites.size === 0) continue;
    const fps = suiteFingerprints(run);
    const ids = new Set([...suites].map((s) => fps.get(s)));
    return ids.size === 1 ? [...ids][0] : undefined;
  }
  return undefined;
}

function evaluate(rule: AlertRule, target: RunResult, scoped: boolean): RuleEvaluation {
  const match = metricMatcher(rule.metric);
  const fps = scoped ? suiteFingerprints(target) : undefined;
  const all = extractMetrics(target).filter((m) => match(m.name));
  const mine = fps ? all.filter((m) => fps.get(m.suite) === rule.fingerprint) : all;
  if (fps && all.length > 0 && mine.length === 0) {
    const theirs = [...new Set(all.map((m) => fps.get(m.suite)))].join(', ');
    return { rule, status: 'other-configuration', values: [], runId: target.id, detail: `the rule is for configuration ${rule.fingerprint}; run ${target.id} measured it in configuration ${theirs} (--across checks it anyway)` };
  }
  if (fps && mine.length === 0) return { rule, status: 'other-configuration', values: [], runId: target.id, detail: `the rule is for configuration ${rule.fingerprint}; run ${target.id} has no suite of it` };
  const values = mine.map((m) => ({ metric: m.name, value: m.value, display: formatMetricValue(m.value, m.unit), held: holds(m.value, rule.op, rule.value) }));
  const status = values.length === 0 ? 'no-data' : values.every((v) => v.held) ? 'ok' : 'breach';
  return { rule, status, values, runId: target.id };
}

/**
 * Evaluates every rule. A rule set for a configuration is checked against the latest run of that
 * configuration (`latestOf`), else against `run` where `run` has it, and is "other configuration"
 * (not applicable, not failing) otherwise, as compare and trends compare only like with like;
 * `across` checks every rule against `run` and says so.
 */
export function checkAlerts(rules: readonly AlertRule[], run: RunResult, options: CheckAlertsOptions = {}): AlertCheck {
  const across = options.across === true;
  const evaluations = rules.map((rule): RuleEvaluation => {
    if (across || rule.fingerprint === undefined) return evaluate(rule, run, false);
    return evaluate(rule, options.latestOf?.(rule.fingerprint) ?? run, true);
  });
  const warnings = across ? ['--across: rules are checked against a run of any configuration; a threshold set for one setup may not fit another'] : [];
  return {
    runId: run.id,
    evaluations,
    breaches: evaluations.filter((e) => e.status === 'breach').length,
    noData: evaluations.filter((e) => e.status === 'no-data').length,
    missing: evaluations.filter((e) => e.status === 'no-data' && !e.rule.optional).length,
    otherConfiguration: evaluations.filter((e) => e.status === 'other-configuration').length,
    fingerprint: fingerprintOfRun(run).id,
    across,
    warnings,
  };
}
