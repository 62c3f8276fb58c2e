import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { startResourceSampler } from '../../src/monitor/sampler.js';
import { summarizeResources } from '../../src/monitor/summary.js';
import type { ResourceSample } from '../../src/core/result.js';
import { envFingerprint } from '../../src/results/env.js';
import { resolveDataDir } from '../../src/results/data-dir.js';

describe('resource sampler', () => {
  it('samples this process and child processes, telling a busy child from an idle one', async () => {
    // Judged on CPU time consumed, not on wall time: the busy child spins until IT has used 400 ms
    // of CPU (however long a loaded machine makes that take) and the sampler must account for most
    // of it, while the idle child, sampled over the same span, uses next to none. Every wait is for
    // an event from a child, never a sleep.
    const BUSY_CPU_MS = 600;
    const busy = spawn(
      process.execPath,
      ['-e', `process.stdout.write('ready\\n'); process.stdin.once('data', () => { const t0 = process.cpuUsage(); for (;;) { const u = process.cpuUsage(t0); if ((u.user + u.system) / 1000 >= ${BUSY_CPU_MS}) break; } process.stdout.write('done\\n'); setTimeout(() => {}, 600000); });`],
      { stdio: ['pipe', 'pipe', 'ignore'] },
    );
    const idle = spawn(process.execPath, ['-e', "process.stdout.write('ready\\n'); setTimeout(() => {}, 600000)"], { stdio: ['ignore', 'pipe', 'ignore'] });
    const said = (child: { stdout: NodeJS.ReadableStream | null }, word: string): Promise<void> =>
      new Promise((resolve) => {
        let out = '';
        child.stdout!.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes(word)) resolve();
        });
      });
    const busyDone = said(busy, 'done');
    // Node's own start-up costs CPU in both children: sample only after both said they are ready.
    await Promise.all([said(busy, 'ready'), said(idle, 'ready')]);
    const sampler = startResourceSampler({
      intervalMs: 200,
      children: () => [
        { pid: busy.pid!, label: 'busy' },
        { pid: idle.pid!, label: 'idle' },
      ],
    });
    busy.stdin!.write('go\n');
    await busyDone;
    const resources = sampler.stop();
    busy.kill();
    idle.kill();
    /** CPU time the sampler saw a child use, ms: each sample's share of a core over its interval. */
    const cpuMs = (label: string): number => {
      let prevT = 0;
      let total = 0;
      for (const s of resources.samples.filter((x) => x.label === label)) {
        total += ((s.cpuUserPct + s.cpuSystemPct) / 100) * (s.t - prevT);
        prevT = s.t;
      }
      return total;
    };
    expect(resources.samples.filter((s) => s.label === 'busy').length).toBeGreaterThanOrEqual(1);
    expect(resources.samples.filter((s) => s.label === 'idle').length).toBeGreaterThanOrEqual(1);
    expect(cpuMs('busy')).toBeGreaterThan(BUSY_CPU_MS * 0.5);
    expect(cpuMs('idle')).toBeLessThan(BUSY_CPU_MS * 0.1);
    const main = resources.samples.filter((s) => s.label === 'main');
    expect(main.length).toBeGreaterThanOrEqual(3);
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
