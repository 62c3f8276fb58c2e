/**
 * The HTML report opened in a real browser (Debian's chromium via playwright-core): the page loads
 * from a file with the network unreachable, its charts are in the DOM, tooltips and legend toggles
 * work, hostile names are text, and a screenshot is kept in test-artifacts/report.png.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findBottlenecks } from '../../src/analysis/bottlenecks.js';
import { detectChangePoints } from '../../src/results/changepoint.js';
import { renderHtml } from '../../src/report/html.js';
import { buildTrends } from '../../src/report/model.js';
import { chooseChromium } from '../helpers/chromium.js';
import { HOSTILE, historyRuns, troubledRun } from './fixtures.js';

// Without Chromium the suite is skipped, its name saying how to install it (CI=true: it throws).
const CHROMIUM = chooseChromium();
if (CHROMIUM.skipReason) process.stderr.write(`html-browser.test.ts skipped: ${CHROMIUM.skipReason}\n`);
const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts');

describe.skipIf(CHROMIUM.path === null)(`html report in headless Chromium${CHROMIUM.skipReason ? ` (skipped: ${CHROMIUM.skipReason})` : ''}`, () => {
  let browser: Browser;
  let dir: string;
  let file: string;

  beforeAll(async () => {
    const run = troubledRun();
    run.findings = findBottlenecks(run);
    const trends = buildTrends(run, historyRuns(), (v) => detectChangePoints(v).map((c) => c.index));
    dir = mkdtempSync(join(tmpdir(), 'swarmperf-html-'));
    file = join(dir, 'report.html');
    writeFileSync(file, renderHtml({ run, runs: [run], trends }));
    browser = await chromium.launch({
      executablePath: CHROMIUM.path!,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('renders its charts from the file alone, interactively, with hostile names as text', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('request', (r) => requests.push(r.url()));
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(pathToFileURL(file).href);

    // Every request the page made is the page itself: it needs no network.
    expect(requests).toEqual([pathToFileURL(file).href]);
    expect(errors).toEqual([]);

    // Charts: per suite spectrum, throughput, p99, CPU, memory; then trends with change points.
    const ids = await page.$$eval('svg.chart', (els) => els.map((e) => e.id));
    for (const s of [0, 1, 2]) for (const k of ['spectrum', 'throughput', 'p99', 'cpu', 'memory']) expect(ids).toContain(`s${s}-${k}`);
    expect(ids.filter((id) => id.endsWith('-trend')).length).toBe(6);
    expect(await page.locator('#s0-spectrum g.series').count()).toBe(3);
    expect(await page.locator('#s0-spectrum circle[data-tip]').count()).toBe(3 * 22);
    expect(await page.locator('svg.chart g.marker').count()).toBeGreaterThan(0);
    const box = await page.locator('#s0-spectrum').boundingBox();
    expect(box && box.width > 300 && box.height > 200).toBe(true);

    // Hover tooltip.
    const point = page.locator('#s0-spectrum g.series[data-series="0"] circle').nth(5);
    await point.hover();
    await expect.poll(() => page.locator('#tooltip').isVisible()).toBe(true);
    expect(await page.locator('#tooltip').textContent()).toMatch(/^claim p\d+(\.\d+)?: [\d.]+(µs|ms|s)$/);

    // Legend toggle hides and shows a series.
    const legend = page.locator('#s0-spectrum .legend-item[data-series="1"]');
    await legend.click();
    expect(await page.locator('#s0-spectrum g.series[data-series="1"]').isVisible()).toBe(false);
    expect(await legend.getAttribute('aria-pressed')).toBe('false');
    await legend.click();
    expect(await page.locator('#s0-spectrum g.series[data-series="1"]').isVisible()).toBe(true);

    // Hostile names: shown as text, never executed or parsed as markup.
    expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
    expect(dialogs).toEqual([]);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('svg:not(.chart)').count()).toBe(0);
    const text = (await page.locator('body').textContent()) ?? '';
    expect(text).toContain(HOSTILE.suite);
    expect(text).toContain(HOSTILE.reason);
    expect(await page.locator('td.name', { hasText: '<img src=x onerror=' }).count()).toBeGreaterThan(0);

    // The embedded RunResult is intact JSON.
    const embedded = (await page.evaluate('JSON.parse(document.getElementById("swarmperf-run").textContent)')) as { id: string; suites: Array<{ name: string }> };
    expect(embedded.id).toBe('20260102-120000-bbbbbb');
    expect(embedded.suites[2]!.name).toBe(HOSTILE.suite);

    mkdirSync(ARTIFACTS, { recursive: true });
    const shot = join(ARTIFACTS, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(50_000);
    await page.close();
  });
});
