/**
 * `swarmperf stress <url>`: steps an open-loop arrival rate up until the SLO breaks, and reports
 * each step, the max sustainable rate, the knee, optimal and sustainable throughput.
 *
 * Exit codes: 0 when a sustainable rate was found (including "the SLO held up to --max-rate");
 * 1 when even the first step broke the SLO (no sustainable rate at all — the target fails its
 * objective at the start rate, which a CI gate should hear about); 2 bad usage; 130 interrupted.
 */
import type { Command } from 'commander';
import { DEFAULT_SLO, parseSlo } from '../../load/slo.js';
import { RealClock } from '../../measure/clock.js';
import { buildRunResult } from '../../results/run-result.js';
import { runStress, type RateGrowth, type StressOutcome, type StressStepReport } from '../../runner/stress.js';
import { buildSuiteResult, startSuiteSampler } from '../../runner/suite.js';
import type { Resources } from '../../core/result.js';
import { formatRate, formatUs } from '../../core/units.js';
import { addCommonFlags, commonConfig, finishRun, openRun, resolveCommon, withInterrupt } from '../common.js';
import { parseIntFlag, parsePositiveNumber, UsageError } from '../../core/parse.js';
import { addHttpFlags, addOpenLoopFlags, resolveHttpTarget, resolveOpenLoopLimits } from './http-options.js';

