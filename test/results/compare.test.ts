import { describe, expect, it } from 'vitest';
import { compareRuns } from '../../src/results/compare.js';
import { mannWhitney, quantileInterval, studentTwoSided, twoProportion, welch } from '../../src/results/stat-tests.js';
import { syntheticRun, type SyntheticOp } from './fixtures.js';
import { extractMetrics } from '../../src/results/metrics.js';
import { Rng } from '../../src/measure/rng.js';

const ops = (scale: number, tp = 1000): SyntheticOp[] => [
  { name: 'claim', medianUs: 800 * scale, sigma: 0.4, samples: 4000, throughput: tp },
  { name: 'create', medianUs: 300 * scale, sigma: 0.3, samples: 4000, throughput: tp * 2 },
];

describe('statistical tests', () => {
  it('Student t p-values match tables', () => {
    expect(studentTwoSided(2.228, 10)).toBeCloseTo(0.05, 3);
    expect(studentTwoSided(12.706, 1)).toBeCloseTo(0.05, 3);
    expect(studentTwoSided(0, 5)).toBeCloseTo(1, 6);
  });

  it('Mann-Whitney: identical distributions p = 1, separated ones p ≈ 0', () => {
    const a = [{ value: 1, count: 50 }, { value: 2, count: 50 }];
    expect(mannWhitney(a, a).pValue).toBeCloseTo(1, 6);
    expect(mannWhitney(a, a).probabilityHeadGreater).toBeCloseTo(0.5, 9);
    const b = [{ value: 3, count: 50 }, { value: 4, count: 50 }];
    const r = mannWhitney(a, b);
    expect(r.pValue).toBeLessThan(1e-10);
    expect(r.probabilityHeadGreater).toBe(1);
  });

  it('quantile interval brackets the quantile and narrows with n', () => {
    const small = Array.from({ length: 100 }, (_, i) => ({ value: i + 1, count: 1 }));
    const big = Array.from({ length: 100 }, (_, i) => ({ value: i + 1, count: 100 }));
    const s = quantileInterval(small, 0.5);
    const b = quantileInterval(big, 0.5);
    expect(s.low).toBeLessThanOrEqual(50);
    expect(s.high).toBeGreaterThanOrEqual(51);
    expect(b.high - b.low).toBeLessThan(s.high - s.low);
  });

  it('Welch and two-proportion detect real differences only', () => {
    expect(welch([10, 11, 9, 10, 10.5], [10.2, 9.8, 10.1, 10.4, 9.9]).pValue).toBeGreaterThan(0.3);
    expect(welch([10, 11, 9, 10, 10.5], [15, 16, 14, 15.5, 15]).pValue).toBeLessThan(0.001);
    expect(twoProportion(10, 1000, 12, 1000).pValue).toBeGreaterThan(0.5);
    expect(twoProportion(10, 1000, 60, 1000).pValue).toBeLessThan(1e-6);
  });
});

