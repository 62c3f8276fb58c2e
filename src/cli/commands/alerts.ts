/**
 * `swarmperf alerts add|list|remove|check`: rules such as "tasks.claim.p99 < 5ms" kept in
 * <data-dir>/alerts.json (or --alerts FILE); `check` exits 1 with the list of breaches (CI gating).
 */
import type { Command } from 'commander';
import { addAlertRule, AlertRuleError, alertsPath, checkAlerts, loadAlertRules, parseAlertRule, removeAlertRule, ruleFingerprint, UnknownMetricError, type AlertCheck } from '../../results/alerts.js';
import { latestRunOfConfiguration, runsNewestFirst } from '../../results/comparable.js';
import { table } from '../../report/terminal.js';
import { UsageError } from '../../core/parse.js';
import { addHistoryFlags, dataDirOf, historyPathFromFlags, loadRun, openHistoryFromFlags, type HistoryFlags } from './history-options.js';
import { addResultFlags, checkResultFlags, printResults, type ResultFlags } from '../result-flags.js';

interface AlertFlags extends HistoryFlags {
  alerts?: string;
  strict?: boolean;
  optional?: boolean;
  force?: boolean;
  across?: boolean;
}

function rulesFile(flags: AlertFlags): string {
  return flags.alerts ?? alertsPath(dataDirOf(flags));
}

function withRuleErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof AlertRuleError || err instanceof UnknownMetricError) throw new UsageError(err.message);
    throw err;
  }
}

/** Every alerts subcommand prints a result: --json [FILE] and --quiet on each. */
function addFlags(cmd: Command, history = false): Command {
  cmd.option('--alerts <file>', 'rules file (default <data-dir>/alerts.json)');
  if (history) return addHistoryFlags(cmd);
  cmd.option('--data-dir <dir>', 'where swarmperf keeps its data (default ./.swarmperf or $SWARMPERF_HOME)');
  return addResultFlags(cmd).hook('preAction', (_cmd, action) => checkResultFlags(action.opts<ResultFlags>()));
}

export function formatAlertCheck(c: AlertCheck): string {
  const lines: string[] = [];
  for (const w of c.warnings) lines.push(`warning: ${w}`);
  for (const e of c.evaluations) {
    const other = e.runId !== c.runId ? ` [run ${e.runId}, the latest of the rule's configuration]` : '';
    if (e.status === 'other-configuration') {
      lines.push(`– #${e.rule.id} ${e.rule.expr}: not checked: ${e.detail ?? 'another configuration'}`);
      continue;
    }
    if (e.status === 'no-data') {
      lines.push(e.rule.optional ? `? #${e.rule.id} ${e.rule.expr}: no such metric in run ${c.runId} (optional)` : `✗ #${e.rule.id} ${e.rule.expr}: no such metric in run ${c.runId}`);
      continue;
    }
    const failed = e.values.filter((v) => !v.held);
    if (e.status === 'ok') lines.push(`✓ #${e.rule.id} ${e.rule.expr}${e.values.length === 1 ? ` (${e.values[0]?.display})` : ` (${e.values.length} metrics)`}${other}`);
    else lines.push(`✗ #${e.rule.id} ${e.rule.expr}: ${failed.map((v) => `${v.metric} = ${v.display}`).join(', ')}${other}`);
  }
  const held = c.evaluations.length - c.breaches - c.noData - c.otherConfiguration;
  lines.push(
    `${c.breaches} breached · ${held} held · ${c.noData} without data${c.missing > 0 ? ` (${c.missing} not optional: failing)` : ''}${c.otherConfiguration > 0 ? ` · ${c.otherConfiguration} for another configuration` : ''}  (run ${c.runId}${c.fingerprint ? `, configuration ${c.fingerprint}` : ''}${c.across ? ', --across' : ''})`,
  );
  return lines.join('\n');
}

