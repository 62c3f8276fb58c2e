/**
 * Agents as real processes (forked from dist/, which `npm test` builds first) against SQLite:
 * the suites pass, the agents are separate PIDs, Ctrl-C returns what was measured, a killed leader
 * is replaced, and the CLI runs every suite with --quick and rejects bad suite flags.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunResult } from '../../src/core/result.js';
import { runAgents } from '../../src/suites/agents/harness.js';
import { electionParams, runElectionSuite, runTasksSuite } from '../../src/suites/coordination/index.js';
import { MemoryBackend } from '../../src/targets/memory/index.js';
import { silentProgress } from '../../src/report/progress.js';
import { runCli } from '../helpers/cli.js';
import { check, failedChecks, flags, suiteOptions, tempDir } from './helpers.js';

describe('agents as processes (sqlite)', () => {
  it('tasks: separate agent processes share one queue, histograms merge, invariants hold', async () => {
    // Ends on work done (3 × 1000 operations), not on a wall-clock window a busy machine may
    // starve; the 60 s duration is only a cap.
    const r = await runTasksSuite(suiteOptions({ backend: 'sqlite', agents: 3, durationUs: 60_000_000, iterations: 3_000 }));
    expect(failedChecks(r)).toEqual([]);
    const agents = (r.workers ?? []) as Array<{ pid: number; mode: string; operations: number }>;
    expect(agents).toHaveLength(3);
    expect(new Set(agents.map((a) => a.pid)).size).toBe(3);
    expect(agents.every((a) => a.pid !== process.pid && a.mode === 'process')).toBe(true);
    const claim = r.operations.find((op) => op.name === 'claim')!;
    expect(claim.count).toBeGreaterThan(0);
    // The merged count is the sum of what each agent measured.
    expect(r.operations.reduce((s, op) => s + op.count, 0)).toBe(agents.reduce((s, a) => s + a.operations, 0));
    // Agents are sampled while they live: a run over before the first sampling tick (3,000
    // operations can take well under a second) has only the main process's final sample.
    const measuredMs = Math.max(...r.intervals.map((i) => i.startUs + i.durationUs)) / 1000;
    if (measuredMs >= 2 * r.resources.sampleIntervalMs) expect(r.resources.samples.some((s) => s.label.startsWith('agent-'))).toBe(true);
  }, 120_000);

  it('Ctrl-C (abort) stops the agents and returns what they measured; end-state checks are skipped, not failed', async () => {
    const controller = new AbortController();
    // Interrupt once the agents have measured something (startup time varies on a busy machine).
    const progress = { ...silentProgress, update: (u: { totalCount: number }) => void (u.totalCount > 0 && controller.abort()) };
    const r = await runTasksSuite(suiteOptions({ backend: 'sqlite', agents: 2, durationUs: 30_000_000, warmupUs: 0, signal: controller.signal, progress }));
    // The measured window ended at the interrupt, not at its planned 30 s (judged on what the
    // agents measured, not on how fast a busy machine ran this test).
    expect(Math.max(...r.intervals.map((i) => i.startUs + i.durationUs))).toBeLessThan(30_000_000);
    expect(r.operations.reduce((s, op) => s + op.count, 0)).toBeGreaterThan(0);
    expect(check(r, 'no claimable task left unclaimed').detail).toMatch(/not checked/);
    expect(check(r, 'no claimable task left unclaimed').status).toBe('not-checked');
    expect(check(r, 'no task claimed by two workers').passed).toBe(true);
    expect(check(r, 'every agent reported').passed).toBe(true);
  });

  it('Ctrl-C before the agents are ready ends at once with an empty result, not a hang', async () => {
    const controller = new AbortController();
    controller.abort();
    const r = await runTasksSuite(suiteOptions({ backend: 'sqlite', agents: 2, durationUs: 30_000_000, signal: controller.signal }));
    // Nothing was measured: the window never opened (the run did not wait out its 30 s).
    expect(r.operations.reduce((s, op) => s + op.count, 0)).toBe(0);
    expect(r.intervals.every((i) => i.count === 0 && i.startUs + i.durationUs < 30_000_000)).toBe(true);
    expect(check(r, 'every agent reported').passed).toBe(true);
  });

  it('election: a killed leader process is replaced and the others take over', async () => {
    const r = await runElectionSuite(suiteOptions({ backend: 'sqlite', agents: 3, durationUs: 2_500_000, warmupUs: 0 }), undefined, flags(electionParams, { leaseTtl: '150ms', failover: 'kill', tenure: '1' }));
    expect(failedChecks(r)).toEqual([]);
    expect(r.metrics?.leadersKilled).toBeGreaterThanOrEqual(1);
    expect(check(r, 'every agent reported').detail).toMatch(/killed on purpose/);
    expect(r.metrics?.cycles).toBeGreaterThanOrEqual(1);
  });

  it('an agent that cannot start fails with a clear message', async () => {
    await expect(
      runAgents({ role: 'no-such-role', agents: 1, backend: 'memory', dataDir: tempDir(), params: {}, seed: 1, warmupUs: 0, durationUs: 100_000, intervalUs: 100_000, signal: new AbortController().signal, progress: silentProgress, label: 't', startTimeoutMs: 20_000 }),
    ).rejects.toThrow(/agents failed to start: .*unknown role "no-such-role"/);
  });

  it('in-process agents are used for the memory backend', async () => {
    const r = await runTasksSuite(suiteOptions({ agents: 2 }), new MemoryBackend());
    expect(((r.workers ?? []) as Array<{ mode: string }>).every((w) => w.mode === 'in-process')).toBe(true);
  });
});

describe('swarmperf run (CLI)', () => {
  it('runs all five coordination suites with --quick on sqlite, every check passing', () => {
    const dir = tempDir();
    const out = join(dir, 'r.json');
    const r = runCli(['run', '--quick', '--agents', '2', '--duration', '1s', '--warmup', '0s', '--seed', '7', '--json', out, '--data-dir', dir, '--no-history', '--quiet'], { timeoutMs: 110_000 });
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.status).toBe(0);
    const result = parseRunResult(JSON.parse(readFileSync(out, 'utf8')), out);
    expect(result.suites.map((s) => s.name)).toEqual(['registry', 'tasks', 'memory', 'election', 'bus']);
    for (const s of result.suites) {
      expect(s.backend).toMatch(/^sqlite:/);
      expect(s.checks.length).toBeGreaterThanOrEqual(3);
      expect(s.checks.every((c) => c.passed)).toBe(true);
      expect(s.operations.length).toBeGreaterThan(0);
    }
  }, 120_000);

  it.each([
    [['run', 'election', '--lease-ttl', '100ms', '--renew-interval', '200ms'], /--renew-interval: must be shorter than --lease-ttl/],
    [['run', 'memory', '--keys', 'lots'], /--keys: expected a whole number/],
    [['run', 'tasks', '--mix', 'claim=x'], /--mix: expected name=weight pairs/],
    [['run', 'bus', '--payload-size', '1kb,,2kb'], /--payload-size: expected sizes separated by commas/],
    [['run', 'election', '--failover', 'explode'], /--failover: expected one of stop, kill, mixed/],
    [['run', 'tasks', '--backend', 'mongodb'], /--backend: unknown backend "mongodb"/],
  ])('bad suite flag %j exits 2 with one clear line', (args, message) => {
    const r = runCli([...(args as string[]), '--quiet', '--no-history', '--data-dir', tempDir()]);
    expect(r.stderr).toMatch(message as RegExp);
    expect(r.status).toBe(2);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
