/**
 * `swarmperf load <url>`: HTTP load at a constant arrival rate (--rate), ramping stages (--ramp)
 * or fixed concurrency (--concurrency), recorded as one RunResult (suite `http`, backend = origin).
 */
import type { Command } from 'commander';
import { constantRate, countArrivals, type ArrivalSchedule, type OpenLoopOutcome } from '../../load/open-loop.js';
import { parseRamp, rampSchedule } from '../../load/ramp.js';
import { evaluateSloOnOperations, parseSlo, type Slo } from '../../load/slo.js';
import { RealClock } from '../../measure/clock.js';
import { closedLoopExecutor, openLoopExecutor, type Phase } from '../../runner/executors.js';
import { defaultIntervalUs } from '../../runner/interval.js';
import { runSuite } from '../../runner/suite.js';
import { buildRunResult } from '../../results/run-result.js';
import type { CheckResult, SuiteResult } from '../../core/result.js';
import type { HttpTargetStats } from '../../targets/http/target.js';
import { addCommonFlags, commonConfig, finishRun, openRun, resolveCommon, withInterrupt } from '../common.js';
import { addProfileFlags, profileIntervalOf, profilingFor } from '../profile-flags.js';
import { parseDurationUs, parseIntFlag, parsePositiveNumber, UsageError } from '../../core/parse.js';
import { addHttpFlags, addOpenLoopFlags, resolveHttpTarget, resolveOpenLoopLimits } from './http-options.js';

type LoadMode =
  | { kind: 'open'; schedule: ArrivalSchedule; warmupRate: number; describe: Record<string, unknown> }
  | { kind: 'closed'; concurrency: number; thinkTimeUs: number };

