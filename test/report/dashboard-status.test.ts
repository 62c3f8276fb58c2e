/**
 * The overview's open regressions and breached alerts, on histories recorded into a scratch
 * history.db: a planted step is an open regression from its first run on; noise alone, and a step
 * that went back, are not; an alert rule breached by the latest run is listed, one it holds is not.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DashboardData } from '../../src/report/dashboard/data.js';
import { HistoryStore } from '../../src/results/history/store.js';
import { parseAlertRule, type AlertRule } from '../../src/results/alerts.js';
import type { RunResult } from '../../src/core/result.js';
import type { RunWindowEvent } from '../../src/core/events.js';
import { evaluateWindow } from '../../src/report/dashboard/live-alerts.js';
import { healthyRun } from './fixtures.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** One run per level (the fixture's p50 in µs), a day apart, with a deterministic ±3 % jitter on every figure. */
function runsAt(levels: number[], ramp = 0): RunResult[] {
  return levels.map((level, i) => {
    const run = healthyRun(undefined, undefined, level);
    const day = String(i + 1).padStart(2, '0');
    run.id = `202511${day}-120000-${String(i).padStart(6, 'd')}`;
    run.startedAt = `2025-11-${day}T12:00:00.000Z`;
    run.finishedAt = `2025-11-${day}T12:00:12.000Z`;
    // A ramp adds `ramp` of the level per run on top of the jitter: a drift, not a step.
    const jitter = (1 + 0.03 * Math.sin(i * 1.7)) * (1 + ramp * i);
    for (const op of run.suites[0]!.operations) {
      for (const k of Object.keys(op.latencyUs) as Array<keyof typeof op.latencyUs>) op.latencyUs[k] = Math.round(op.latencyUs[k] * jitter);
      op.throughput = Math.round(op.throughput / jitter);
    }
    return run;
  });
}

function withHistory<T>(runs: RunResult[], read: (data: DashboardData) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'swarmperf-dash-status-'));
  dirs.push(dir);
  const path = join(dir, 'history.db');
  const history = HistoryStore.open(path);
  for (const run of runs) history.record(run);
  history.close();
  const data = new DashboardData(path);
  try {
    return read(data);
  } finally {
    data.close();
  }
}

function overviewOf(levels: number[], rules: AlertRule[] = []): ReturnType<DashboardData['overview']> {
  return withHistory(runsAt(levels), (data) => data.overview(rules));
}

const rule = (expr: string, id: number): AlertRule => ({ ...parseAlertRule(expr), id, createdAt: '2025-11-01T00:00:00.000Z' });

describe('overview: open regressions', () => {
  it('a planted latency step is an open regression from the first slow run on', () => {
    const [row] = overviewOf([400, 400, 400, 400, 400, 400, 700, 700, 700, 700]);
    const metrics = row!.regressions.map((r) => r.metric);
    expect(metrics).toContain('tasks.create.p50');
    expect(metrics).toContain('tasks.claim.p50');
    const create = row!.regressions.find((r) => r.metric === 'tasks.create.p50')!;
    expect(create.sinceRunId).toBe('20251107-120000-ddddd6');
    expect(create.change).toBeGreaterThan(0.5);
  });

  it('stays quiet on runs that differ by noise only', () => {
    const [row] = overviewOf([400, 400, 400, 400, 400, 400, 400, 400, 400, 400]);
    expect(row!.regressions).toEqual([]);
  });

  it('a step that went back is recovered, not open', () => {
    const [row] = overviewOf([400, 400, 400, 400, 400, 700, 700, 700, 400, 400, 400]);
    expect(row!.regressions.filter((r) => r.metric.endsWith('.p50'))).toEqual([]);
  });
});

describe('overview: breached alerts', () => {
  it('lists the rules the latest run breaches, with the value, and not the rules it holds', () => {
    const [row] = overviewOf([400, 400, 400], [rule('tasks.claim.p50 < 1ms', 1), rule('tasks.claim.p50 < 100us', 2), rule('tasks.*.throughput > 1000000', 3), rule('other.x.p99 < 1ms', 4)]);
    expect(row!.alerts.map((a) => a.rule).sort()).toEqual(['tasks.*.throughput > 1000000', 'tasks.*.throughput > 1000000', 'tasks.claim.p50 < 100us']);
    expect(row!.alerts.find((a) => a.rule === 'tasks.claim.p50 < 100us')?.value).toMatch(/µs$/);
    expect(new Set(row!.alerts.filter((a) => a.rule.includes('throughput')).map((a) => a.metric))).toEqual(new Set(['tasks.create.throughput', 'tasks.claim.throughput']));
  });
});

describe('live alert rules per window', () => {
  const window = (p99: number, count = 100): RunWindowEvent => ({ runId: 'r', suite: 'tasks', startUs: 0, endUs: 1e6, operations: [{ name: 'claim', count, errors: 2, throughput: count, p50: 100, p99, max: p99 * 2 }], resources: [] });
  const rules = [rule('tasks.claim.p99 < 5ms', 1), rule('tasks.*.errorRate < 5%', 2), rule('tasks.claim.p999 < 5ms', 3)];

  it('fires a rule on the window that breaks it, with the value, and judges only figures a window has', () => {
    const judged = evaluateWindow(rules, window(7_000));
    expect(judged.map((a) => [a.rule, a.fired])).toEqual([
      ['tasks.claim.p99 < 5ms', true],
      ['tasks.*.errorRate < 5%', false],
    ]);
    expect(judged[0]?.values).toEqual([{ metric: 'tasks.claim.p99', value: 7000, display: '7ms', held: false }]);
  });

  it('stays quiet on a window within the rules, and an empty window does not pass a latency rule', () => {
    expect(evaluateWindow(rules, window(4_000)).some((a) => a.fired)).toBe(false);
    expect(evaluateWindow(rules, window(0, 0)).map((a) => a.rule)).toEqual([]);
  });
});

describe('trend series: drifts besides steps', () => {
  it('marks a steady 4 %-per-run creep as a worsening drift with its rate, not as steps', () => {
    const [series] = withHistory(runsAt(new Array<number>(12).fill(400), 0.04), (data) => data.series('tasks.create.p50'));
    expect(series!.changePoints).toEqual([]);
    expect(series!.drifts).toHaveLength(1);
    const drift = series!.drifts[0]!;
    expect(drift.kind).toBe('worsening');
    expect([drift.start, drift.end]).toEqual([0, 12]);
    // 4 % of the first level per run is 2.5–4 % of the stretch's median per run.
    expect(drift.relativePerRun).toBeGreaterThan(0.025);
    expect(drift.relativePerRun).toBeLessThan(0.045);
  });

  it('finds no drift in a flat history nor around a clean step', () => {
    expect(withHistory(runsAt(new Array<number>(12).fill(400)), (data) => data.series('tasks.create.p50'))[0]!.drifts).toEqual([]);
    const [step] = withHistory(runsAt([400, 400, 400, 400, 400, 400, 700, 700, 700, 700, 700, 700]), (data) => data.series('tasks.create.p50'));
    expect(step!.changePoints.map((c) => c.index)).toEqual([6]);
    expect(step!.drifts).toEqual([]);
  });
});
