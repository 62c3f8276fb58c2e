/**
 * The static html report's top and trend charts: the overview comes first (checks, headline figures,
 * findings by impact); trends are one series per configuration fingerprint on a date axis; long
 * titles wrap instead of running off the chart; an election run gets its time distribution (CDF).
 */
import { describe, expect, it } from 'vitest';
import { findBottlenecks } from '../../src/analysis/bottlenecks.js';
import { detectChangePoints } from '../../src/results/changepoint.js';
import { renderHtml } from '../../src/report/html.js';
import { buildTrends } from '../../src/report/model.js';
import { lineChart, wrapTitle } from '../../src/report/charts/svg.js';
import { timeTicks } from '../../src/report/charts/run-charts.js';
import type { RunResult } from '../../src/core/result.js';
import { historyRuns, runResult, suite, troubledRun } from './fixtures.js';

const detect = (values: readonly number[]): number[] => detectChangePoints(values).map((c) => c.index);

/** The history's runs, every other one on another backend (another fingerprint). */
function mixedHistory(): RunResult[] {
  return historyRuns(8).map((run, i) => {
    if (i % 2 === 1) run.suites[0]!.backend = 'memory';
    return run;
  });
}

describe('html report: overview first', () => {
  it('opens with the checks verdict, the headline figures per suite and the top findings', () => {
    const run = troubledRun();
    run.findings = findBottlenecks(run);
    run.suites[0]!.checks.push({ name: 'planted failure', passed: false, detail: 'one check fails' });
    const html = renderHtml({ run, runs: [run], trends: [] });
    const overview = html.indexOf('<section id="overview">');
    expect(overview).toBeGreaterThan(0);
    expect(overview).toBeLessThan(html.indexOf('<section id="summary">'));
    expect(html).toContain('<p class="verdict bad">✗ 1 of 4 checks failed</p>');
    expect(html).toContain('<td class="name">tasks <span class="muted">(sqlite)</span></td><td>9,000</td><td>900/s</td><td>40ms <span class="muted">claim</span></td>');
    const top = html.slice(html.indexOf('<ol class="top-findings">'), html.indexOf('</ol>'));
    expect(top.match(/<li>/g)).toHaveLength(Math.min(5, run.findings.length));
  });
});

describe('html report: trend charts', () => {
  it('draws one series per configuration on a date axis, never one line across backends', () => {
    const runs = mixedHistory();
    const run = runs[runs.length - 1] as RunResult;
    const trends = buildTrends(run, runs, detect).filter((t) => t.metric === 'tasks.claim.p50');
    expect(trends).toHaveLength(2);
    // The reported run's own configuration first, each series holding only its own runs.
    expect(trends[0]?.configuration).toMatch(/^memory · run · short\(5-30s\) \([0-9a-f]{6}\)$/);
    expect(trends.map((t) => t.points.length)).toEqual([4, 4]);
    const html = renderHtml({ run, runs: [run], trends });
    const chart = html.slice(html.indexOf('<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="t0-trend"'));
    const svg = chart.slice(0, chart.indexOf('</svg>'));
    expect(svg.match(/<g class="series"/g)).toHaveLength(2);
    expect(svg).toContain('>2025-12-02</text>');
    expect(svg).toContain('run start (UTC)');
  });

  it('puts date ticks on whole days (or hours for a short span)', () => {
    const day = Date.parse('2025-12-01T00:00:00.000Z');
    expect(timeTicks(day + 3_600_000, day + 5 * 86_400_000).map((t) => t.label)).toEqual(['2025-12-02', '2025-12-03', '2025-12-04', '2025-12-05', '2025-12-06']);
    expect(timeTicks(day, day + 5 * 3_600_000).map((t) => t.label)[1]).toBe('12-01 01:00');
  });

  it('wraps a long title onto more lines and moves the plot down, so nothing is cut off', () => {
    const long = `Latency by percentile — ${'a-very-long-suite-name '.repeat(6)}(sqlite)`;
    expect(wrapTitle(long, 80).every((l) => l.length <= 80)).toBe(true);
    expect(wrapTitle(long, 80).join(' ')).toBe(long);
    const svg = lineChart([{ name: 's', points: [{ x: 0, y: 1 }, { x: 1, y: 2 }] }], { id: 'c', title: long, xLabel: 'x', yLabel: 'y', formatX: String, formatY: String });
    expect(svg.match(/<tspan /g)?.length).toBeGreaterThanOrEqual(1);
    const short = lineChart([{ name: 's', points: [{ x: 0, y: 1 }, { x: 1, y: 2 }] }], { id: 'c', title: 'short', xLabel: 'x', yLabel: 'y', formatX: String, formatY: String });
    expect(short).not.toContain('<tspan');
    const height = (s: string): number => Number(/height="(\d+(\.\d+)?)"/.exec(s)?.[1]);
    expect(height(svg)).toBeGreaterThan(height(short));
  });
});

describe('html report: election time distribution', () => {
  it('draws the CDF of an election run, and no CDF for a run without elections', () => {
    const election = runResult('20251130-120000-elect1', '2025-11-30T12:00:00.000Z', [suite('consensus.raft', 'simulated', [{ name: 'election', meanUs: 150_000, count: 400 }], [])], {
      config: { command: 'bench', protocol: 'raft', scenario: 'election', nodes: 5 },
    });
    const html = renderHtml({ run: election, runs: [election], trends: [] });
    const chart = html.slice(html.indexOf('id="s0-cdf"'));
    expect(chart.slice(0, chart.indexOf('</svg>'))).toContain('Election time distribution (CDF)');
    expect(chart.slice(0, chart.indexOf('</svg>')).match(/<circle /g)).toHaveLength(25);
    expect(renderHtml({ run: troubledRun(), runs: [], trends: [] })).not.toContain('-cdf"');
  });
});
