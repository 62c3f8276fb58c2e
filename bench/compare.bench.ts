/**
 * `compare` error rates: how often two runs that differ only by noise are flagged (false alarms,
 * family-wise over every metric compare tests; stated rate α = 5 %), and how often a planted
 * change is found (detection), with and without a history of earlier runs.
 *
 * Noise model (what a shared CI machine does): every run draws a run-level factor exp(N(0, 5 %))
 * that scales all its latencies and divides its throughput, on top of the sampling noise of its own
 * 2,000 log-normal latency samples per operation and ±3 % per-interval throughput noise.
 * 200 seeded pairs per row; prints a markdown table. Bounded: well under a minute.
 */
import { compareRuns, type CompareOptions } from '../src/results/compare.js';
import { extractMetrics } from '../src/results/metrics.js';
import { Rng } from '../src/measure/rng.js';
import type { RunResult } from '../src/core/result.js';
import { syntheticRun } from '../test/results/fixtures.js';

const PAIRS = 200;
const RUN_NOISE = 0.05;

function run(seed: number, runNoise: number, shift = 1): RunResult {
  const f = Math.exp(new Rng(seed * 31 + 7).normal(0, runNoise)) * shift;
  return syntheticRun({
    seed,
    ops: [
      { name: 'claim', medianUs: 800 * f, sigma: 0.4, samples: 2000, throughput: 1000 / f },
      { name: 'create', medianUs: 300 * f, sigma: 0.3, samples: 2000, throughput: 2000 / f },
    ],
  });
}

interface Row {
  label: string;
  history: number;
  runNoise: number;
  shift: number;
  assumedNoise?: number;
}

function wilson(k: number, n: number): string {
  const z = 1.96;
  const p = k / n;
  const d = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / d;
  const h = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return `${(100 * Math.max(0, c - h)).toFixed(1)}–${(100 * (c + h)).toFixed(1)} %`;
}

function measure(row: Row): { flagged: number; detected: number; metrics: number; notTested: number } {
  let flagged = 0;
  let detected = 0;
  let metrics = 0;
  let notTested = 0;
  for (let pair = 0; pair < PAIRS; pair++) {
    const seed = 1 + pair * 101;
    const prior = Array.from({ length: row.history }, (_, i) => extractMetrics(run(seed + 50 + i, row.runNoise)));
    const options: CompareOptions = {
      priorValues: (m) => (row.history > 0 ? prior.map((ms) => ms.find((x) => x.name === m)?.value ?? NaN) : undefined),
      ...(row.assumedNoise !== undefined ? { assumedNoise: row.assumedNoise } : {}),
    };
    const c = compareRuns(run(seed, row.runNoise), run(seed + 1, row.runNoise, row.shift), options);
    if (c.counts.regressed + c.counts.improved > 0) flagged++;
    if (c.metrics.find((m) => m.metric === 'tasks.claim.p50')?.verdict === 'regressed') detected++;
    metrics += c.metrics.length - c.counts['not-tested'];
    notTested += c.counts['not-tested'];
  }
  return { flagged, detected, metrics: metrics / PAIRS, notTested: notTested / PAIRS };
}

const rows: Row[] = [
  { label: 'pure noise, 30 earlier runs', history: 30, runNoise: RUN_NOISE, shift: 1 },
  { label: 'pure noise, 10 earlier runs', history: 10, runNoise: RUN_NOISE, shift: 1 },
  { label: 'pure noise, 3 earlier runs', history: 3, runNoise: RUN_NOISE, shift: 1 },
  { label: 'pure noise, no history, --noise 5% (CLI default)', history: 0, runNoise: RUN_NOISE, shift: 1, assumedNoise: 0.05 },
  { label: 'pure noise, no history, --noise 0 (sampling noise only)', history: 0, runNoise: RUN_NOISE, shift: 1, assumedNoise: 0 },
  { label: 'sampling noise only (no run-level noise), no history, --noise 0', history: 0, runNoise: 0, shift: 1, assumedNoise: 0 },
  { label: '+15 % latency, 10 earlier runs', history: 10, runNoise: RUN_NOISE, shift: 1.15 },
  { label: '+15 % latency, 3 earlier runs', history: 3, runNoise: RUN_NOISE, shift: 1.15 },
  { label: '+15 % latency, no history, --noise 5%', history: 0, runNoise: RUN_NOISE, shift: 1.15, assumedNoise: 0.05 },
  { label: '+30 % latency, no history, --noise 5%', history: 0, runNoise: RUN_NOISE, shift: 1.3, assumedNoise: 0.05 },
  { label: '+30 % latency, 10 earlier runs', history: 10, runNoise: RUN_NOISE, shift: 1.3 },
  { label: '+30 % latency, 30 earlier runs', history: 30, runNoise: RUN_NOISE, shift: 1.3 },
];

const started = performance.now();
console.log(`${PAIRS} pairs per row; run-to-run noise ${RUN_NOISE * 100} % (log-normal) unless stated; α = 0.05 family-wise (Holm over every tested metric), minimum effect 5 %.\n`);
console.log('| condition | figure | measured (95 % interval) | stated | tested metrics / pair | not tested / pair |');
console.log('|---|---|---|---|---|---|');
for (const row of rows) {
  const r = measure(row);
  const pct = (k: number): string => `${((100 * k) / PAIRS).toFixed(1)} % (${wilson(k, PAIRS)})`;
  if (row.shift === 1) console.log(`| ${row.label} | false-alarm rate (any metric flagged) | ${pct(r.flagged)} | ≤ 5 % | ${r.metrics.toFixed(1)} | ${r.notTested.toFixed(1)} |`);
  else console.log(`| ${row.label} | detected (claim.p50 regressed) | ${pct(r.detected)} | — | ${r.metrics.toFixed(1)} | ${r.notTested.toFixed(1)} |`);
}
console.log(`\n(total ${((performance.now() - started) / 1000).toFixed(1)} s, Node ${process.version})`);
