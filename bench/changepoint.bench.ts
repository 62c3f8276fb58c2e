/**
 * Change-point detection quality: false-positive rate on pure noise and detection rate of planted
 * steps, E-Divisive means (src/results/changepoint.ts; on ranks, the default, and on raw values) side by side with the bare percentage
 * threshold many CI setups use (flag when a run is > 10 % worse than the one before it).
 * 200 seeded series per condition; prints a markdown table. Bounded: well under a minute.
 */
import { Rng } from '../src/measure/rng.js';
import { detectChangePoints } from '../src/results/changepoint.js';

const SEEDS = 200;
const N = 50;
const AT = 35;

type Noise = 'gauss5' | 'gauss10' | 'heavy';

function draw(rng: Rng, noise: Noise): number {
  switch (noise) {
    case 'gauss5':
      return 1 + rng.normal(0, 0.05);
    case 'gauss10':
      return 1 + rng.normal(0, 0.1);
    case 'heavy':
      return Math.exp(rng.normal(0, 0.1)) * (rng.bool(0.05) ? 3 : 1);
  }
}

function series(seed: number, noise: Noise, step: number): number[] {
  // the same seeds for every condition's noise, so the rows differ only by the planted step
  const rng = new Rng(seed);
  return Array.from({ length: N }, (_, i) => 100 * (step !== 0 && i >= AT ? 1 + step : 1) * draw(rng, noise));
}

/** The percentage-threshold baseline: indices where a value is > 10 % above its predecessor. */
function thresholdFlags(s: number[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < s.length; i++) if ((s[i] as number) > (s[i - 1] as number) * 1.1) out.push(i);
  return out;
}

const rows: string[][] = [];
const conditions: Array<{ label: string; noise: Noise; step: number }> = [
  { label: 'pure noise, Gaussian cv 5 %', noise: 'gauss5', step: 0 },
  { label: 'pure noise, Gaussian cv 10 %', noise: 'gauss10', step: 0 },
  { label: 'pure noise, log-normal + 5 % 3× outliers', noise: 'heavy', step: 0 },
  { label: '20 % step, Gaussian cv 5 %', noise: 'gauss5', step: 0.2 },
  { label: '20 % step, Gaussian cv 10 %', noise: 'gauss10', step: 0.2 },
  { label: '20 % step, log-normal + outliers', noise: 'heavy', step: 0.2 },
  { label: '10 % step, Gaussian cv 5 %', noise: 'gauss5', step: 0.1 },
];
const started = performance.now();
for (const c of conditions) {
  let ed = 0;
  let edLocated = 0;
  let raw = 0;
  let rawLocated = 0;
  let th = 0;
  let thLocated = 0;
  const t0 = performance.now();
  for (let seed = 1; seed <= SEEDS; seed++) {
    const s = series(seed * 7919, c.noise, c.step);
    const cps = detectChangePoints(s, { seed });
    if (cps.length > 0) ed++;
    if (cps.some((cp) => Math.abs(cp.index - AT) <= 2)) edLocated++;
    const rawCps = detectChangePoints(s, { seed, transform: 'values' });
    if (rawCps.length > 0) raw++;
    if (rawCps.some((cp) => Math.abs(cp.index - AT) <= 2)) rawLocated++;
    const flags = thresholdFlags(s);
    if (flags.length > 0) th++;
    if (flags.some((i) => Math.abs(i - AT) <= 2)) thLocated++;
  }
  const ms = (performance.now() - t0) / SEEDS; // includes both E-Divisive variants
  const pct = (k: number): string => `${((100 * k) / SEEDS).toFixed(1)} %`;
  if (c.step === 0) rows.push([c.label, 'false-positive rate', pct(ed), pct(raw), pct(th), ms.toFixed(2)]);
  else rows.push([c.label, 'detected (located ±2)', `${pct(ed)} (${pct(edLocated)})`, `${pct(raw)} (${pct(rawLocated)})`, `${pct(th)} (${pct(thLocated)})`, ms.toFixed(2)]);
}
console.log(`Series of ${N} runs, step at run ${AT}, ${SEEDS} seeds per row; E-Divisive α = 0.005, 399 permutations, min segment 3.\n`);
console.log('| condition | figure | E-Divisive on ranks (default) | E-Divisive on raw values | > 10 % vs previous run | ms / series (both E-Divisive) |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
console.log(`\n(total ${((performance.now() - started) / 1000).toFixed(1)} s, Node ${process.version})`);