export function registerLoadCommand(program: Command): void {
  const cmd = program
    .command('load')
    .description('load an HTTP endpoint at an arrival rate (--rate, --ramp) or a concurrency (--concurrency)')
    .argument('<url>', 'the endpoint, e.g. http://127.0.0.1:8080/flat (loopback only unless --allow-remote)')
    .option('--rate <n>', 'open loop: arrivals per second (with --ramp: the rate the first stage starts from)')
    .option('--ramp <stages>', 'open loop: DURATION:RATE stages, each ramping linearly from the previous rate, e.g. 10s:100,30s:1000,60s:1000')
    .option('--concurrency <n>', 'closed loop: this many requests in flight, each sent when the previous one ends')
    .option('--connections <n>', 'same as --concurrency (the name autocannon and wrk use)')
    .option('--think <d>', 'closed loop: pause after each request, e.g. 10ms')
    .option('--slo <spec>', 'fail the run (exit 1) if an objective is broken, e.g. "p99<50ms,success>=99%"');
  addOpenLoopFlags(cmd);
  addHttpFlags(cmd);
  addCommonFlags(cmd, { duration: '10s', warmup: '1s' });
  addProfileFlags(cmd);
  cmd.action(async (url: string, raw: Record<string, unknown>) => {
    const mode = resolveMode(cmd, raw);
    const profileIntervalUs = profileIntervalOf(raw);
    const o = resolveCommon(raw);
    const limits = resolveOpenLoopLimits(raw);
    const slo = typeof raw.slo === 'string' ? parseSlo('--slo', raw.slo) : undefined;
    const spec = await resolveHttpTarget(url, raw);
    const durationUs = mode.kind === 'open' && mode.schedule.durationUs !== Infinity ? mode.schedule.durationUs : o.durationUs;
    // A ramp starting from 0/s has nothing to warm up with.
    const warmupUs = mode.kind === 'open' && mode.warmupRate <= 0 ? 0 : o.warmupUs;
    // Windows scale with what really runs (a ramp's stages set the duration, not --duration).
    if (raw.interval === undefined) o.intervalUs = defaultIntervalUs(durationUs);

    // The HTTP clients (undici among them) load only when a load runs.
    const { HttpTarget } = await import('../../targets/http/target.js');
    // The pool opens connections lazily, as requests in flight need them, up to this cap.
    const target = new HttpTarget(spec, { connections: mode.kind === 'closed' ? mode.concurrency : limits.maxInFlight });
    const workload = target.workload();
    const label = mode.kind === 'open' ? `load ${target.operation} @ ${mode.schedule.describe()}` : `load ${target.operation} × ${mode.concurrency}`;
    const clock = new RealClock();
    const phases = {
      warmupUs,
      durationUs,
      ...(o.iterations !== undefined ? { iterations: o.iterations } : {}),
      beforePhase: (phase: Phase) => {
        if (phase === 'measure') target.resetStats();
      },
    };
    const open =
      mode.kind === 'open'
        ? openLoopExecutor(workload, { ...phases, schedule: mode.schedule, warmupSchedule: constantRate(mode.warmupRate), maxInFlight: limits.maxInFlight, maxLagUs: limits.maxLagUs })
        : undefined;
    const executor = open ?? closedLoopExecutor(workload, { ...phases, concurrency: mode.kind === 'closed' ? mode.concurrency : 1, thinkTimeUs: mode.kind === 'closed' ? mode.thinkTimeUs : 0 });
    const run = await openRun(o, { command: 'load', suites: ['http'], plannedDurationUs: durationUs });
    const profiling = await profilingFor(raw, profileIntervalUs, o.dataDir, run.runId);
    const progress = run.monitor('http', durationUs);
    progress.log(`▶ ${label} · ${spec.url.origin} · seed ${o.seed}`);
    const { suite, measurement } = await withInterrupt(progress, async (signal) => {
      try {
        return await runSuite({
          suite: 'http',
          backend: spec.url.origin,
          label,
          executor,
          clock,
          warmupUs,
          durationUs,
          intervalUs: o.intervalUs,
          seed: o.seed,
          signal,
          progress,
          judge: (m) => {
            const stats = target.currentStats;
            const checks = accountingChecks(m.operations, m.issued, stats, mode.kind === 'open');
            if (slo) checks.push(sloCheck(slo, m.operations, mode.kind === 'open' ? averageRate(mode.schedule, durationUs) : undefined));
            return { checks, metrics: httpMetrics(stats, open?.lastOutcome, target.peakConnections) };
          },
        });
      } finally {
        await target.close();
      }
    });
    const config: Record<string, unknown> = {
      command: 'load',
      url: spec.url.href,
      method: spec.method,
      ...(Object.keys(spec.headers).length > 0 ? { headers: Object.keys(spec.headers) } : {}),
      ...(spec.body ? { bodyBytes: spec.body.length } : {}),
      timeoutUs: spec.timeoutUs,
      ...(mode.kind === 'open'
        ? { model: 'open', ...mode.describe, maxInFlight: limits.maxInFlight, maxLagUs: limits.maxLagUs }
        : { model: 'closed', concurrency: mode.concurrency, thinkTimeUs: mode.thinkTimeUs }),
      ...(slo ? { slo: slo.text } : {}),
      ...commonConfig(o),
      durationUs,
      warmupUs,
    };
    const result = buildRunResult({ id: run.runId, startedAt: run.startedAt, finishedAt: new Date(), partial: measurement.aborted, config, suites: [suite], tags: o.tags });
    // Written before the enrichers run: the cpu-hotspot finding reads them.
    await profiling?.finish(result);
    process.exitCode = await finishRun(result, o, {}, run);
  });
}

