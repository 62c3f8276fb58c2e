/**
 * `tune`'s verdict "this is the optimum", and how often it is right. A planted suite of known
 * optimum (test/tune/planted.ts: 162 configurations, virtual time, noise chosen per row) is tuned
 * with a budget of 60 trials from many seeds; each row counts the seeds whose best is the true
 * optimum, and those within 2 % of its throughput. Rows "run path" go through runTune (every
 * trial a RunResult through the enrichers, as the CLI does, history off); rows "search" call the
 * search alone, which allows 200 seeds. Baseline: the same budget spent on 60 random
 * configurations measured once (what a hand-rolled random search does). Seeded: load-independent.
 * Then the worked example of docs/tune.md (Raft in the simulator): tune's answer beside the
 * exhaustive grid's.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../src/measure/rng.js';
import { setup } from '../src/setup.js';
import { planTune, runTune, type TuneRequest } from '../src/tune/index.js';
import { search, type Observation } from '../src/tune/search.js';
import { configKey, parseDimension, type Config, type TunableParam } from '../src/tune/space.js';
import { plantedThroughput, registerPlanted } from '../test/tune/planted.js';

setup();
registerPlanted();
const dataDir = mkdtempSync(join(tmpdir(), 'swarmperf-tune-bench-'));
const OPT = { workers: '8', mode: 'b', pause: '30' };
const OPT_VALUE = plantedThroughput(8, 'b', 30);
const TRIALS = 60;

const known = new Map<string, TunableParam>([
  ['workers', { name: 'workers', where: 'suite', kind: 'int', min: 1, max: 64, check: () => {} }],
  ['mode', { name: 'mode', where: 'suite', kind: 'choice', values: ['a', 'b', 'c'], check: () => {} }],
  ['pause', { name: 'pause', where: 'suite', kind: 'int', min: 0, max: 100, check: () => {} }],
]);
const SPACE = ['workers=1,2,4,8,16,32', 'mode=a,b,c', 'pause=0..60'];
const dims = SPACE.map((t) => parseDimension('--param', t, known));

function noisy(noise: number, config: Config, seed: number): number {
  const rng = new Rng((seed * 1_000_003 + Number(config.workers) * 31 + Number(config.pause) * 131 + (config.mode as string).charCodeAt(0)) >>> 0);
  return plantedThroughput(Number(config.workers), config.mode as string, Number(config.pause)) * (1 + rng.normal(0, noise));
}
const isOpt = (c: Config | undefined): boolean => c !== undefined && c.workers === OPT.workers && c.mode === OPT.mode && c.pause === OPT.pause;
const within2 = (c: Config | undefined): boolean => c !== undefined && plantedThroughput(Number(c.workers), c.mode as string, Number(c.pause)) >= 0.98 * OPT_VALUE;
const pct = (k: number, n: number): string => `${((100 * k) / n).toFixed(1)} %`;

async function searchRow(noise: number, seeds: number): Promise<string> {
  let hit = 0;
  let near = 0;
  let trials = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const out = await search({ dims, direction: 'bigger', slos: [], trials: TRIALS, seed }, async (c, _r, s): Promise<Observation> => ({ objective: noisy(noise, c, s), sloValues: [] }));
    const best = [...out.arms].sort((a, b) => mean(b.obs) - mean(a.obs))[0]?.config;
    hit += isOpt(best) ? 1 : 0;
    near += within2(best) ? 1 : 0;
    trials += out.trials;
  }
  return `| search | ${(noise * 100).toFixed(0)} % | ${seeds} | ${pct(hit, seeds)} | ${pct(near, seeds)} | ${(trials / seeds).toFixed(1)} | ${randomBaseline(noise, seeds)} |`;
}
const mean = (obs: Observation[]): number => obs.reduce((s, o) => s + (o.objective ?? 0), 0) / obs.length;

function randomBaseline(noise: number, seeds: number): string {
  let hit = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const rng = new Rng(seed + 7777);
    const seen = new Map<string, Config>();
    while (seen.size < TRIALS) {
      const c = { workers: rng.pick(dims[0]!.levels), mode: rng.pick(dims[1]!.levels), pause: rng.pick(dims[2]!.levels) };
      seen.set(configKey(c), c);
    }
    const best = [...seen.values()].sort((a, b) => noisy(noise, b, seed) - noisy(noise, a, seed))[0];
    hit += isOpt(best) ? 1 : 0;
  }
  return pct(hit, seeds);
}

async function runPathRow(noise: number, seeds: number): Promise<string> {
  let hit = 0;
  let near = 0;
  let trials = 0;
  const t0 = performance.now();
  for (let seed = 1; seed <= seeds; seed++) {
    const req: TuneRequest = { suite: 'planted', backend: 'memory', params: SPACE, set: [`noise=${noise * 100}`], maximize: 'throughput', trials: TRIALS, seed, duration: '1s', warmup: '0s' };
    const r = await runTune(await planTune(req), { dataDir, history: false });
    hit += isOpt(r.best?.params) ? 1 : 0;
    near += within2(r.best?.params) ? 1 : 0;
    trials += r.trials;
  }
  const perTrialMs = (performance.now() - t0) / trials;
  return `| run path (${perTrialMs.toFixed(0)} ms/trial) | ${(noise * 100).toFixed(0)} % | ${seeds} | ${pct(hit, seeds)} | ${pct(near, seeds)} | ${(trials / seeds).toFixed(1)} | ${randomBaseline(noise, seeds)} |`;
}

console.log(`Planted target: 162 configurations, budget ${TRIALS} trials; true optimum workers=8 mode=b pause=30 (nearest rivals 3.5 % below).\n`);
console.log('| path | noise (sd) | seeds | optimum found | within 2 % | trials used (mean) | random search, same budget: optimum found |');
console.log('|---|---|---|---|---|---|---|');
for (const noise of [0, 0.01, 0.03, 0.05]) console.log(await searchRow(noise, 200));
for (const noise of [0, 0.03]) console.log(await runPathRow(noise, 10));

// ── the worked example: Raft's election timeout and heartbeat, least leader downtime ─────────────
const RAFT: TuneRequest = {
  protocol: 'raft',
  scenario: 'faults',
  params: ['electionTimeout=10-20ms,20-40ms,40-80ms,80-160ms,160-320ms', 'heartbeat=2ms..12ms'],
  set: ['latency=lognormal:5ms,0.8', 'fsync=lognormal:3ms,1', 'rate=100', 'faults=crash-leader@2s-3s; crash-leader@5s-6s; crash-leader@8s-9s; crash-leader@11s-12s'],
  maximize: 'availabilityLeader',
  seed: 1,
};
const grid = await runTune(await planTune({ ...RAFT, trials: 35 * 3, repeats: 3 }), { dataDir, history: false });
console.log(`\nRaft worked example (docs/tune.md): exhaustive grid of ${grid.spaceSize} configurations × 3 repeats: best ${configKey(grid.best?.params ?? {})}, availabilityLeader ${grid.best?.mean?.toFixed(4)}`);
for (const seed of [1, 2, 3]) {
  const t = await runTune(await planTune({ ...RAFT, trials: 30, seed }), { dataDir, history: false });
  const rankInGrid = grid.configs.findIndex((c) => configKey(c.params) === configKey(t.best?.params ?? {})) + 1;
  console.log(`- tune --trials 30 --seed ${seed}: best ${configKey(t.best?.params ?? {})} (${t.best?.mean?.toFixed(4)}), ${t.trials} trials, ${t.method}; that configuration ranks ${rankInGrid} of ${grid.configs.length} in the grid`);
}
