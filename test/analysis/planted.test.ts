/**
 * Planted bottlenecks, measured for real (in-process, small and fast, nothing timing-asserted):
 * each test builds a workload with one known cause, measures it with the Recorder, and checks that
 * the top finding names that cause with its share.
 */
import { describe, expect, it } from 'vitest';
import { findBottlenecks } from '../../src/analysis/bottlenecks.js';
import { Recorder } from '../../src/measure/recorder.js';
import { HostSampler } from '../../src/monitor/host.js';
import { MemoryMemoryStore } from '../../src/targets/memory/memory-store.js';
import type { Breakdown, RunResult, SuiteResult } from '../../src/core/result.js';
import { fakeHost } from '../helpers/fake-host.js';
import { runResult, samples } from '../report/fixtures.js';

const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);

function suiteFrom(name: string, backend: string, rec: Recorder, startUs: number, extra: Partial<SuiteResult> = {}): SuiteResult {
  const { operations, intervals } = rec.finish(Math.max(1, nowUs() - startUs));
  return { name, backend, operations, intervals, checks: [], resources: { sampleIntervalMs: 1000, samples: [] }, ...extra };
}

function run(suites: SuiteResult[], config: Record<string, unknown> = {}): RunResult {
  const r = runResult('20260301-120000-cccccc', '2026-03-01T12:00:00.000Z', suites);
  r.config = { ...r.config, command: 'run', agents: 4, ...config };
  return r;
}