describe('compareRuns', () => {
  it('says unchanged for runs drawn from one distribution (many seed pairs)', () => {
    let comparisonsFlagged = 0;
    const seeds = 40;
    for (let seed = 1; seed <= seeds; seed++) {
      const c = compareRuns(syntheticRun({ seed, ops: ops(1) }), syntheticRun({ seed: seed + 1000, ops: ops(1) }));
      if (c.counts.regressed + c.counts.improved > 0) comparisonsFlagged++;
      expect(c.metrics.length).toBeGreaterThan(10);
      expect(c.correction).toBe('holm');
    }
    // Holm across metrics AND a 5 % minimum effect: same-distribution pairs are almost never flagged
    // (measured: 1 comparison in 200 flags any metric).
    expect(comparisonsFlagged).toBeLessThanOrEqual(1);
  });

  it('says regressed for a shifted distribution, on the right metrics', () => {
    const base = syntheticRun({ seed: 7, ops: ops(1) });
    const head = syntheticRun({ seed: 8, ops: ops(1.2, 800) });
    const c = compareRuns(base, head);
    const by = new Map(c.metrics.map((m) => [m.metric, m]));
    for (const m of ['tasks.claim.p50', 'tasks.claim.p90', 'tasks.claim.p99', 'tasks.claim.mean', 'tasks.create.p50', 'tasks.claim.throughput']) {
      expect(by.get(m)?.verdict, m).toBe('regressed');
    }
    const p50 = by.get('tasks.claim.p50')!;
    expect(p50.test).toBe('mann-whitney');
    expect(p50.pValue!).toBeLessThan(1e-6);
    expect(p50.change!).toBeGreaterThan(0.1);
    expect(p50.ci95!.low).toBeGreaterThan(0);
    expect(p50.ci95!.low).toBeLessThanOrEqual(p50.head - p50.base);
    expect(p50.ci95!.high).toBeGreaterThanOrEqual(p50.head - p50.base);
    // and the reverse direction is an improvement
    const back = compareRuns(head, base);
    expect(back.metrics.find((m) => m.metric === 'tasks.claim.p99')?.verdict).toBe('improved');
    expect(back.metrics.find((m) => m.metric === 'tasks.claim.throughput')?.verdict).toBe('improved');
  });

  it('does not flag a significant but tiny shift (minimum effect size)', () => {
    const base = syntheticRun({ seed: 3, ops: [{ name: 'claim', medianUs: 1000, sigma: 0.1, samples: 200_000 }] });
    const head = syntheticRun({ seed: 4, ops: [{ name: 'claim', medianUs: 1020, sigma: 0.1, samples: 200_000 }] });
    const p50 = compareRuns(base, head).metrics.find((m) => m.metric === 'tasks.claim.p50')!;
    expect(p50.pValue!).toBeLessThan(0.001);
    expect(p50.verdict).toBe('unchanged');
    expect(compareRuns(base, head, { minEffect: 0.01 }).metrics.find((m) => m.metric === 'tasks.claim.p50')?.verdict).toBe('regressed');
  });

  it('judges single-number metrics against their history noise, or not at all', () => {
    const base = syntheticRun({ seed: 1, ops: ops(1), metrics: { messagesPerOp: 10 } });
    const head = syntheticRun({ seed: 2, ops: ops(1), metrics: { messagesPerOp: 13 } });
    const none = compareRuns(base, head).metrics.find((m) => m.metric === 'tasks.messagesPerOp')!;
    expect(none.test).toBe('none');
    expect(none.verdict).toBe('not-tested');
    expect(none.reason).toMatch(/no recorded distribution/);
    const quiet = compareRuns(base, head, { priorValues: () => [10, 10.1, 9.9, 10.05, 9.95, 10] }).metrics.find((m) => m.metric === 'tasks.messagesPerOp')!;
    expect(quiet.test).toBe('history-noise');
    expect(quiet.verdict).toBe('regressed');
    const noisy = compareRuns(base, head, { priorValues: () => [6, 14, 9, 12, 8, 15, 10] }).metrics.find((m) => m.metric === 'tasks.messagesPerOp')!;
    expect(noisy.verdict).toBe('unchanged');
  });

  it('flags errors that rose beyond chance', () => {
    const base = syntheticRun({ seed: 1, ops: [{ name: 'claim', medianUs: 500, errors: 2 }] });
    const head = syntheticRun({ seed: 2, ops: [{ name: 'claim', medianUs: 500, errors: 80 }] });
    const c = compareRuns(base, head);
    expect(c.metrics.find((m) => m.metric === 'tasks.claim.errorRate')?.verdict).toBe('regressed');
    expect(c.metrics.find((m) => m.metric === 'tasks.claim.errors')?.verdict).toBe('regressed');
  });

  it('warns when the runs are not comparable', () => {
    const base = syntheticRun({ seed: 1, ops: ops(1) });
    const head = syntheticRun({ seed: 2, ops: ops(1) });
    head.env = { ...head.env, cpuModel: 'other' };
    head.config = { ...head.config, agents: 8 };
    const c = compareRuns(base, head);
    expect(c.warnings.join('\n')).toMatch(/different environments/);
    expect(c.warnings.join('\n')).toMatch(/different settings: agents/);
  });
});

describe('compareRuns with run-to-run noise from the history', () => {
  it('a shift within the run but inside the usual run-to-run spread is unchanged', () => {
    const base = syntheticRun({ seed: 11, ops: [{ name: 'claim', medianUs: 1000, sigma: 0.2, samples: 20_000 }] });
    const head = syntheticRun({ seed: 12, ops: [{ name: 'claim', medianUs: 1100, sigma: 0.2, samples: 20_000 }] });
    const alone = compareRuns(base, head).metrics.find((m) => m.metric === 'tasks.claim.p50')!;
    expect(alone.verdict).toBe('regressed');
    // earlier runs of this metric wandered ±15 %: a 10 % difference is business as usual
    const wandering = [900, 1150, 1000, 870, 1120, 980, 1060, 930];
    const withHistory = compareRuns(base, head, { priorValues: () => wandering }).metrics.find((m) => m.metric === 'tasks.claim.p50')!;
    expect(withHistory.verdict).toBe('unchanged');
    expect(withHistory.note).toMatch(/run-to-run noise of 8 earlier runs/);
    // a steady history keeps the verdict
    const steady = compareRuns(base, head, { priorValues: () => [1000, 1004, 998, 1001, 997, 1003] }).metrics.find((m) => m.metric === 'tasks.claim.p50')!;
    expect(steady.verdict).toBe('regressed');
  });
});

