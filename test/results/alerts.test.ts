import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addAlertRule, AlertRuleError, AlertsFileError, checkAlerts, closestMetrics, loadAlertRules, parseAlertRule, removeAlertRule, ruleFingerprint, UnknownMetricError } from '../../src/results/alerts.js';
import { syntheticRun } from './fixtures.js';

function errorOf(text: string): AlertRuleError {
  try {
    parseAlertRule(text);
  } catch (err) {
    if (err instanceof AlertRuleError) return err;
    throw err;
  }
  throw new Error(`"${text}" parsed`);
}

describe('alert rule grammar', () => {
  it('parses rules into a threshold in the metric unit', () => {
    expect(parseAlertRule('tasks.claim.p99 < 5ms')).toEqual({ expr: 'tasks.claim.p99 < 5ms', metric: 'tasks.claim.p99', op: '<', value: 5000 });
    expect(parseAlertRule('tasks.claim.p50<=500µs').value).toBe(500);
    expect(parseAlertRule('  tasks.claim.max <= 1.5s ').value).toBe(1_500_000);
    expect(parseAlertRule('tasks.claim.errorRate <= 1%').value).toBeCloseTo(0.01, 12);
    expect(parseAlertRule('tasks.claim.throughput >= 1000 ops/s').value).toBe(1000);
    expect(parseAlertRule('tasks.*.p99 < 20ms').metric).toBe('tasks.*.p99');
    expect(parseAlertRule('tasks.claim.errors == 0').op).toBe('==');
  });

  it('rejects bad syntax with a message that points at the bad part', () => {
    const unit = errorOf('tasks.claim.p99 < 5mx');
    expect(unit.message).toMatch(/unknown time unit "mx"; use µs, us, ms or s/);
    expect(unit.column).toBe(20);
    expect(unit.message).toContain('\n  tasks.claim.p99 < 5mx\n                     ^^');
    expect(errorOf('tasks.claim.p98 < 5ms').message).toMatch(/unknown statistic "p98"; known: p50/);
    expect(errorOf('tasks.claim.p98 < 5ms').column).toBe(13);
    expect(errorOf('tasks.claim.p99 => 5ms').message).toMatch(/expected a comparison \(< <= > >= ==\), got "=>"/);
    expect(errorOf('tasks.claim.p99 <').message).toMatch(/missing threshold value/);
    expect(errorOf('tasks.claim.p99 < fast').message).toMatch(/expected a number, got "fast"/);
    expect(errorOf('tasks.claim.p99 < 5').message).toMatch(/is a time: give a unit/);
    expect(errorOf('tasks.claim.throughput > 5ms').message).toMatch(/is a rate/);
    expect(errorOf('tasks.claim.p99 <<= 5ms').message).toMatch(/expected a comparison/);
    expect(errorOf('tasks < 5').message).toMatch(/not a metric name/);
    expect(errorOf('').message).toMatch(/empty rule/);
    expect(errorOf('tasks.claim.p99 < 5ms and more').message).toMatch(/unexpected text after the threshold/);
  });
});

