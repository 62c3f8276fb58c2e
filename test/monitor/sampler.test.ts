import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { startResourceSampler } from '../../src/monitor/sampler.js';
import { summarizeResources } from '../../src/monitor/summary.js';
import type { ResourceSample } from '../../src/core/result.js';
import { envFingerprint } from '../../src/results/env.js';
import { resolveDataDir } from '../../src/results/data-dir.js';

describe('resource sampler', () => {
  it('samples this process and child processes, telling a busy child from an idle one', async () => {
    // One child spins its CPU, one sleeps, sampled side by side: on a loaded machine the busy child
    // gets less than a core, so it is judged against the idle one rather than against a fixed share.
    const busy = spawn(process.execPath, ['-e', 'const end = Date.now() + 3000; while (Date.now() < end) {}'], { stdio: 'ignore' });
    const idle = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 3000)'], { stdio: 'ignore' });
    // Node's own start-up costs CPU in both children: sample only after it.
    await new Promise((r) => setTimeout(r, 700));
    const sampler = startResourceSampler({
      intervalMs: 200,
      children: () => [
        { pid: busy.pid!, label: 'busy' },
        { pid: idle.pid!, label: 'idle' },
      ],
    });
    await new Promise((r) => setTimeout(r, 1000));
    const resources = sampler.stop();
    busy.kill();
    idle.kill();
    const main = resources.samples.filter((s) => s.label === 'main');
    const cpu = (label: string): number[] => resources.samples.filter((s) => s.label === label).map((s) => s.cpuUserPct + s.cpuSystemPct);
    expect(main.length).toBeGreaterThanOrEqual(3);
    expect(cpu('busy').length).toBeGreaterThanOrEqual(2);
    expect(cpu('idle').length).toBeGreaterThanOrEqual(2);
    const busyTotal = cpu('busy').reduce((a, b) => a + b, 0);
    const idleTotal = cpu('idle').reduce((a, b) => a + b, 0);
    expect(busyTotal).toBeGreaterThan(5);
    expect(busyTotal).toBeGreaterThan(5 * idleTotal);
    for (const s of main) {
      expect(s.rssBytes).toBeGreaterThan(1_000_000);
      expect(s.heapUsedBytes).toBeGreaterThan(0);
      expect(s.eventLoopDelayUs!.max).toBeGreaterThanOrEqual(s.eventLoopDelayUs!.p50);
    }
    expect(resources.summary!.rssMaxBytes).toBeGreaterThanOrEqual(Math.max(...main.map((s) => s.rssBytes)));
  });

  it('summarises growth as a least-squares slope and GC as a share of time', () => {
    const samples: ResourceSample[] = Array.from({ length: 10 }, (_, i) => ({
      t: (i + 1) * 1000,
      pid: 1,
      label: 'main',
      cpuUserPct: 50,
      cpuSystemPct: 10 * (i % 2),
      rssBytes: 100e6 + i * 2e6,
      gcPauseMs: { minor: 10, major: i === 5 ? 400 : 0 },
    }));
    const s = summarizeResources(samples);
    expect(s.memoryGrowthBytesPerSec).toBeCloseTo(2e6, 0);
    expect(s.gcTimeShare).toBeCloseTo((10 * 10 + 400) / 10_000, 6);
    expect(s.cpuPctMax).toBe(60);
    expect(s.cpuPctMean).toBe(55);
    expect(s.rssMaxBytes).toBe(118e6);
  });
});

describe('environment and data folder', () => {
  it('fingerprints node, OS, CPU and the git checkout', () => {
    const env = envFingerprint();
    expect(env.node).toBe(process.version);
    expect(env.cores).toBeGreaterThan(0);
    expect(env.memoryBytes).toBeGreaterThan(0);
    expect(env.gitSha).toMatch(/^[0-9a-f]{40}$/);
    expect(typeof env.gitDirty).toBe('boolean');
  });

  it('resolves --data-dir, then SWARMPERF_HOME, then ./.swarmperf', () => {
    expect(resolveDataDir('/tmp/x', { SWARMPERF_HOME: '/tmp/y' })).toBe('/tmp/x');
    expect(resolveDataDir(undefined, { SWARMPERF_HOME: '/tmp/y' })).toBe('/tmp/y');
    expect(resolveDataDir(undefined, {})).toBe(`${process.cwd()}/.swarmperf`);
  });
});
