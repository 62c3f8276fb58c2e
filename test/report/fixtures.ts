/**
 * Deterministic RunResults for renderer and analysis tests: real Recorder output (real encoded
 * HdrHistograms, real interval windows) driven by a seeded Rng on virtual time, with fixed dates
 * and environment, so every renderer's output is byte-stable. One suite carries hostile names.
 */
import { Recorder } from '../../src/measure/recorder.js';
import { Rng } from '../../src/measure/rng.js';
import { summarizeResources } from '../../src/monitor/summary.js';
import type { ResourceSample, RunResult, SuiteResult } from '../../src/core/result.js';

export const HOSTILE = {
  suite: '<script>window.__pwned=1</script>',
  operation: '<img src=x onerror="window.__pwned=2">|a,"b"\n# x',
  reason: 'SQLITE_BUSY: database is locked </td>',
  tag: '"><svg onload=alert(1)>',
};

export interface OpSpec {
  name: string;
  /** Latency of a typical operation, µs (exponential around it). */
  meanUs: number;
  count: number;
  /** Every n-th operation takes `slowUs` (a tail). */
  slowEvery?: number;
  slowUs?: number;
  errorEvery?: number;
  errorReason?: string;
  retries?: number;
  dropped?: number;
  /** Open loop: queueing delay added on top of service time, growing with time. */
  queueUs?: number;
  /** Throughput falls over the run: operations thin out towards the end. */
  degrade?: boolean;
}

/** Runs a Recorder over `durationUs` of virtual time with operations spread evenly. */
export function recordSuite(name: string, backend: string, ops: OpSpec[], options: { seed?: number; durationUs?: number; intervalUs?: number } = {}): Pick<SuiteResult, 'operations' | 'intervals'> {
  const durationUs = options.durationUs ?? 10_000_000;
  const rng = new Rng(options.seed ?? 42);
  // A small reservoir keeps the bootstrap intervals (the slow part of finish()) quick in tests.
  const rec = new Recorder({ startUs: 0, intervalUs: options.intervalUs ?? 2_000_000, seed: 7, reservoirSize: 300 });
  for (const op of ops) {
    rec.declare(op.name);
    for (let i = 0; i < op.count; i++) {
      // Spread completions over the window; "degrade" squeezes later operations out.
      const f = op.degrade ? Math.pow(i / op.count, 2) : i / op.count;
      const at = Math.floor(f * (durationUs - 1));
      const service = op.slowEvery && i % op.slowEvery === op.slowEvery - 1 ? (op.slowUs ?? op.meanUs * 50) : Math.max(1, rng.exponential(op.meanUs));
      const latency = op.queueUs !== undefined ? service + op.queueUs * (i / op.count) : service;
      const serviceArg = op.queueUs !== undefined ? service : undefined;
      if (op.errorEvery && i % op.errorEvery === 0) rec.recordError(op.name, op.errorReason ?? 'error', latency, at, serviceArg);
      else rec.record(op.name, latency, at, serviceArg);
    }
    if (op.retries) rec.recordRetry(op.name, op.retries);
    if (op.dropped) rec.recordDropped(op.name, op.dropped);
  }
  const { operations, intervals } = rec.finish(durationUs);
  return { operations, intervals };
}

export function samples(label: string, pid: number, n: number, f: (i: number) => Partial<ResourceSample>): ResourceSample[] {
  return Array.from({ length: n }, (_, i) => ({
    t: (i + 1) * 1000,
    pid,
    label,
    cpuUserPct: 20,
    cpuSystemPct: 5,
    rssBytes: 80_000_000,
    ...f(i),
  }));
}

export function suite(name: string, backend: string, ops: OpSpec[], resources: ResourceSample[], extra: Partial<SuiteResult> = {}): SuiteResult {
  const rec = recordSuite(name, backend, ops);
  return {
    name,
    backend,
    ...rec,
    checks: [{ name: 'no task claimed twice', passed: true, detail: '0 double claims in 4000 claims' }],
    resources: { sampleIntervalMs: 1000, samples: resources, summary: summarizeResources(resources) },
    ...extra,
  };
}

const ENV = {
  node: 'v20.19.0',
  os: 'linux',
  arch: 'x64',
  cpuModel: 'Test CPU @ 2.0GHz',
  cores: 2,
  memoryBytes: 8_000_000_000,
  hostname: 'fixture-host',
  gitSha: '0123456789abcdef0123456789abcdef01234567',
  gitBranch: 'main',
  swarmperfVersion: '0.1.0',
};

