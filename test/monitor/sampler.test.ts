import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { startResourceSampler } from '../../src/monitor/sampler.js';
import { summarizeResources } from '../../src/monitor/summary.js';
import type { ResourceSample } from '../../src/results/schema.js';
import { envFingerprint } from '../../src/results/env.js';
import { resolveDataDir } from '../../src/results/data-dir.js';

describe('resource sampler', () => {
  it('samples this process and a busy child process', async () => {
    // A child that spins its CPU for ~1.5 s: its CPU share must show up in its samples.
    const child = spawn(process.execPath, ['-e', 'const end = Date.now() + 1500; while (Date.now() < end) {}'], { stdio: 'ignore' });
    const sampler = startResourceSampler({ intervalMs: 200, children: () => [{ pid: child.pid!, label: 'worker-1' }] });
    const garbage: number[][] = [];
    for (let i = 0; i < 50; i++) garbage.push(new Array(10_000).fill(i));
    await new Promise((r) => setTimeout(r, 1000));
    const resources = sampler.stop();
    child.kill();
    const main = resources.samples.filter((s) => s.label === 'main');
    const worker = resources.samples.filter((s) => s.label === 'worker-1');
    expect(main.length).toBeGreaterThanOrEqual(3);
    expect(worker.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...worker.map((s) => s.cpuUserPct + s.cpuSystemPct))).toBeGreaterThan(30);
    for (const s of main) {
      expect(s.rssBytes).toBeGreaterThan(1_000_000);
      expect(s.heapUsedBytes).toBeGreaterThan(0);
      expect(s.eventLoopDelayUs!.max).toBeGreaterThanOrEqual(s.eventLoopDelayUs!.p50);
    }
    expect(resources.summary!.rssMaxBytes).toBeGreaterThan(0);
    expect(garbage.length).toBe(50);
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