describe('alert rules file and check', () => {
  const dir = (): string => mkdtempSync(join(os.tmpdir(), 'swarmperf-alerts-'));

  it('adds, lists, de-duplicates and removes rules atomically', () => {
    const file = join(dir(), 'alerts.json');
    expect(loadAlertRules(file)).toEqual([]);
    const a = addAlertRule(file, 'tasks.claim.p99 < 5ms');
    expect(a).toMatchObject({ added: true, rule: { id: 1 } });
    expect(addAlertRule(file, 'tasks.claim.p99   <   5ms').added).toBe(false);
    addAlertRule(file, 'tasks.claim.errorRate <= 1%');
    expect(loadAlertRules(file).map((r) => r.id)).toEqual([1, 2]);
    expect(removeAlertRule(file, '#1').expr).toBe('tasks.claim.p99 < 5ms');
    expect(removeAlertRule(file, 'tasks.claim.errorRate <= 1%').id).toBe(2);
    expect(() => removeAlertRule(file, '7')).toThrow(/no alert rule "7"/);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ version: 1, rules: [] });
  });

  it('names the file when it is not a rules file', () => {
    const file = join(dir(), 'alerts.json');
    writeFileSync(file, '{ not json');
    expect(() => loadAlertRules(file)).toThrow(AlertsFileError);
    expect(() => loadAlertRules(file)).toThrow(new RegExp(`${file}: not valid JSON`));
    expect(() => addAlertRule(file, 'tasks.claim.p99 < 5ms')).toThrow(/not valid JSON/);
    expect(readFileSync(file, 'utf8')).toBe('{ not json');
    writeFileSync(file, JSON.stringify({ version: 1, rules: [{ id: 1, expr: 'tasks.claim.p99 < 5mx', createdAt: 'x' }] }));
    expect(() => loadAlertRules(file)).toThrow(/rules\[0\]: alert rule "tasks.claim.p99 < 5mx": unknown time unit/);
  });

  it('reports breaches, passes and missing metrics', () => {
    const run = syntheticRun({ seed: 1, ops: [{ name: 'claim', medianUs: 2000, sigma: 0.1 }, { name: 'create', medianUs: 100, sigma: 0.1 }] });
    const rules = [
      { ...parseAlertRule('tasks.claim.p99 < 5ms'), id: 1, createdAt: '' },
      { ...parseAlertRule('tasks.*.p50 < 1ms'), id: 2, createdAt: '' },
      { ...parseAlertRule('bus.publish.p99 < 1ms'), id: 3, createdAt: '' },
      { ...parseAlertRule('tasks.claim.errors == 0'), id: 4, createdAt: '' },
    ];
    const c = checkAlerts(rules, run);
    expect(c.evaluations.map((e) => e.status)).toEqual(['ok', 'breach', 'no-data', 'ok']);
    expect(c.breaches).toBe(1);
    expect(c.noData).toBe(1);
    const breach = c.evaluations[1]!;
    expect(breach.values.filter((v) => !v.held).map((v) => v.metric)).toEqual(['tasks.claim.p50']);
  });
});

describe('alert rules name real metrics', () => {
  const known = ['tasks.claim.p99', 'tasks.claim.p50', 'tasks.create.p99', 'registry.register.p99'];

  it('a typo is refused at add, with the closest known names', () => {
    const file = join(mkdtempSync(join(os.tmpdir(), 'swarmperf-alerts-typo-')), 'alerts.json');
    expect(() => addAlertRule(file, 'taks.claim.p99 < 5ms', { known })).toThrow(UnknownMetricError);
    try {
      addAlertRule(file, 'taks.claim.p99 < 5ms', { known });
    } catch (err) {
      expect((err as UnknownMetricError).suggestions[0]).toBe('tasks.claim.p99');
      expect((err as Error).message).toContain('"taks.claim.p99"');
    }
    expect(loadAlertRules(file)).toEqual([]);
    // a glob that matches a known metric is fine; so is any rule when nothing is known yet
    expect(addAlertRule(file, 'tasks.*.p99 < 5ms', { known }).added).toBe(true);
    expect(addAlertRule(file, 'bus.publish.p99 < 5ms', { known: [] }).added).toBe(true);
    expect(closestMetrics('tasks.clam.p99', known, 1)).toEqual(['tasks.claim.p99']);
  });

  it('check counts a rule without data as missing unless it is optional', () => {
    const file = join(mkdtempSync(join(os.tmpdir(), 'swarmperf-alerts-opt-')), 'alerts.json');
    addAlertRule(file, 'tasks.claim.p99 < 50ms');
    addAlertRule(file, 'bus.publish.p99 < 5ms');
    addAlertRule(file, 'mcp.call.p99 < 5ms', { optional: true });
    const rules = loadAlertRules(file);
    expect(rules.map((r) => r.optional === true)).toEqual([false, false, true]);
    const c = checkAlerts(rules, syntheticRun({ seed: 1, ops: [{ name: 'claim', medianUs: 500 }] }));
    expect(c.evaluations.map((e) => e.status)).toEqual(['ok', 'no-data', 'no-data']);
    expect(c.noData).toBe(2);
    expect(c.missing).toBe(1);
    expect(c.breaches).toBe(0);
  });
});

