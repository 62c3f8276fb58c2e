/**
 * The search alone (src/tune/search.ts) on the planted function of test/tune/planted.ts, without
 * runs: how often it names the true optimum under run-to-run noise, over many seeds — the error
 * rate of its verdict "this is the best" — and the budget arithmetic.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/measure/rng.js';
import { halvingCost, neighbours, search, type Observation } from '../../src/tune/search.js';
import { configKey, intLevels, parseDimension, type Config, type TunableParam } from '../../src/tune/space.js';
import { plantedThroughput } from './planted.js';

const known = new Map<string, TunableParam>([
  ['workers', { name: 'workers', where: 'suite', kind: 'int', min: 1, max: 64, check: () => {} }],
  ['mode', { name: 'mode', where: 'suite', kind: 'choice', values: ['a', 'b', 'c'], check: () => {} }],
  ['pause', { name: 'pause', where: 'suite', kind: 'int', min: 0, max: 100, check: () => {} }],
]);
const dims = ['workers=1,2,4,8,16,32', 'mode=a,b,c', 'pause=0..60'].map((t) => parseDimension('--param', t, known));
const OPTIMUM = 'workers=8,mode=b,pause=30';

/** One noisy measurement of the planted function (noise depends on configuration and seed, as in the suite). */
function planted(noise: number) {
  return async (config: Config, _repeat: number, seed: number): Promise<Observation> => {
    const rng = new Rng((seed * 1_000_003 + configKey(config).length * 7919 + Number(config.workers) * 31 + Number(config.pause) * 131 + (config.mode as string).charCodeAt(0)) >>> 0);
    const value = plantedThroughput(Number(config.workers), config.mode as string, Number(config.pause)) * (1 + rng.normal(0, noise));
    return { objective: value, sloValues: [], throughput: value, p99Us: Number(config.workers) * 300 };
  };
}

async function hitRate(noise: number, seeds: number, trials: number): Promise<number> {
  let hits = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const out = await search({ dims, direction: 'bigger', slos: [], trials, seed }, planted(noise));
    expect(out.trials).toBeLessThanOrEqual(trials);
    const best = [...out.arms].sort((a, b) => mean(b) - mean(a))[0];
    if (best?.key === OPTIMUM) hits++;
  }
  return hits / seeds;
}

const mean = (a: { obs: Observation[] }): number => a.obs.reduce((s, o) => s + (o.objective ?? 0), 0) / a.obs.length;

describe('tune search', () => {
  it('cuts numeric ranges into levels that include both ends', () => {
    expect(intLevels(1, 16)).toEqual([1, 2, 3, 4, 6, 8, 11, 16]);
    expect(intLevels(0, 60)).toEqual([0, 8, 15, 23, 30, 38, 45, 53, 60]);
    expect(intLevels(2, 6)).toEqual([2, 3, 4, 5, 6]);
  });

  it('budgets successive halving to fit, and neighbours step one level', () => {
    expect(halvingCost(9, 1)).toBe(9 + 3 * 2);
    expect(halvingCost(2, 1)).toBe(2);
    expect(halvingCost(27, 1)).toBe(27 + 9 * 2 + 3 * 6);
    expect(neighbours(dims, { workers: '1', mode: 'b', pause: '30' }).map(configKey)).toEqual(['workers=2,mode=b,pause=30', 'workers=1,mode=a,pause=30', 'workers=1,mode=c,pause=30', 'workers=1,mode=b,pause=23', 'workers=1,mode=b,pause=38']);
  });

  it('noise-free: finds the optimum of 162 configurations in 60 trials for every seed', async () => {
    expect(await hitRate(0, 20, 60)).toBe(1);
  });

  it('under 3 % run-to-run noise: names the true optimum in most seeds (error rate measured over 40)', async () => {
    // The nearest rival (pause 23 or 38) is 3.5 % worse: noise of the same size, so some misses are expected.
    const rate = await hitRate(0.03, 40, 60);
    expect(rate).toBeGreaterThanOrEqual(0.5);
  });

  it('a planted broken search (no racing or local step: one random sample) misses far more often', async () => {
    // The same budget spent on 60 random configurations measured once each.
    let hits = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const rng = new Rng(seed);
      const sample = new Set<string>();
      while (sample.size < 60) sample.add(configKey({ workers: rng.pick(dims[0]!.levels), mode: rng.pick(dims[1]!.levels), pause: rng.pick(dims[2]!.levels) }));
      let best = '';
      let bestValue = -Infinity;
      for (const key of sample) {
        const [w, m, p] = key.split(',').map((kv) => kv.split('=')[1] as string);
        const v = (await planted(0.03)({ workers: w as string, mode: m as string, pause: p as string }, 0, seed)).objective as number;
        if (v > bestValue) [best, bestValue] = [key, v];
      }
      if (best === OPTIMUM) hits++;
    }
    expect(hits / 40).toBeLessThan(await hitRate(0.03, 40, 60));
  });

  it('stops at the wall budget', async () => {
    let now = 0;
    const out = await search({ dims, direction: 'bigger', slos: [], budgetMs: 10_000, seed: 1, nowMs: () => now }, async (c, r, s) => {
      now += 1000;
      return planted(0)(c, r, s);
    });
    expect(out.plannedTrials).toBe(10);
    expect(out.trials).toBeLessThanOrEqual(10);
    expect(out.stoppedBy).toBe('budget');
  });
});
