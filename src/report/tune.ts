/** A tuning session's result in words: the best settings and how sure, the trade-off, what mattered. */
import { formatRate, formatUs } from '../core/units.js';
import { formatMetricValue, type MetricUnit } from '../results/metrics.js';
import type { ConfigSummary, TuneResult } from '../tune/index.js';

function params(p: Readonly<Record<string, string>>): string {
  return Object.entries(p)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

function value(v: number | null, unit: string): string {
  return v === null ? '–' : formatMetricValue(v, unit as MetricUnit);
}

/** Why a configuration is not eligible, if it is not. */
function verdict(c: ConfigSummary): string {
  if (c.feasible) return '';
  if (c.error !== undefined && c.repeats === 0) return `  (failed: ${c.error})`;
  return c.checksFailed ? '  (invariant checks failed)' : '  (misses an SLO)';
}

function objectiveText(c: ConfigSummary, unit: string): string {
  const ci = c.ci95 ? ` (95 % CI ${value(c.ci95.low, unit)} … ${value(c.ci95.high, unit)}, ${c.repeats} repeats)` : ` (${c.repeats} repeat${c.repeats === 1 ? '' : 's'}, no interval)`;
  return `${value(c.mean, unit)}${ci}`;
}

export function formatTuneResult(r: TuneResult): string {
  const unit = r.objective.unit;
  const lines: string[] = [];
  const what = r.target.kind === 'suite' ? `${r.target.name} on ${r.target.backend ?? ''}` : `${r.target.name}${r.target.scenario ? ` ${r.target.scenario}` : ''} (simulator)`;
  lines.push(`tune ${r.id}: ${r.objective.goal} ${r.objective.metric} of ${what}${r.slos.length > 0 ? ` subject to ${r.slos.join(', ')}` : ''}`);
  lines.push(
    `${r.method} over ${r.spaceSize} configurations (${r.firstRung} in the ${r.method === 'grid' ? 'grid' : 'first rung'}, ${r.configs.length} measured), ${r.trials} trials of ${r.plannedTrials} planned, ${r.wallSeconds.toFixed(1)} s${r.stoppedBy ? `, stopped by ${r.stoppedBy}` : ''}; run-to-run noise ${r.noise === null ? 'not measured' : `${(r.noise * 100).toFixed(1)} %`}`,
  );
  if (Object.keys(r.fixed).length > 0) lines.push(`fixed: ${params(r.fixed)}`);
  if (r.best) {
    lines.push('');
    lines.push(`best${r.bestFeasible ? '' : ' (NO configuration met every SLO; closest)'}: ${params(r.best.params)}`);
    lines.push(`  ${r.objective.metric} ${objectiveText(r.best, unit)}`);
    for (const s of r.best.slos) lines.push(`  ${s.met ? '✓' : '✗'} ${s.expr} (measured ${value(s.value, s.unit)}, mean of the repeats)`);
    if (r.tiedWithBest.length > 0) lines.push(`  tied with it within the noise (95 % intervals overlap): ${r.tiedWithBest.map(params).join('; ')}`);
    lines.push(`  reproduce: ${r.best.command}`);
  }
  if (r.importance.length > 0) {
    lines.push('');
    const sum = r.importance.reduce((a, i) => a + i.share, 0);
    lines.push(`what mattered (share of the variance of configuration means, main effects${sum > 1.01 ? '; the shares overlap: too few configurations measured to tell these parameters apart' : ''}):`);
    for (const imp of r.importance) {
      const step = r.best ? `one level from the best: ${value(imp.aroundBest.below, unit)} below, ${value(imp.aroundBest.above, unit)} above` : '';
      lines.push(`  ${imp.name.padEnd(18)} ${(imp.share * 100).toFixed(0).padStart(3)} %   ${step}`);
      lines.push(`  ${''.padEnd(18)}         by level: ${imp.levels.map((l) => `${l.value} ${value(l.mean, unit)}`).join(' · ')}`);
    }
  }
  if (r.pareto.length > 0) {
    lines.push('');
    lines.push('Pareto front (throughput vs p99; nothing measured beats these on both):');
    for (const c of r.pareto) lines.push(`  ${formatRate(c.throughput ?? 0).padStart(10)}  p99 ${formatUs(c.p99Us ?? 0).padStart(9)}  ${params(c.params)}${verdict(c)}`);
  }
  lines.push('');
  lines.push(`top configurations (of ${r.configs.length} measured):`);
  for (const c of r.configs.slice(0, 5)) lines.push(`  ${objectiveText(c, unit).padEnd(44)} ${params(c.params)}${verdict(c)}`);
  lines.push(`trials are runs in the history tagged tune=${r.id} (swarmperf history, the dashboard)`);
  return lines.join('\n');
}
