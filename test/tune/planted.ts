/**
 * A planted target for `tune`: a suite whose throughput and latency are a known function of its
 * declared parameters, measured on virtual time (no wall clock, deterministic by seed), with a
 * chosen run-to-run noise. Registered like any suite, so tune's trials run through the one run
 * path and land in the history like real runs.
 *
 *   throughput = 1000 · (1 − (log2 workers − 3)² / 16 + bonus(mode) − |pause − 30| / 200) · (1 + noise)
 *   bonus: a 0, b 0.2, c 0.1        latency of every operation ≈ workers · 250 µs (p99 ≈ workers · 0.37 ms)
 *
 * Unconstrained optimum: workers=8, mode=b, pause=30. Under `planted.op.p99<2ms` workers ≤ 5 are
 * feasible, so the optimum is workers=4, mode=b, pause=30.
 */
import { buildSuite } from '../../src/consensus/bench/common.js';
import { choiceParam, defineParams, intParam } from '../../src/core/params.js';
import type { SuiteResult } from '../../src/core/result.js';
import { Recorder } from '../../src/measure/recorder.js';
import { Rng } from '../../src/measure/rng.js';
import { getSuite, registerSuite, type SuiteDefinition } from '../../src/suites/types.js';

export const plantedParams = defineParams({
  workers: intParam({ help: 'workers', default: 2, min: 1, max: 64 }),
  mode: choiceParam({ help: 'mode', values: ['a', 'b', 'c'] as const, default: 'a' }),
  pause: intParam({ help: 'pause, ms', default: 0, min: 0, max: 100, unit: 'ms' }),
  noise: intParam({ help: 'run-to-run noise, percent (sd of the throughput factor)', default: 0, min: 0, max: 50, unit: 'percent' }),
});

export const BONUS: Record<string, number> = { a: 0, b: 0.2, c: 0.1 };

/** The noise-free throughput (ops/s) of a configuration. */
export function plantedThroughput(workers: number, mode: string, pause: number): number {
  return 1000 * (1 - (Math.log2(workers) - 3) ** 2 / 16 + (BONUS[mode] ?? 0) - Math.abs(pause - 30) / 200);
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return h;
}

export const plantedSuite: SuiteDefinition<typeof plantedParams.shape> = {
  name: 'planted',
  description: 'a planted target of known optimum (tune tests)',
  params: plantedParams,
  async run(o, p): Promise<SuiteResult> {
    // Noise differs between configurations and seeds alike, as run-to-run noise does.
    const rng = new Rng((o.seed * 1_000_003 + hash(`${p.workers}/${p.mode}/${p.pause}`)) >>> 0);
    const factor = Math.max(0.05, 1 + rng.normal(0, p.noise / 100));
    const rate = Math.max(1, plantedThroughput(p.workers, p.mode, p.pause) * factor);
    const seconds = o.durationUs / 1e6;
    const recorder = new Recorder({ startUs: 0, intervalUs: o.intervalUs, seed: o.seed, reservoirSize: 100 });
    recorder.declare('op');
    const n = Math.max(1, Math.round(rate * seconds));
    for (let i = 0; i < n; i++) {
      const at = Math.round(((i + 1) * o.durationUs) / n);
      recorder.record('op', Math.round(p.workers * 250 * (1 + 0.1 * rng.exponential(1))), at);
    }
    return buildSuite({ name: 'planted', backend: o.backend, recorder, endUs: o.durationUs, checks: [{ name: 'planted', passed: true, detail: 'no invariant' }], metrics: {}, resources: { sampleIntervalMs: 1000, samples: [] } });
  },
};

export function registerPlanted(): void {
  if (!getSuite('planted')) registerSuite(plantedSuite as unknown as Parameters<typeof registerSuite>[0]);
}

/** The best configuration by exhaustive evaluation of the noise-free function (optionally under a workers cap). */
export function trueOptimum(workers: readonly number[], modes: readonly string[], pauses: readonly number[], maxWorkers = Infinity): { workers: number; mode: string; pause: number } {
  let best = { workers: 0, mode: '', pause: 0, t: -Infinity };
  for (const w of workers) for (const m of modes) for (const pa of pauses) if (w <= maxWorkers && plantedThroughput(w, m, pa) > best.t) best = { workers: w, mode: m, pause: pa, t: plantedThroughput(w, m, pa) };
  return { workers: best.workers, mode: best.mode, pause: best.pause };
}