describe('alert rules are scoped by configuration fingerprint', () => {
  // Two setups of one suite: memory with 4 agents (fast), sqlite with 8 agents (slower claims).
  const setup = (seed: number, backend: string, agents: number, medianUs: number): ReturnType<typeof syntheticRun> => {
    const run = syntheticRun({ seed, ops: [{ name: 'claim', medianUs, sigma: 0.05 }] });
    run.suites[0]!.backend = backend;
    run.config = { ...run.config, agents };
    return run;
  };
  const memory = setup(1, 'memory', 4, 500);
  const sqlite = setup(2, 'sqlite:/tmp/x.db', 8, 20_000);
  const fpMemory = ruleFingerprint('tasks.claim.p99', [memory])!;

  it('a new rule is for the configuration that last measured its metric, kept in the rules file', () => {
    expect(fpMemory).toMatch(/^[0-9a-f]{10}$/);
    expect(ruleFingerprint('tasks.claim.p99', [sqlite, memory])).not.toBe(fpMemory);
    expect(ruleFingerprint('bus.publish.p99', [sqlite, memory])).toBeUndefined();
    const file = join(mkdtempSync(join(os.tmpdir(), 'swarmperf-alerts-fp-')), 'alerts.json');
    addAlertRule(file, 'tasks.claim.p99 < 5ms', { fingerprint: fpMemory });
    expect(loadAlertRules(file)[0]?.fingerprint).toBe(fpMemory);
  });

  it('checked against the latest run of its configuration, not against a run of another setup', () => {
    const rules = [{ ...parseAlertRule('tasks.claim.p99 < 5ms'), id: 1, createdAt: '', fingerprint: fpMemory }];
    // The sqlite run is the newest: the memory rule does not apply to it (no false breach) ...
    const alone = checkAlerts(rules, sqlite);
    expect(alone.evaluations[0]?.status).toBe('other-configuration');
    expect(alone.evaluations[0]?.detail).toMatch(/the rule is for configuration [0-9a-f]{10}; run .* measured it in configuration/);
    expect([alone.breaches, alone.missing, alone.otherConfiguration]).toEqual([0, 0, 1]);
    // ... it is checked against the latest memory run instead, which holds.
    const latestOf = (fp: string): ReturnType<typeof syntheticRun> | undefined => (fp === fpMemory ? memory : undefined);
    const scoped = checkAlerts(rules, sqlite, { latestOf });
    expect(scoped.evaluations[0]).toMatchObject({ status: 'ok', runId: memory.id });
    expect(scoped.warnings).toEqual([]);
    // A regression in the rule's own configuration is still caught.
    const slowMemory = setup(3, 'memory', 4, 9_000);
    expect(checkAlerts(rules, sqlite, { latestOf: () => slowMemory }).evaluations[0]).toMatchObject({ status: 'breach', runId: slowMemory.id });
  });

  it('--across checks every rule against the given run, with a warning', () => {
    const rules = [{ ...parseAlertRule('tasks.claim.p99 < 5ms'), id: 1, createdAt: '', fingerprint: fpMemory }];
    const c = checkAlerts(rules, sqlite, { across: true, latestOf: () => memory });
    expect(c.evaluations[0]).toMatchObject({ status: 'breach', runId: sqlite.id });
    expect(c.across).toBe(true);
    expect(c.warnings[0]).toMatch(/^--across: rules are checked against a run of any configuration/);
  });
});