describe('planted bottlenecks', () => {
  it('a search-dominated mix: the top finding names search and its share of the time', () => {
    const store = new MemoryMemoryStore(() => 0);
    for (let i = 0; i < 400; i++) store.store('notes', `topic-${i}`, `value ${i} ${'x'.repeat(i % 50)}`);
    const start = nowUs();
    const rec = new Recorder({ startUs: start, intervalUs: 1_000_000, seed: 1, reservoirSize: 200 });
    for (let i = 0; i < 2000; i++) {
      const t0 = nowUs();
      // 90 % searches (a scan of every entry), 10 % keyed writes and reads
      const kind = i % 10 === 0 ? 'store' : i % 10 === 5 ? 'retrieve' : 'search';
      if (kind === 'search') store.search('notes/topic-*', 'value 1');
      else if (kind === 'store') store.store('notes', `topic-${i % 400}`, 'new');
      else store.retrieve('notes', `topic-${i % 400}`);
      const t1 = nowUs();
      rec.record(kind, Math.max(1, t1 - t0), t1 - start);
    }
    const f = findBottlenecks(run([suiteFrom('memory', 'memory', rec, start)]));
    const names = JSON.stringify(f.map((x) => [x.kind, x.severity, x.evidence]));
    // The top finding is about search: where the time goes (or, on a loaded machine, the
    // preemption tail of the same operation, which ranks as a warning).
    expect(f[0]!.operations, names).toContain('search');
    const top = f.find((x) => x.impact !== undefined)!;
    expect(top.kind, names).toBe('dominant-operation');
    expect(top.operations).toEqual(['search']);
    expect(top.impact?.of).toBe('operation-time');
    expect(top.impact!.share).toBeGreaterThan(0.65);
    expect(top.figures?.find((x) => x.name === 'timeShare')?.value).toBe(top.impact!.share);
    expect(f.some((x) => x.severity === 'critical')).toBe(false);
  });

  it('a claim that holds a lock: lock wait is the top cause, naming claim, with the knob and the command', async () => {
    // A test backend: claim takes one lock and holds it (a timer) before releasing; list takes none.
    let tail: Promise<void> = Promise.resolve();
    const withLock = async <T>(fn: () => Promise<T>): Promise<{ value: T; waitUs: number }> => {
      const asked = nowUs();
      let release!: () => void;
      const mine = new Promise<void>((r) => (release = r));
      const before = tail;
      tail = tail.then(() => mine);
      await before;
      const waitUs = nowUs() - asked;
      try {
        return { value: await fn(), waitUs };
      } finally {
        release();
      }
    };
    const hold = (): Promise<void> => new Promise((r) => setTimeout(r, 2));
    const start = nowUs();
    const rec = new Recorder({ startUs: start, intervalUs: 1_000_000, seed: 1, reservoirSize: 200 });
    const claim: Required<Pick<Breakdown, 'lockWaitUs' | 'totalUs' | 'lockWaits'>> = { lockWaitUs: 0, totalUs: 0, lockWaits: 0 };
    const agent = async (): Promise<void> => {
      for (let i = 0; i < 15; i++) {
        const t0 = nowUs();
        const { waitUs } = await withLock(hold);
        const t1 = nowUs();
        claim.lockWaitUs += waitUs;
        claim.totalUs += t1 - t0;
        if (waitUs > 0) claim.lockWaits++;
        rec.record('claim', Math.max(1, t1 - t0), t1 - start);
        const l0 = nowUs();
        await Promise.resolve();
        const l1 = nowUs();
        rec.record('list', Math.max(1, l1 - l0), l1 - start);
      }
    };
    await Promise.all([agent(), agent(), agent(), agent()]);
    const suite = suiteFrom('tasks', 'sqlite', rec, start);
    suite.operations.find((o) => o.name === 'claim')!.breakdown = { ...claim, serviceUs: claim.totalUs - claim.lockWaitUs };
    const f = findBottlenecks(run([suite], { backend: 'sqlite' }));
    const top = f[0]!;
    expect(top.kind).toBe('lock-wait');
    expect(top.operations).toEqual(['claim']);
    // four agents queue on one lock: about three quarters of claim's time is waiting
    expect(top.impact!.share).toBeGreaterThan(0.5);
    expect(top.severity).toBe('critical');
    expect(top.knob).toMatch(/sqlite\?busyWait=spin/);
    expect(top.command).toBe("swarmperf run tasks --backend 'sqlite?busyWait=spin' --agents 4");
  });

  it('a busy competitor on the host (injected host samples): host saturation, something else competes', () => {
    let t = 0;
    const sampler = new HostSampler(fakeHost([0, 100, 100, 100, 100, 100], 9), () => (t += 1000));
    for (let i = 0; i < 5; i++) sampler.sampleNow();
    const start = nowUs();
    const rec = new Recorder({ startUs: start, intervalUs: 1_000_000, seed: 1, reservoirSize: 100 });
    for (let i = 0; i < 200; i++) rec.record('claim', 100 + (i % 7), i * 100);
    // swarmperf's own processes: 24 % of the 2 cores together
    const suite = suiteFrom('tasks', 'memory', rec, start, { resources: { sampleIntervalMs: 1000, samples: samples('main', 1, 5, () => ({ cpuUserPct: 40, cpuSystemPct: 8 })), host: sampler.stop() } });
    const f = findBottlenecks(run([suite]));
    const top = f[0]!;
    expect(top.kind).toBe('host-saturation');
    expect(top.severity).toBe('critical');
    expect(top.figures?.find((x) => x.name === 'hostBusyPct')?.value).toBe(100);
    expect(top.figures?.find((x) => x.name === 'ownCpuPct')?.value).toBe(24);
    expect(top.figures?.find((x) => x.name === 'runnable')?.value).toBe(9);
    expect(top.evidence).toContain('something else competes');
    expect(top.knob).toBe('a quiet machine');
  });

  it('a healthy in-process memory-backend run has no critical finding, and a 15 µs p99 is no tail at all', () => {
    const store = new MemoryMemoryStore(() => 0);
    const start = nowUs();
    const rec = new Recorder({ startUs: start, intervalUs: 500_000, seed: 1, reservoirSize: 200 });
    for (let i = 0; i < 3000; i++) {
      const t0 = nowUs();
      if (i % 2 === 0) store.store('ns', `k${i % 100}`, 'v');
      else store.retrieve('ns', `k${i % 100}`);
      const t1 = nowUs();
      rec.record(i % 2 === 0 ? 'store' : 'retrieve', Math.max(1, t1 - t0), t1 - start);
    }
    const f = findBottlenecks(run([suiteFrom('memory', 'memory', rec, start)]));
    expect(f.filter((x) => x.severity === 'critical')).toEqual([]);
    // the memory backend's famous "p99 15µs is 15× p50 1µs": under the absolute floor, no finding
    const tiny = suiteFrom('memory', 'memory', new Recorder({ startUs: 0, intervalUs: 1_000_000, seed: 1 }), 0);
    const r2 = new Recorder({ startUs: 0, intervalUs: 1_000_000, seed: 1, reservoirSize: 100 });
    for (let i = 0; i < 1000; i++) r2.record('get', i % 100 === 0 ? 15 : 1, i);
    tiny.operations = r2.finish(1000).operations;
    expect(findBottlenecks(run([tiny])).filter((x) => x.kind === 'latency-tail')).toEqual([]);
  });

  it('no process findings for a virtual-time simulator run; protocol findings instead', () => {
    const r2 = new Recorder({ startUs: 0, intervalUs: 1_000_000, seed: 1, reservoirSize: 100 });
    for (let i = 0; i < 500; i++) r2.record('election', i % 50 === 0 ? 900_000 : 300_000, i * 1000);
    const { operations, intervals } = r2.finish(500_000);
    const main = samples('main', 1, 10, () => ({ cpuUserPct: 99, cpuSystemPct: 0, eventLoopDelayUs: { p50: 300_000, p99: 400_000, max: 500_000 } }));
    const sim: SuiteResult = {
      name: 'consensus.raft',
      backend: 'sim:5-nodes',
      operations,
      intervals,
      checks: [],
      resources: { sampleIntervalMs: 1000, samples: main, summary: { cpuPctMean: 99, cpuPctMax: 99, rssMaxBytes: 1, memoryGrowthBytesPerSec: 0, eventLoopDelayP99Us: 400_000, gcTimeShare: 0.3 } },
      metrics: { trials: 20, electionsWithSplitVote: 9, simulatedSeconds: 30 },
    };
    const f = findBottlenecks(run([sim], { command: 'bench', mode: 'sim' }));
    expect(f.map((x) => x.kind)).toEqual(['split-votes']);
    expect(f[0]!.command).toMatch(/--election-timeout/);
  });
});