export function registerStressCommand(program: Command): void {
  const cmd = program
    .command('stress')
    .description('find the highest arrival rate an HTTP endpoint sustains within an SLO (steps the rate up until it breaks)')
    .argument('<url>', 'the endpoint, e.g. http://127.0.0.1:8080/flat (loopback only unless --allow-remote)')
    .option('--slo <spec>', 'objective every step must meet', DEFAULT_SLO)
    .option('--start-rate <n>', 'rate of the first step, per second', '100')
    .option('--max-rate <n>', 'never step above this rate, per second', '100000')
    .option('--growth <x>', 'multiply the rate by this each step', '1.5')
    .option('--step <n>', 'add this to the rate each step instead of multiplying')
    .option('--refine <n>', 'bisection steps between the last rate that held and the first that broke', '2');
  addOpenLoopFlags(cmd);
  addHttpFlags(cmd);
  addCommonFlags(cmd, { duration: '5s', warmup: '1s' });
  cmd.action(async (url: string, raw: Record<string, unknown>) => {
    if (raw.iterations !== undefined) throw new UsageError('--iterations: not used by stress; each step lasts --duration');
    const o = resolveCommon(raw);
    const slo = parseSlo('--slo', String(raw.slo));
    const startRate = parsePositiveNumber('--start-rate', String(raw.startRate));
    const maxRate = parsePositiveNumber('--max-rate', String(raw.maxRate));
    if (maxRate < startRate) throw new UsageError(`--max-rate: ${maxRate} is below --start-rate ${startRate}`);
    let growth: RateGrowth;
    if (raw.step !== undefined) {
      if (cmd.getOptionValueSource('growth') === 'cli') throw new UsageError('--step: give --growth (×) or --step (+), not both');
      growth = { step: parsePositiveNumber('--step', String(raw.step)) };
    } else {
      const factor = parsePositiveNumber('--growth', String(raw.growth));
      if (factor <= 1) throw new UsageError(`--growth: expected a factor above 1 (e.g. 1.5), got ${raw.growth}`);
      growth = { factor };
    }
    const refineSteps = parseIntFlag('--refine', String(raw.refine), 0, 10);
    const limits = resolveOpenLoopLimits(raw);
    const spec = await resolveHttpTarget(url, raw);

    // The HTTP clients (undici among them) load only when a load runs.
    const { HttpTarget } = await import('../../targets/http/target.js');
    const target = new HttpTarget(spec, { connections: limits.maxInFlight });
    const run = await openRun(o, { command: 'stress', suites: ['http'] });
    const progress = run.monitor('http');
    progress.log(`▶ stress ${target.operation} · ${spec.url.origin} · SLO ${slo.text} · from ${formatRate(startRate)} up to ${formatRate(maxRate)} · ${formatUs(o.durationUs)} per step`);
    // Stress is a search over open-loop steps: its own executor, on the runner's sampler and phases.
    const sampler = startSuiteSampler(progress);
    let resources: Resources;
    let outcome: StressOutcome;
    try {
      outcome = await withInterrupt(progress, async (signal) => {
        try {
          return await runStress(
            target.workload(),
            { startRate, maxRate, growth, stepDurationUs: o.durationUs, warmupUs: o.warmupUs, slo, refineSteps, maxInFlight: limits.maxInFlight, maxLagUs: limits.maxLagUs, seed: o.seed },
            { clock: new RealClock(), signal, progress, onStep: (s) => progress.log(formatStep(s)) },
          );
        } finally {
          await target.close();
        }
      });
    } finally {
      resources = sampler.stop();
    }
    const found = outcome.maxSustainableRate > 0;
    const metrics: Record<string, number> = {
      steps: outcome.steps.length,
      maxSustainableRate: outcome.maxSustainableRate,
      optimalThroughput: round2(outcome.optimalThroughput),
      sustainableThroughput: round2(outcome.sustainableThroughput),
    };
    if (outcome.knee !== null) metrics.knee = outcome.knee;
    if (outcome.throughputVariability !== undefined && Number.isFinite(outcome.throughputVariability)) {
      metrics.throughputVariability = round2(outcome.throughputVariability * 100) / 100;
    }
    const conclusion =
      outcome.stopReason === 'aborted'
        ? 'interrupted before the SLO broke'
        : outcome.stopReason === 'max-rate'
          ? `the SLO held up to --max-rate ${formatRate(maxRate)}: capacity is at least that`
          : found
            ? `the SLO broke above ${formatRate(outcome.maxSustainableRate)}`
            : `the SLO broke at the first step (${formatRate(startRate)}): no sustainable rate; try a lower --start-rate`;
    const suite = buildSuiteResult({ name: 'http', backend: spec.url.origin, operations: outcome.operations, intervals: outcome.intervals, checks: [], resources, metrics });
    const config: Record<string, unknown> = {
      command: 'stress',
      url: spec.url.href,
      method: spec.method,
      slo: slo.text,
      startRate,
      maxRate,
      growth,
      refineSteps,
      stepDurationUs: o.durationUs,
      maxInFlight: limits.maxInFlight,
      maxLagUs: limits.maxLagUs,
      timeoutUs: spec.timeoutUs,
      stopReason: outcome.stopReason,
      ...commonConfig(o),
    };
    const partial = outcome.stopReason === 'aborted';
    const result = buildRunResult({ id: run.runId, startedAt: run.startedAt, finishedAt: new Date(), partial, config, suites: [suite], tags: o.tags });
    // (progress is silent with --quiet.)
    const knee = outcome.knee !== null ? ` · knee ${formatRate(outcome.knee)}` : '';
    progress.log(`stress: max sustainable rate ${formatRate(outcome.maxSustainableRate)}${knee} · optimal throughput ${formatRate(outcome.optimalThroughput)} · ${conclusion}`);
    process.exitCode = await finishRun(result, o, partial || found ? {} : { failed: true, failReason: `stress: ${conclusion}` }, run);
  });
}

function formatStep(s: StressStepReport): string {
  const verdict = s.aborted ? '· interrupted' : s.passed ? '✓' : `✗ ${s.violations.join('; ')}`;
  const dropped = s.dropped > 0 ? ` · dropped ${s.dropped}` : '';
  return `  step ${s.index + 1}${s.phase === 'refine' ? ' (refine)' : ''}: ${formatRate(s.rate)} → ${formatRate(s.throughput)} · success ${(s.successRate * 100).toFixed(2)}% · p99 ${formatUs(s.p99Us)}${dropped} ${verdict}`;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