describe('compare at its stated error rate', () => {
  // Every run draws a run-level factor exp(N(0, 5 %)) on top of its sampling noise (as on a shared CI machine).
  const noisyRun = (seed: number, shift = 1): ReturnType<typeof syntheticRun> => {
    const f = Math.exp(new Rng(seed * 31 + 7).normal(0, 0.05)) * shift;
    return syntheticRun({ seed, ops: [{ name: 'claim', medianUs: 800 * f, sigma: 0.4, samples: 1500, throughput: 1000 / f }] });
  };

  it('pure-noise pairs flag any metric in at most ~5 % of pairs, with history and with the assumed noise', () => {
    const pairs = 60;
    let withHistory = 0;
    let assumed = 0;
    let samplingOnly = 0;
    for (let k = 0; k < pairs; k++) {
      const seed = 1 + k * 101;
      const prior = Array.from({ length: 8 }, (_, i) => extractMetrics(noisyRun(seed + 50 + i)));
      const base = noisyRun(seed);
      const head = noisyRun(seed + 1);
      const flagged = (c: ReturnType<typeof compareRuns>): boolean => c.counts.regressed + c.counts.improved > 0;
      if (flagged(compareRuns(base, head, { priorValues: (m) => prior.map((ms) => ms.find((x) => x.name === m)?.value ?? NaN) }))) withHistory++;
      if (flagged(compareRuns(base, head, { assumedNoise: 0.05 }))) assumed++;
      if (flagged(compareRuns(base, head))) samplingOnly++;
    }
    // Binomial(60, 0.05) exceeds 8 with probability < 0.5 %; the seeds are fixed, so this is stable.
    expect(withHistory).toBeLessThanOrEqual(8);
    expect(assumed).toBeLessThanOrEqual(8);
    // …and the old behaviour (sampling noise only) is what raised the false alarms: it must stay visible.
    expect(samplingOnly).toBeGreaterThan(20);
  });

  it('a +40 % step is found against the same history', () => {
    const prior = Array.from({ length: 10 }, (_, i) => extractMetrics(noisyRun(500 + i)));
    const c = compareRuns(noisyRun(1), noisyRun(2, 1.4), { priorValues: (m) => prior.map((ms) => ms.find((x) => x.name === m)?.value ?? NaN) });
    expect(c.metrics.find((m) => m.metric === 'tasks.claim.p50')?.verdict).toBe('regressed');
    expect(c.runToRunNoise).toBe('history');
  });

  it('intervals are on a ratio scale: never below −100 %, even for a large improvement', () => {
    const base = syntheticRun({ seed: 5, ops: [{ name: 'claim', medianUs: 5000, sigma: 0.5, samples: 300 }] });
    const head = syntheticRun({ seed: 6, ops: [{ name: 'claim', medianUs: 400, sigma: 0.5, samples: 300 }] });
    for (const m of compareRuns(base, head, { assumedNoise: 0.05 }).metrics) {
      if (m.changeCi95) expect(m.changeCi95.low, m.metric).toBeGreaterThan(-1);
      if (m.ci95 && m.base > 0) expect(m.ci95.low, m.metric).toBeGreaterThanOrEqual(-m.base);
    }
    const p50 = compareRuns(base, head).metrics.find((m) => m.metric === 'tasks.claim.p50')!;
    expect(p50.verdict).toBe('improved');
    expect(p50.changeCi95!.high).toBeLessThan(0);
  });

  it('max is reported but never tested; a thin tail and error-free counts say not tested and why', () => {
    const base = syntheticRun({ seed: 1, ops: [{ name: 'claim', medianUs: 500, samples: 2000 }] });
    const head = syntheticRun({ seed: 2, ops: [{ name: 'claim', medianUs: 500, samples: 2000 }] });
    const prior = [base, head, base, head].map((r) => extractMetrics(r));
    const c = compareRuns(base, head, { priorValues: (m) => prior.map((ms) => ms.find((x) => x.name === m)?.value ?? NaN), assumedNoise: 0.05 });
    const by = new Map(c.metrics.map((m) => [m.metric, m]));
    expect(by.get('tasks.claim.max')).toMatchObject({ verdict: 'not-tested', test: 'none', pValue: null });
    expect(by.get('tasks.claim.max')!.reason).toMatch(/never tested alone/);
    expect(by.get('tasks.claim.errors')).toMatchObject({ verdict: 'not-tested', reason: 'no errors in either run' });
    const thin = compareRuns(base, head, { assumedNoise: 0.05 }).metrics.find((m) => m.metric === 'tasks.claim.p999')!;
    expect(thin.verdict).toBe('not-tested');
    expect(thin.reason).toMatch(/samples beyond p999/);
    expect(c.counts['not-tested']).toBeGreaterThanOrEqual(3);
  });
});
