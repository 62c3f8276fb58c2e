/**
 * tune on a planted target of known optimum (test/tune/planted.ts: virtual time, deterministic by
 * seed): it finds the optimum within its budget, respects an SLO that moves the optimum, records
 * every trial as a tagged run in the history, and refuses bad parameters naming them. The error
 * rate of "optimum found" under run-to-run noise: test/tune/search.test.ts (the search alone, many
 * seeds) and bench/tune.bench.ts (through the run path).
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { openHistory } from '../../src/results/history/store.js';
import { setup } from '../../src/setup.js';
import { planTune, runTune, type TuneRequest } from '../../src/tune/index.js';
import { tempDir } from '../helpers/cli.js';
import { registerPlanted, trueOptimum } from './planted.js';

const SPACE = ['workers=1,2,4,8,16,32', 'mode=a,b,c', 'pause=0..60'];
const PAUSES = [0, 8, 15, 23, 30, 38, 45, 53, 60];

function request(extra: Partial<TuneRequest> = {}): TuneRequest {
  return { suite: 'planted', backend: 'memory', params: SPACE, maximize: 'throughput', trials: 60, seed: 1, duration: '1s', warmup: '0s', ...extra };
}

async function tune(extra: Partial<TuneRequest>, dataDir: string, history: string | false = false) {
  return runTune(await planTune(request(extra)), { dataDir, history });
}

describe('tune on a planted target', () => {
  let dataDir: string;
  beforeAll(() => {
    setup();
    registerPlanted();
    dataDir = tempDir('swarmperf-tune-');
  });

  it('the planted function has the optimum the tests expect', () => {
    expect(trueOptimum([1, 2, 4, 8, 16, 32], ['a', 'b', 'c'], PAUSES)).toEqual({ workers: 8, mode: 'b', pause: 30 });
    expect(trueOptimum([1, 2, 4, 8, 16, 32], ['a', 'b', 'c'], PAUSES, 5)).toEqual({ workers: 4, mode: 'b', pause: 30 });
  });

  it('finds the known optimum of 162 configurations within 60 trials, every trial a tagged run in the history', async () => {
    const history = join(dataDir, 'history.db');
    const r = await tune({}, dataDir, history);
    expect(r.method).toBe('successive-halving');
    expect(r.spaceSize).toBe(162);
    expect(r.trials).toBeLessThanOrEqual(60);
    expect(r.best?.params).toEqual({ workers: '8', mode: 'b', pause: '30' });
    expect(r.bestFeasible).toBe(true);
    // Noise-free: repeats agree, the interval is a point.
    expect(r.best?.ci95?.low).toBeCloseTo(r.best?.ci95?.high ?? NaN, 6);
    expect(r.best?.command).toMatch(/^swarmperf run planted --backend memory --workers 8 --mode b --pause 30 --duration 1s --warmup 0s --seed 1$/);
    // What mattered: workers moves throughput most (its main effect has the largest variance).
    expect(r.importance[0]?.name).toBe('workers');
    expect(r.importance[0]?.share).toBeGreaterThan(0.4);
    // Pareto (throughput up, p99 down): the fastest configuration with the fewest workers is on it.
    expect(r.pareto.length).toBeGreaterThan(0);
    for (const p of r.pareto) expect(r.configs.some((c) => (c.throughput ?? 0) > (p.throughput ?? 0) && (c.p99Us ?? Infinity) < (p.p99Us ?? 0))).toBe(false);
    const h = openHistory(history);
    try {
      const runs = h.listRuns({ limit: 1000 }).filter((s) => h.getRun(s.id).tags?.tune === r.id);
      expect(runs.length).toBe(r.trials);
      const best = h.getRun(r.best?.runIds[0] as string);
      expect(best.tags?.tuneParams).toBe('workers=8,mode=b,pause=30');
      expect(best.config.command).toBe('tune');
    } finally {
      h.close();
    }
  });

  it('an SLO moves the optimum: the best configuration that meets p99 < 2 ms', async () => {
    const r = await tune({ slo: ['planted.op.p99<2ms'] }, dataDir);
    expect(r.best?.params).toEqual({ workers: '4', mode: 'b', pause: '30' });
    expect(r.bestFeasible).toBe(true);
    expect(r.best?.slos[0]?.met).toBe(true);
    // The unconstrained optimum was measured and ranked below as missing the SLO.
    const eight = r.configs.find((c) => c.params.workers === '8' && c.params.mode === 'b' && c.params.pause === '30');
    if (eight) expect(eight.feasible).toBe(false);
  });

  it('says when nothing meets the SLOs', async () => {
    const r = await tune({ slo: ['planted.op.p99<100us'], trials: 10 }, dataDir);
    expect(r.bestFeasible).toBe(false);
  });

  it('uses the grid when the space fits the budget', async () => {
    const r = await tune({ params: ['workers=4,8,16', 'mode=a,b'], trials: 12 }, dataDir);
    expect(r.method).toBe('grid');
    expect(r.configs.length).toBe(6);
    expect(r.best?.params).toEqual({ workers: '8', mode: 'b' });
  });

  it('refuses bad parameters naming them (UsageError, exit 2 in the CLI)', async () => {
    const bad = async (extra: Partial<TuneRequest>): Promise<string> => {
      try {
        await planTune(request(extra));
      } catch (err) {
        expect(err).toBeInstanceOf(UsageError);
        return (err as Error).message;
      }
      throw new Error('expected a UsageError');
    };
    expect(await bad({ params: ['wrokers=1..8'] })).toMatch(/--param: unknown parameter "wrokers"; tunable here: .*workers/);
    expect(await bad({ params: ['workers=0..8'] })).toMatch(/--param workers: 0 is outside the declared range \(from 1 to 64\)/);
    expect(await bad({ params: ['mode=a,z'] })).toMatch(/--param mode: expected one of a, b, c, got "z"/);
    expect(await bad({ params: ['mode=a..c'] })).toMatch(/--param mode: takes listed values/);
    expect(await bad({ params: ['workers=8..2'] })).toMatch(/--param workers: the range 8\.\.2 is empty/);
    expect(await bad({ params: ['workers=1..4', 'workers=8'] })).toMatch(/"workers" is given twice/);
    expect(await bad({ params: ['busyTimeout=0..100'] })).toMatch(/unknown parameter "busyTimeout"/);
    expect(await bad({ backend: 'sqlite', params: ['busyTimeout=-1..100'] })).toMatch(/--param busyTimeout/);
    expect(await bad({ set: ['noise=99'] })).toMatch(/--set noise/);
    expect(await bad({ maximize: undefined })).toMatch(/--maximize\/--minimize/);
    expect(await bad({ slo: ['planted.op.p99<5parsecs'] })).toMatch(/--slo/);
    expect(await bad({ trials: 0 })).toMatch(/--trials/);
    // Backend tuning is searchable by its query name.
    const plan = await planTune(request({ backend: 'sqlite', params: ['busyWait=sqlite,spin', 'busyTimeout=0..100'] }));
    expect(plan.dims.map((d) => [d.name, d.where])).toEqual([
      ['busyWait', 'backend'],
      ['busyTimeout', 'backend'],
    ]);
  });

  it('fails with a UsageError naming the objective when the run has no such metric', async () => {
    await expect(tune({ maximize: 'planted.op.nonsense', trials: 2 }, dataDir)).rejects.toThrow(/--maximize: the trial's result has no metric "planted.op.nonsense"/);
  });
});