function resolveMode(cmd: Command, raw: Record<string, unknown>): LoadMode {
  if (raw.connections !== undefined) {
    if (raw.concurrency !== undefined && raw.concurrency !== raw.connections) throw new UsageError('--connections: same as --concurrency; give one of them');
    raw.concurrency = raw.connections;
  }
  const hasRate = raw.rate !== undefined;
  const hasRamp = raw.ramp !== undefined;
  const hasConcurrency = raw.concurrency !== undefined;
  if (hasConcurrency && (hasRate || hasRamp)) {
    throw new UsageError(`--concurrency: choose open loop (--rate/--ramp) or closed loop (--concurrency), not both`);
  }
  if (!hasConcurrency && !hasRate && !hasRamp) {
    throw new UsageError('load: give --rate N or --ramp STAGES (open loop, arrivals per second) or --concurrency N (closed loop)');
  }
  if (hasConcurrency) {
    const concurrency = parseIntFlag('--concurrency', String(raw.concurrency), 1, 10_000);
    const thinkTimeUs = raw.think !== undefined ? parseDurationUs('--think', String(raw.think)) : 0;
    for (const flag of ['maxInFlight', 'maxLag'] as const) {
      if (cmd.getOptionValueSource(flag) === 'cli') throw new UsageError(`--${flag === 'maxLag' ? 'max-lag' : 'max-in-flight'}: only for open loop (--rate/--ramp); closed loop holds --concurrency in flight`);
    }
    return { kind: 'closed', concurrency, thinkTimeUs };
  }
  if (raw.think !== undefined) throw new UsageError('--think: only for closed loop (--concurrency); open-loop arrivals follow --rate');
  const rate = hasRate ? parsePositiveNumber('--rate', String(raw.rate)) : undefined;
  if (hasRamp) {
    if (cmd.getOptionValueSource('duration') === 'cli') {
      throw new UsageError('--duration: not used with --ramp; the stages set the duration (add a stage to hold a rate longer)');
    }
    const stages = parseRamp('--ramp', String(raw.ramp));
    let schedule: ArrivalSchedule;
    try {
      schedule = rampSchedule(stages, rate ?? 0);
    } catch (err) {
      if (err instanceof UsageError) throw new UsageError(`--ramp: ${err.message.replace(/^ramp: /, '')}`);
      throw err;
    }
    return { kind: 'open', schedule, warmupRate: rate ?? 0, describe: { ramp: String(raw.ramp), startRate: rate ?? 0 } };
  }
  return { kind: 'open', schedule: constantRate(rate as number), warmupRate: rate as number, describe: { rate } };
}

function averageRate(schedule: ArrivalSchedule, durationUs: number): number {
  if (schedule.durationUs === Infinity) return schedule.rateAt(0);
  return countArrivals(schedule, durationUs) / (durationUs / 1e6);
}

/**
 * Invariants of the measurement itself: every arrival the generator issued is either a recorded
 * operation or a counted drop, and every request the target finished is a recorded operation.
 */
function accountingChecks(operations: SuiteResult['operations'], issued: number, stats: HttpTargetStats, open: boolean): CheckResult[] {
  const count = operations.reduce((a, op) => a + op.count, 0);
  const dropped = operations.reduce((a, op) => a + op.dropped, 0);
  const responses = Object.values(stats.statusClasses).reduce((a, n) => a + n, 0);
  const checks: CheckResult[] = [
    {
      name: 'every arrival accounted for',
      passed: issued === count + dropped,
      detail: `${issued} issued = ${count} completed + ${dropped} dropped${open ? '' : ' (closed loop drops nothing)'}${issued === count + dropped ? '' : ' — MISMATCH'}`,
    },
    {
      name: 'every request recorded',
      passed: stats.completed === count,
      detail: `${stats.completed} requests ended at the target, ${count} recorded`,
    },
  ];
  if (count > 0) {
    const reasons = operations.flatMap((op) => Object.entries(op.errorReasons ?? {}).map(([r, n]) => `${r} ×${n}`));
    checks.push({
      name: 'target answered',
      passed: responses > 0,
      detail: responses > 0 ? `${responses} responses` : `no response at all; every request failed (${reasons.join(', ')})`,
    });
  }
  return checks;
}

function sloCheck(slo: Slo, operations: SuiteResult['operations'], intendedRate: number | undefined): CheckResult {
  const v = evaluateSloOnOperations(slo, operations, intendedRate);
  return { name: `slo ${slo.text}`, passed: v.passed, detail: v.passed ? 'met' : `broken: ${v.violations.join('; ')}` };
}

function httpMetrics(stats: HttpTargetStats, open: OpenLoopOutcome | undefined, peakConnections: number): Record<string, number> {
  const responses = Object.values(stats.statusClasses).reduce((a, n) => a + n, 0);
  const metrics: Record<string, number> = {};
  for (const [cls, n] of Object.entries(stats.statusClasses)) metrics[`status${cls}`] = n;
  if (stats.failedWithoutResponse > 0) metrics.noResponse = stats.failedWithoutResponse;
  if (responses > 0) metrics.bytesPerResponse = Math.round(stats.bytesReceived / responses);
  if (open) metrics.peakInFlight = open.peakInFlight;
  if (peakConnections > 0) metrics.peakConnections = peakConnections;
  return metrics;
}
