import { describe, expect, it } from 'vitest';
import { filterFindings, findBottlenecks, FINDING_KINDS } from '../../src/analysis/bottlenecks.js';
import { bottleneckEnricher, withBottleneckFindings } from '../../src/analysis/enrich.js';
import { BOTTLENECK_THRESHOLDS as T } from '../../src/analysis/thresholds.js';
import { summarizeResources } from '../../src/monitor/summary.js';
import type { Finding, RunResult } from '../../src/core/result.js';
import { HOSTILE, healthyRun, runResult, samples, suite, troubledRun } from '../report/fixtures.js';

function byKind(findings: Finding[], kind: string, component?: string): Finding[] {
  return findings.filter((f) => f.kind === kind && (component === undefined || f.component === component));
}

function one(findings: Finding[], kind: string, component?: string): Finding {
  const hits = byKind(findings, kind, component);
  expect(hits, `${kind} ${component ?? ''} in ${JSON.stringify(findings.map((f) => [f.kind, f.component]))}`).toHaveLength(1);
  return hits[0] as Finding;
}

describe('findBottlenecks', () => {
  it('finds nothing in a healthy run', () => {
    expect(findBottlenecks(healthyRun())).toEqual([]);
  });

  it('finds every kind of bottleneck the troubled run has, with the figures as evidence', () => {
    const f = findBottlenecks(troubledRun());
    expect(one(f, 'cpu-saturation', 'tasks/main').evidence).toMatch(/92 % of one core/);
    expect(one(f, 'cpu-saturation', 'tasks').evidence).toMatch(/81 % of the host's 2 cores/);
    expect(byKind(f, 'cpu-saturation', 'tasks/agent-1')).toHaveLength(0); // 70 % is under the threshold
    expect(one(f, 'memory-growth', 'tasks/main').evidence).toMatch(/kept growing 2\.86MB\/s in the second half of the run \(least-squares over 5 samples/);
    expect(one(f, 'event-loop-delay', 'tasks/main').evidence).toMatch(/p99 129ms/);
    expect(one(f, 'gc-pressure', 'tasks/main').evidence).toMatch(/19\.0 % of the wall time \(minor 1500 ms, major 400 ms\)/);
    expect(one(f, 'network-saturation', 'tasks').evidence).toMatch(/143MB\/s/);
    const tail = one(f, 'latency-tail', 'tasks/claim');
    expect(tail.evidence).toMatch(/p99 40ms is \d+× p50/);
    expect(tail.severity).toBe('critical');
    expect(one(f, 'throughput-degradation', 'tasks/update').evidence).toMatch(/last 1 of 5 intervals/);
    expect(one(f, 'open-loop-saturation', 'bus/publish').evidence).toMatch(/queued 29ms/);
    const lock = one(f, 'lock-contention', 'tasks/claim');
    expect(lock.evidence).toBe('150 SQLITE_BUSY errors, 90 retries (busy or claim conflicts) over 3000 operations (8.00 %)');
    expect(lock.severity).toBe('warning');
    // the same evidence as typed numbers: renderers make the words
    expect(lock.figures).toEqual([
      { name: 'contentionPerOperation', value: 0.08, unit: 'ratio' },
      { name: 'lockErrors', value: 150, unit: 'count' },
      { name: 'retries', value: 90, unit: 'count' },
      { name: 'operations', value: 3000, unit: 'count' },
    ]);
    expect(lock.knob).toMatch(/sqlite\?busyWait=spin/);
    expect(one(f, 'cpu-saturation', 'tasks/main').figures?.find((x) => x.name === 'cpuPctMean')).toEqual({ name: 'cpuPctMean', value: 92, unit: 'pct' });
    expect(one(f, 'gc-pressure', 'tasks/main').impact).toEqual({ share: 0.19, of: 'wall-time' });
    expect(one(f, 'open-loop-saturation', 'bus/publish').impact!.share).toBeGreaterThan(0.9);
    const figure = (x: Finding, name: string): number | undefined => x.figures?.find((g) => g.name === name)?.value;
    expect(figure(one(f, 'cpu-saturation', 'tasks'), 'processesCpuPctOfHost')).toBe(81);
    expect(figure(one(f, 'memory-growth', 'tasks/main'), 'growthBytesPerSec')).toBe(3_000_000);
    expect(figure(one(f, 'event-loop-delay', 'tasks/main'), 'eventLoopDelayP99Us')).toBe(129_000);
    expect(figure(one(f, 'network-saturation', 'tasks'), 'networkBytesPerSec')).toBe(150_000_000);
    expect(figure(one(f, 'dropped-operations', 'bus/publish'), 'dropped')).toBe(150);
    expect(figure(one(f, 'error-rate', 'tasks/create'), 'errorShare')).toBe(0.1);
    expect(figure(one(f, 'latency-tail', 'tasks/claim'), 'claim.p99Us')).toBe(40_031);
    expect(one(f, 'lock-contention', 'tasks').evidence).toMatch(/claimConflicts = 12/);
    const dropped = one(f, 'dropped-operations', 'bus/publish');
    expect(dropped.evidence).toMatch(/^150 operations .* \(6\.98 % of 2150 planned\)$/);
    expect(dropped.severity).toBe('critical');
    // Busy errors are contention, not an error-rate finding; the constraint failures are.
    expect(byKind(f, 'error-rate', 'tasks/claim')).toHaveLength(0);
    expect(one(f, 'error-rate', 'tasks/create').evidence).toMatch(/300 of 3000 operations failed \(10\.0 %\): constraint failed ×300/);
    // Hostile names are carried as data, untouched (renderers escape them).
    expect(one(f, 'lock-contention', `${HOSTILE.suite}/${HOSTILE.operation}`).evidence).toContain(HOSTILE.reason);
    for (const x of f) {
      expect(x.recommendation.length).toBeGreaterThan(20);
      expect(FINDING_KINDS as readonly string[]).toContain(x.kind);
    }
  });

  it('orders findings most severe first, deterministically, and does not touch the run', () => {
    const run = troubledRun();
    const before = JSON.stringify(run);
    const a = findBottlenecks(run);
    expect(JSON.stringify(run)).toBe(before);
    expect(findBottlenecks(run)).toEqual(a);
    const rank = { critical: 0, warning: 1, info: 2 };
    for (let i = 1; i < a.length; i++) expect(rank[a[i]!.severity]).toBeGreaterThanOrEqual(rank[a[i - 1]!.severity]);
  });

  it('applies thresholds strictly above their level', () => {
    const at = (cpu: number): RunResult =>
      runResult('r', '2026-01-01T00:00:00.000Z', [suite('s', 'memory', [{ name: 'op', meanUs: 100, count: 10 }], samples('main', 1, 5, () => ({ cpuUserPct: cpu, cpuSystemPct: 0 })))], {
        env: { ...healthyRun().env, cores: 64 },
      });
    expect(byKind(findBottlenecks(at(T.processCpuPct.warning)), 'cpu-saturation')).toHaveLength(0);
    expect(one(findBottlenecks(at(T.processCpuPct.warning + 1)), 'cpu-saturation').severity).toBe('warning');
    expect(one(findBottlenecks(at(T.processCpuPct.critical + 1)), 'cpu-saturation').severity).toBe('critical');
  });

  it('needs enough samples and span in the later half of the run before calling memory growth', () => {
    const grow = (n: number): RunResult =>
      runResult('r', '2026-01-01T00:00:00.000Z', [suite('s', 'memory', [{ name: 'op', meanUs: 100, count: 10 }], samples('main', 1, n, (i) => ({ rssBytes: 50e6 + i * 5e6 })))]);
    // Only the later half counts: start-up growth is not a leak.
    expect(byKind(findBottlenecks(grow(2 * T.memoryGrowthMinSamples - 2)), 'memory-growth')).toHaveLength(0);
    expect(one(findBottlenecks(grow(2 * T.memoryGrowthMinSamples)), 'memory-growth').severity).toBe('warning');
    const startupOnly = runResult('r', '2026-01-01T00:00:00.000Z', [
      suite('s', 'memory', [{ name: 'op', meanUs: 100, count: 10 }], samples('main', 1, 12, (i) => ({ rssBytes: 50e6 + Math.min(i, 5) * 20e6 }))),
    ]);
    expect(byKind(findBottlenecks(startupOnly), 'memory-growth')).toHaveLength(0);
    // 1.5 MB/s over 5 s is above the rate but only 7.5 MB in all: the allocator settling, not a leak.
    const small = runResult('r', '2026-01-01T00:00:00.000Z', [
      suite('s', 'memory', [{ name: 'op', meanUs: 100, count: 10 }], samples('main', 1, 12, (i) => ({ rssBytes: 50 * 2 ** 20 + i * 1.5 * 2 ** 20 }))),
    ]);
    expect(byKind(findBottlenecks(small), 'memory-growth')).toHaveLength(0);
  });

  it('does not judge a latency tail on too few operations', () => {
    const run = (count: number): RunResult =>
      runResult('r', '2026-01-01T00:00:00.000Z', [suite('s', 'memory', [{ name: 'op', meanUs: 100, count, slowEvery: 20, slowUs: 50_000 }], [])]);
    expect(byKind(findBottlenecks(run(T.tailMinCount - 1)), 'latency-tail')).toHaveLength(0);
    expect(byKind(findBottlenecks(run(T.tailMinCount * 2)), 'latency-tail')).toHaveLength(1);
  });

  it('reads throughput degradation from a stress search when there is one', () => {
    const run = healthyRun();
    const op = run.suites[0]!.operations[0]!;
    op.stress = { steps: [], maxSustainableRate: 800, knee: 900, sustainableThroughput: 700, optimalThroughput: 1000 };
    const f = one(findBottlenecks(run), 'throughput-degradation', 'tasks/create');
    expect(f.evidence).toBe('sustainable throughput 700/s (at 800/s offered) is 0.7× the best reached 1000/s; latency bends at 900/s');
    op.stress.sustainableThroughput = 900;
    expect(byKind(findBottlenecks(run), 'throughput-degradation')).toHaveLength(0);
  });

  it('does not call an open-loop run degraded when a catch-up window beat the offered rate', () => {
    const run = troubledRun();
    const update = run.suites.flatMap((s) => s.operations).find((o) => o.name === 'update')!;
    expect(byKind(findBottlenecks(run), 'throughput-degradation', 'tasks/update')).toHaveLength(1);
    // The same windows from an open-loop run (it has service times): a fixed offered rate.
    update.serviceTimeUs = { ...update.latencyUs };
    expect(byKind(findBottlenecks(run), 'throughput-degradation', 'tasks/update')).toHaveLength(0);
  });

  it('uses the summary for event loop, GC and network, and leaves out what was not sampled', () => {
    const r = healthyRun();
    const s = r.suites[0]!;
    s.resources.samples = samples('main', 1, 4, () => ({}));
    s.resources.summary = summarizeResources(s.resources.samples);
    expect(s.resources.summary.eventLoopDelayP99Us).toBeUndefined();
    expect(findBottlenecks(r)).toEqual([]);
  });

  it('open-loop queueing no longer than the generator\'s own event-loop stall is a warning pointing at the stall', () => {
    const run = troubledRun();
    const bus = run.suites.find((x) => x.name === 'bus')!;
    expect(one(findBottlenecks(run), 'open-loop-saturation', 'bus/publish').severity).toBe('critical');
    bus.resources.summary = { ...bus.resources.summary!, eventLoopDelayP99Us: 40_000, eventLoopDelayMaxUs: 45_000 };
    const stalled = one(findBottlenecks(run), 'open-loop-saturation', 'bus/publish');
    expect(stalled.severity).toBe('warning');
    expect(stalled.evidence).toMatch(/own event loop stalled up to 45ms/);
    // …unless the agents measured (the stall is then not the generator's)
    bus.measuredBy = ['agent-0'];
    expect(one(findBottlenecks(run), 'open-loop-saturation', 'bus/publish').severity).toBe('critical');
  });

  it('a tail explained only by process-wide pressure (GC, event loop, CPU) is at most a warning', () => {
    const run = troubledRun();
    const claim = run.suites[0]!.operations.find((o) => o.name === 'claim')!;
    delete claim.errorReasons;
    delete claim.retries;
    claim.errors = 0;
    const tail = one(findBottlenecks(run), 'latency-tail', 'tasks/claim');
    expect(tail.severity).toBe('warning');
    expect(tail.evidence).toMatch(/explained by cpu-saturation, event-loop-delay, gc-pressure$/);
  });

  it('marks a partial run', () => {
    expect(one(findBottlenecks({ ...healthyRun(), partial: true }), 'partial-run').severity).toBe('info');
  });

  it('filters by component: a suite, or suite/operation', () => {
    const f = findBottlenecks(troubledRun());
    expect(filterFindings(f, 'bus').map((x) => x.kind).sort()).toEqual(['dropped-operations', 'open-loop-saturation']);
    // claim also takes most of the suite's operation time (its 40 ms tail): a cause with an impact share.
    expect(filterFindings(f, 'tasks/claim').map((x) => x.kind).sort()).toEqual(['dominant-operation', 'latency-tail', 'lock-contention']);
    expect(filterFindings(f, 'task')).toEqual([]);
  });
});

describe('bottleneck enricher', () => {
  it('sets findings, keeps findings of other kinds, and is idempotent', async () => {
    const run = troubledRun();
    const foreign: Finding = { kind: 'invariant', severity: 'critical', evidence: 'x', recommendation: 'y' };
    run.findings = [foreign, { kind: 'latency-tail', severity: 'info', evidence: 'stale', recommendation: 'stale' }];
    await bottleneckEnricher(run, { dataDir: '/nonexistent', options: {}, warn: () => {} });
    expect(run.findings).toContainEqual(foreign);
    expect(run.findings!.some((f) => f.evidence === 'stale')).toBe(false);
    const again = withBottleneckFindings(run);
    expect(again).toEqual(run.findings);
  });
});