export function runResult(id: string, startedAt: string, suites: SuiteResult[], extra: Partial<RunResult> = {}): RunResult {
  const start = Date.parse(startedAt);
  return {
    schemaVersion: 1,
    id,
    startedAt,
    finishedAt: new Date(start + 12_000).toISOString(),
    partial: false,
    env: { ...ENV },
    config: { command: 'run', suites: suites.map((s) => s.name), seed: 42, durationUs: 10_000_000 },
    suites,
    ...extra,
  };
}

/** Recording is the slow part (bootstrap intervals): each fixture is built once, then cloned. */
const cache = new Map<string, RunResult>();
function cached(key: string, build: () => RunResult): RunResult {
  let r = cache.get(key);
  if (!r) {
    r = build();
    cache.set(key, r);
  }
  return structuredClone(r);
}

/** A healthy run: nothing crosses a threshold. */
export function healthyRun(id = '20260101-120000-aaaaaa', startedAt = '2026-01-01T12:00:00.000Z', p50Us = 400): RunResult {
  return cached(`healthy:${id}:${startedAt}:${p50Us}`, () => buildHealthyRun(id, startedAt, p50Us));
}

function buildHealthyRun(id: string, startedAt: string, p50Us: number): RunResult {
  return runResult(id, startedAt, [
    suite('tasks', 'sqlite', [
      { name: 'create', meanUs: p50Us, count: 2000 },
      { name: 'claim', meanUs: p50Us * 1.5, count: 2000 },
    ], samples('main', 100, 10, () => ({ eventLoopDelayUs: { p50: 10_100, p99: 12_000, max: 14_000 }, gcPauseMs: { minor: 5 } }))),
  ]);
}

/** A run with a bottleneck of every kind, and hostile names. */
export function troubledRun(): RunResult {
  return cached('troubled', buildTroubledRun);
}

function buildTroubledRun(): RunResult {
  const main = samples('main', 100, 10, (i) => ({
    cpuUserPct: 85,
    cpuSystemPct: 7,
    rssBytes: 100_000_000 + i * 3_000_000,
    eventLoopDelayUs: { p50: 20_000, p99: 120_000 + i * 1000, max: 250_000 },
    gcPauseMs: { minor: 150, major: 40 },
    netRxBytes: 80_000_000,
    netTxBytes: 70_000_000,
  }));
  const worker = samples('agent-1', 201, 10, () => ({ cpuUserPct: 60, cpuSystemPct: 10 }));
  const tasks = suite(
    'tasks',
    'sqlite',
    [
      { name: 'claim', meanUs: 500, count: 3000, slowEvery: 50, slowUs: 40_000, errorEvery: 20, errorReason: 'SQLITE_BUSY', retries: 90 },
      { name: 'update', meanUs: 300, count: 3000, degrade: true },
      { name: 'create', meanUs: 300, count: 3000, errorEvery: 10, errorReason: 'constraint failed' },
    ],
    [...main, ...worker],
    { metrics: { claimConflicts: 12, messagesPerOp: 1.5 } },
  );
  const bus = suite('bus', 'memory', [{ name: 'publish', meanUs: 200, count: 2000, queueUs: 30_000, dropped: 150 }], samples('main', 100, 3, () => ({})));
  const hostile = suite(HOSTILE.suite, 'memory', [{ name: HOSTILE.operation, meanUs: 100, count: 500, errorEvery: 5, errorReason: HOSTILE.reason }], samples('main', 100, 3, () => ({})));
  return runResult('20260102-120000-bbbbbb', '2026-01-02T12:00:00.000Z', [tasks, bus, hostile], { tags: { branch: 'main', [HOSTILE.tag]: HOSTILE.tag } });
}

/**
 * A history of `n` runs of the tasks suite with a step change in latency half way: two recorded
 * runs (before/after), each copied with its own id and date and a small deterministic jitter.
 */
export function historyRuns(n = 16): RunResult[] {
  return Array.from({ length: n }, (_, i) => {
    const base = healthyRun(undefined, undefined, i < n / 2 ? 400 : 700);
    const day = String(i + 1).padStart(2, '0');
    base.id = `202512${day}-120000-${String(i).padStart(6, 'c')}`;
    base.startedAt = `2025-12-${day}T12:00:00.000Z`;
    base.finishedAt = `2025-12-${day}T12:00:12.000Z`;
    const jitter = 1 + 0.03 * Math.sin(i * 1.7);
    for (const op of base.suites[0]!.operations) {
      for (const k of Object.keys(op.latencyUs) as Array<keyof typeof op.latencyUs>) op.latencyUs[k] = Math.round(op.latencyUs[k] * jitter);
      op.throughput = Math.round(op.throughput / jitter);
    }
    return base;
  });
}