export function registerAlertsCommand(program: Command): void {
  const cmd = program.command('alerts').description('alert rules on metrics (e.g. "tasks.claim.p99 < 5ms"); `alerts check` gates CI');

  addFlags(
    cmd
      .command('add')
      .description('add a rule: METRIC OP VALUE[UNIT], OP one of < <= > >= ==; the metric must be one the history has recorded')
      .argument('<rule>', 'e.g. "tasks.claim.p99 < 5ms" or "tasks.*.errorRate <= 1%"')
      .option('--optional', '`check` passes when a run lacks this metric (default: no data fails)')
      .option('--force', 'add even when no recorded run has the metric (a suite not run yet)')
      .option('--history <file>', 'history database whose metric names are known (default <data-dir>/history.db)'),
  ).action((text: string, flags: AlertFlags) => {
    const file = rulesFile(flags);
    let known: string[] | undefined;
    let fingerprint: string | undefined;
    const h = openHistoryFromFlags(flags);
    try {
      if (!flags.force) known = h?.metricNames();
      // The rule is for the configuration that last measured its metric (checked only against runs of it).
      const metric = withRuleErrors(() => parseAlertRule(text).metric);
      if (h) fingerprint = ruleFingerprint(metric, runsNewestFirst(h));
    } finally {
      h?.close();
    }
    const { rule, added } = withRuleErrors(() => addAlertRule(file, text, { ...(known ? { known } : {}), optional: flags.optional === true, ...(fingerprint !== undefined ? { fingerprint } : {}) }));
    const unchecked = !flags.force && (!known || known.length === 0) ? '  (metric not checked: no runs recorded yet)' : '';
    const scope = rule.fingerprint !== undefined ? `  (for configuration ${rule.fingerprint})` : '  (for any configuration)';
    printResults(flags, { rule, added, file }, () => (added ? `added #${rule.id}: ${rule.expr}${rule.optional ? ' (optional)' : ''}  (${file})${unchecked}${scope}` : `already there as #${rule.id}: ${rule.expr}`));
  });

  addFlags(cmd.command('list').description('list the rules')).action((flags: AlertFlags) => {
    const file = rulesFile(flags);
    const rules = loadAlertRules(file);
    printResults(flags, rules, () =>
      rules.length === 0
        ? `no alert rules in ${file}; add one with: swarmperf alerts add "tasks.claim.p99 < 5ms"`
        : table(['id', 'rule', 'added'], rules.map((r) => [`#${r.id}`, r.expr, r.createdAt.slice(0, 10)]), 2) + `\n${rules.length} rule(s) · ${file}`,
    );
  });

  addFlags(cmd.command('remove').description('remove a rule by id (3 or #3) or by its text').argument('<rule>', 'id or rule text')).action((ref: string, flags: AlertFlags) => {
    const removed = removeAlertRule(rulesFile(flags), ref);
    printResults(flags, { removed }, () => `removed #${removed.id}: ${removed.expr}`);
  });

  addFlags(
    cmd
      .command('check')
      .description('check a run against every rule; exit 1 on any breach')
      .argument('[run]', 'run id, prefix, latest~N or a RunResult .json file (default: the latest run)')
      .option('--strict', 'also fail when an optional rule names a metric the run does not have')
      .option('--across', 'check every rule against the run whatever its configuration (default: each rule against the latest run of its own configuration); prints a warning'),
    true,
  ).action((ref: string | undefined, flags: AlertFlags) => {
    const file = rulesFile(flags);
    const rules = loadAlertRules(file);
    if (rules.length === 0) throw new UsageError(`alerts check: no alert rules in ${file}; add one with: swarmperf alerts add "tasks.claim.p99 < 5ms"`);
    const h = openHistoryFromFlags(flags);
    try {
      const run = loadRun(ref ?? 'latest', h, historyPathFromFlags(flags));
      // No run named: each rule is checked against the latest run of its own configuration.
      const latestOf = ref === undefined && h ? latestRunOfConfiguration(h) : undefined;
      const result = checkAlerts(rules, run, { across: flags.across === true, ...(latestOf ? { latestOf } : {}) });
      for (const w of result.warnings) if (flags.json !== undefined) process.stderr.write(`swarmperf: warning: ${w}\n`);
      printResults(flags, result, () => formatAlertCheck(result));
      const missing = flags.strict ? result.noData : result.missing;
      if (result.breaches > 0 || missing > 0) {
        process.stderr.write(`swarmperf: ${result.breaches} alert rule(s) breached${missing > 0 ? `, ${missing} without data${flags.strict ? ' (--strict)' : ' (mark a rule --optional when its metric may be absent)'}` : ''}\n`);
        process.exitCode = 1;
      }
    } finally {
      h?.close();
    }
  });
}
