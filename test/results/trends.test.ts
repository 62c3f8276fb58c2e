import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/measure/rng.js';
import { findAnomalies, judge } from '../../src/results/anomalies.js';
import { openHistory } from '../../src/results/history/index.js';
import { adjustTrends, analyzeSeries, computeTrends, detectSteps, isStep, mannKendall, theilSen } from '../../src/results/trends.js';
import { detectChangePoints } from '../../src/results/changepoint.js';
import { syntheticRun } from './fixtures.js';

const points = (values: number[]) => values.map((value, i) => ({ runId: `r${i}`, at: new Date(Date.UTC(2026, 0, 1 + i)).toISOString(), value }));

describe('trends', () => {
  it('reports a planted step as a regression with the run it started at', () => {
    const rng = new Rng(4);
    const values = Array.from({ length: 30 }, (_, i) => (i >= 18 ? 120 : 100) * (1 + rng.normal(0, 0.03)));
    const t = analyzeSeries('tasks.claim.p99', points(values));
    expect(t.changePoints).toHaveLength(1);
    expect(t.changePoints[0]).toMatchObject({ index: 18, runId: 'r18', kind: 'regression' });
    expect(t.changePoints[0]!.change!).toBeGreaterThan(0.15);
    // for a bigger-is-better metric the same rise is an improvement
    expect(analyzeSeries('tasks.claim.throughput', points(values)).changePoints[0]?.kind).toBe('improvement');
  });

  it('finds a slow creep as a trend, and calls noise flat', () => {
    const rng = new Rng(5);
    const creep = Array.from({ length: 40 }, (_, i) => 100 * (1 + 0.01 * i) * (1 + rng.normal(0, 0.02)));
    const t = analyzeSeries('tasks.claim.p50', points(creep));
    expect(t.trend.verdict).toBe('worsening');
    expect(t.trend.relativePerRun!).toBeGreaterThan(0.005);
    expect(t.trend.slopePerDay).toBeCloseTo(t.trend.slopePerRun, 6); // one run a day
    const noise = Array.from({ length: 40 }, () => 100 * (1 + rng.normal(0, 0.02)));
    expect(analyzeSeries('tasks.claim.p50', points(noise)).trend.verdict).toBe('flat');
  });

  it('Theil-Sen ignores an outlier; Mann-Kendall is symmetric', () => {
    expect(theilSen([0, 1, 2, 3, 4, 5], [0, 1, 2, 300, 4, 5])).toBeCloseTo(1, 9);
    expect(mannKendall([1, 2, 3, 4, 5, 6, 7, 8]).pValue).toBeLessThan(0.01);
    expect(mannKendall([8, 7, 6, 5, 4, 3, 2, 1]).s).toBe(-28);
  });

  it('reads series from the history, filtered by glob, in the documented JSON shape', () => {
    const h = openHistory(join(mkdtempSync(join(os.tmpdir(), 'swarmperf-trends-')), 'history.db'));
    try {
      for (let i = 0; i < 12; i++) h.record(syntheticRun({ seed: i, ops: [{ name: 'claim', medianUs: i < 6 ? 1000 : 1500, sigma: 0.05, samples: 500 }] }));
      const trends = computeTrends(h, { metric: 'tasks.claim.p5*' });
      expect(trends.map((t) => t.metric)).toEqual(['tasks.claim.p50']);
      const t = trends[0]!;
      expect(t.points).toHaveLength(12);
      expect(Object.keys(t.points[0]!)).toEqual(['runId', 'at', 'value']);
      expect(t.changePoints.map((c) => c.index)).toEqual([6]);
      expect(t.changePoints[0]!.runId).toBe(t.points[6]!.runId);
      expect(Object.keys(t.changePoints[0]!)).toEqual(expect.arrayContaining(['index', 'runId', 'before', 'after', 'pValue']));
    } finally {
      h.close();
    }
  });
});

