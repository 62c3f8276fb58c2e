/**
 * The profiler's cost recorded with a run (RunResult.profiles.overhead): the calibration's shape
 * and that it leaves no profiler running, and every report format showing the figure.
 */
import { describe, expect, it } from 'vitest';
import { startProfiler } from '../../src/profile/cpuprofile.js';
import { calibrateProfilerCost, profilingSummary } from '../../src/profile/overhead.js';
import { renderHtml } from '../../src/report/html.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { formatRunSummary } from '../../src/report/terminal.js';
import { healthyRun } from '../report/fixtures.js';

describe('profiling overhead', () => {
  it('calibrates work per CPU second with and without the profiler, and leaves no profiler running', async () => {
    const r = await calibrateProfilerCost(1000, 3, 10_000);
    expect(r.min).toBeGreaterThan(0);
    expect(r.min).toBeLessThanOrEqual(r.median);
    expect(r.median).toBeLessThanOrEqual(r.max);
    // A new profile starts clean: the calibration's profilers were stopped.
    const p = await (await startProfiler(1000)).stop();
    expect(p.nodes.length).toBeGreaterThan(0);
  });

  it('is in the terminal, markdown and html reports of a profiled run, and absent from an unprofiled one', () => {
    const run = healthyRun();
    const plain = formatRunSummary(run);
    expect(plain).not.toContain('profiled every');
    run.profiles = { dir: `profiles/${run.id}`, intervalUs: 500, processes: ['main', 'agent-0-1'], overhead: { samples: 12345, calibrationPairs: 5, workRatio: { min: 0.8, median: 0.8, max: 0.9 } } };
    const line = 'profiled every 500 µs in 2 processes: 12,345 samples; profiler cost ≈ 25.0 % CPU per unit of work (work ratio 0.800 / 0.800 / 0.900, min / median / max of 5 pairs)';
    expect(profilingSummary(run.profiles)).toBe(line);
    expect(formatRunSummary(run)).toContain(line);
    expect(renderMarkdown({ run, runs: [run], trends: [] }).text).toContain('**profile** profiled every 500 µs');
    expect(renderHtml({ run, runs: [run], trends: [] })).toContain('profiler cost ≈ 25.0 %');
    // A run profiled before the cost was recorded still gets its line, without a cost.
    run.profiles = { dir: `profiles/${run.id}`, intervalUs: 2000, processes: ['main'] };
    expect(profilingSummary(run.profiles)).toBe('profiled every 2 ms in 1 process');
  });
});