describe('anomalies', () => {
  it('robust z-score flags a wild value, not an ordinary one', () => {
    const hist = [100, 102, 98, 101, 99, 103, 97, 100];
    expect(judge(101, hist).outlier).toBe(false);
    expect(judge(140, hist).outlier).toBe(true);
    // a flat history does not make a 0.5 % wobble infinitely anomalous
    expect(judge(100.5, [100, 100, 100, 100, 100]).outlier).toBe(false);
  });

  it('flags the latest run of a metric against its own history', () => {
    const h = openHistory(join(mkdtempSync(join(os.tmpdir(), 'swarmperf-anom-')), 'history.db'));
    try {
      for (let i = 0; i < 10; i++) h.record(syntheticRun({ seed: i, ops: [{ name: 'claim', medianUs: i === 9 ? 3000 : 1000, sigma: 0.05, samples: 500 }] }));
      const list = findAnomalies(h, { metric: 'tasks.claim.p50' });
      expect(list).toHaveLength(1);
      expect(list[0]).toMatchObject({ metric: 'tasks.claim.p50', worse: true, historySize: 9 });
      expect(list[0]!.z).toBeGreaterThan(3.5);
      expect(findAnomalies(h, { metric: 'tasks.claim.p50', last: 5 })).toHaveLength(1);
    } finally {
      h.close();
    }
  });
});

describe('steps and drifts told apart', () => {
  it('a 1 %/run drift is a drift with its rate, not a string of steps', () => {
    const rng = new Rng(21);
    const values = Array.from({ length: 40 }, (_, i) => 100 * (1 + 0.01 * i) * (1 + rng.normal(0, 0.03)));
    const t = analyzeSeries('tasks.claim.p99', points(values));
    expect(t.changePoints).toEqual([]);
    expect(t.drifts).toHaveLength(1);
    expect(t.drifts[0]).toMatchObject({ start: 0, end: 40, kind: 'worsening' });
    // 1 point per run on a level of ~120: about 0.8 % of the median per run
    expect(t.drifts[0]!.slopePerRun).toBeGreaterThan(0.7);
    expect(t.drifts[0]!.slopePerRun).toBeLessThan(1.3);
    expect(t.drifts[0]!.slopePerDay).toBeCloseTo(t.drifts[0]!.slopePerRun, 6);
  });

  it('a +15 % step is a step at its run, with flat stretches (no drift) around it', () => {
    const rng = new Rng(22);
    const values = Array.from({ length: 40 }, (_, i) => 100 * (i >= 20 ? 1.15 : 1) * (1 + rng.normal(0, 0.03)));
    const t = analyzeSeries('tasks.claim.p99', points(values));
    expect(t.changePoints.map((c) => [c.index, c.type, c.kind])).toEqual([[20, 'step', 'regression']]);
    expect(t.drifts).toEqual([]);
    expect(t.trend).toMatchObject({ verdict: 'flat', since: 20 });
  });

  it('isStep: two flat pieces beat a line for a step, and lose to it on a ramp', () => {
    const step = [...Array(10).fill(100), ...Array(10).fill(120)] as number[];
    const ramp = Array.from({ length: 20 }, (_, i) => 100 + 2 * i);
    expect(isStep(step, 0, 10, 20)).toBe(true);
    expect(isStep(ramp, 0, 10, 20)).toBe(false);
  });

  it('Holm across metrics: ten pure-noise metrics rarely report anything together', () => {
    let histories = 0;
    for (let s = 1; s <= 20; s++) {
      const rng = new Rng(1000 + s);
      const trends = Array.from({ length: 10 }, (_, m) => analyzeSeries(`tasks.op${m}.p50`, points(Array.from({ length: 30 }, () => 100 * (1 + rng.normal(0, 0.05)))), { seed: s, alpha: 0.0025, permutations: 1599 }));
      adjustTrends(trends, 0.025);
      if (trends.some((t) => t.drifts.length > 0 || t.trend.verdict !== 'flat' || t.changePoints.length > 0)) histories++;
    }
    // at 5 % family-wise, 20 histories give about 1; without control about 8 (bench/trends.bench.ts)
    expect(histories).toBeLessThanOrEqual(3);
  });
});

describe('detectSteps (what charts mark)', () => {
  it('keeps a step and drops the change points of a drift', () => {
    const rng = new Rng(31);
    const step = Array.from({ length: 40 }, (_, i) => 100 * (i >= 20 ? 1.2 : 1) * (1 + rng.normal(0, 0.02)));
    const drift = Array.from({ length: 40 }, (_, i) => 100 * (1 + 0.01 * i) * (1 + rng.normal(0, 0.02)));
    expect(detectSteps(step).map((c) => c.index)).toEqual([20]);
    expect(detectChangePoints(drift).length).toBeGreaterThan(0);
    expect(detectSteps(drift)).toEqual([]);
  });
});
