/**
 * The CPU flamegraph on the dashboard's Run page: a run whose profile is real (a forked process
 * with a planted hot function, profiled the way agents are) shows it — the planted frame drawn,
 * hover gives self and total time, click zooms, reset zooms out — with a hostile function name as
 * text; a run without profiles shows no flamegraph; the endpoint refuses a profile folder outside
 * the data folder. In headless Chromium (skipped with the install command where it is absent).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROFILE_DIR_ENV, PROFILE_INTERVAL_ENV, PROFILE_EXT, type CpuProfile } from '../../src/profile/cpuprofile.js';
import { startDashboard, type Dashboard } from '../../src/report/dashboard/server.js';
import type { FlameFrame, RunProfileView } from '../../src/report/dashboard/profile-data.js';
import { HistoryStore } from '../../src/results/history/store.js';
import { chooseChromium } from '../helpers/chromium.js';
import { tempDir } from '../helpers/cli.js';
import { healthyRun } from './fixtures.js';

const CHROMIUM = chooseChromium();
if (CHROMIUM.skipReason) process.stderr.write(`dashboard-profile.test.ts browser part skipped: ${CHROMIUM.skipReason}\n`);
const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts');
const HOT_CHILD = fileURLToPath(new URL('../fixtures/profile/hot-child.mjs', import.meta.url));
/** The planted caller is renamed to this in the stored profile: it must show as these characters. */
const HOSTILE_FRAME = '<img src=x onerror="window.__pwned=3">plantedCaller';

interface BrowserGlobals {
  document: { getElementById(id: string): { dataset: Record<string, string | undefined> } | null };
  __pwned?: number;
}

let dir: string;
let dashboard: Dashboard;
const profiled = healthyRun('20261202-100000-prof01', '2026-12-02T10:00:00.000Z');
const plain = healthyRun('20261202-110000-plain1', '2026-12-02T11:00:00.000Z');
const escaping = healthyRun('20261202-120000-escape', '2026-12-02T12:00:00.000Z');

function get(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolvePromise, reject) => {
    const req = request({ host: '127.0.0.1', port: dashboard.port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function findFrame(node: FlameFrame, name: string): FlameFrame | undefined {
  if (node.n === name) return node;
  for (const c of node.c) {
    const f = findFrame(c, name);
    if (f) return f;
  }
  return undefined;
}

beforeAll(async () => {
  dir = tempDir('swarmperf-dashboard-profile-');
  const rel = join('profiles', profiled.id);
  const profileDir = join(dir, rel);
  // A real profile: the fixture profiles itself into the folder, as a forked agent does.
  const r = spawnSync(process.execPath, [HOT_CHILD, '300'], { env: { ...process.env, [PROFILE_DIR_ENV]: profileDir, [PROFILE_INTERVAL_ENV]: '500' }, encoding: 'utf8', timeout: 120_000 });
  expect(r.stdout).toContain('done');
  const file = join(profileDir, `agent-0-${r.pid}${PROFILE_EXT}`);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  for (const n of profile.nodes) if (n.callFrame.functionName === 'plantedCaller') n.callFrame.functionName = HOSTILE_FRAME;
  writeFileSync(file, JSON.stringify(profile));
  profiled.profiles = { dir: rel, intervalUs: 500, processes: [`agent-0-${r.pid}`], overhead: { samples: profile.samples?.length ?? 0, calibrationPairs: 5, workRatio: { min: 0.9, median: 0.95, max: 0.99 } } };
  escaping.profiles = { dir: '../../etc', intervalUs: 1000, processes: ['main'] };
  const history = HistoryStore.open(join(dir, 'history.db'));
  for (const run of [profiled, plain, escaping]) history.record(run);
  history.close();
  dashboard = await startDashboard({ dataDir: dir, historyPath: join(dir, 'history.db'), host: '127.0.0.1', port: 0, pollMs: 200 });
});

afterAll(async () => {
  await dashboard?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('dashboard /api/run/profile', () => {
  it('gives the call tree of a profiled run, the planted function carrying most of the CPU', async () => {
    const res = await get(`/api/run/profile?id=${profiled.id}`);
    expect(res.status).toBe(200);
    const view = JSON.parse(res.body) as RunProfileView;
    const hot = findFrame(view.tree, 'plantedHotSpin');
    expect(hot).toBeDefined();
    expect((hot as FlameFrame).t / view.cpuUs).toBeGreaterThan(0.5);
    expect(findFrame(view.tree, HOSTILE_FRAME)?.c.some((c) => c.n === 'plantedHotSpin')).toBe(true);
    expect(view.top[0]?.function).toContain('plantedHotSpin');
    expect(view.overhead?.samples).toBeGreaterThan(0);
  });

  it('answers 404 with the reason for a run without profiles, an unknown run, and a folder outside the data folder', async () => {
    const none = await get(`/api/run/profile?id=${plain.id}`);
    expect(none.status).toBe(404);
    expect(JSON.parse(none.body).error).toContain('recorded without --profile');
    expect((await get('/api/run/profile?id=nope')).status).toBe(404);
    expect((await get('/api/run/profile')).status).toBe(400);
    const outside = await get(`/api/run/profile?id=${escaping.id}`);
    expect(outside.status).toBe(404);
    expect(JSON.parse(outside.body).error).toContain('not under');
  });
});

describe.skipIf(CHROMIUM.path === null)('the Run page flamegraph in headless Chromium', () => {
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM.path as string, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  async function open(runId: string): Promise<void> {
    await page.goto(`${dashboard.url}#/run/${runId}`);
    await page.waitForFunction(() => (globalThis as unknown as BrowserGlobals).document.getElementById('page')?.dataset.ready === 'run');
  }

  it('draws the planted frame; hover shows self and total, click zooms into it, reset zooms out; hostile names are text', async () => {
    await open(profiled.id);
    const graph = page.locator('#flamegraph svg.flame-graph');
    expect(await graph.getAttribute('data-focus')).toBe('all');
    const hot = page.locator('#flamegraph g.flame-frame[data-name="plantedHotSpin"]').first();
    expect(await hot.count()).toBe(1);
    const graphBox = await graph.boundingBox();
    const hotBox = await hot.locator('rect').boundingBox();
    // It is most of the CPU: most of the width before any zoom.
    expect((hotBox?.width ?? 0) / (graphBox?.width ?? 1)).toBeGreaterThan(0.5);

    await hot.hover();
    const tip = page.locator('#flamegraph .flame-tip');
    await expect.poll(() => tip.isVisible()).toBe(true);
    const tipText = (await tip.textContent()) ?? '';
    expect(tipText).toContain('plantedHotSpin');
    expect(tipText).toMatch(/total [\d.]+ (ms|s|µs) \([\d.]+ % of all CPU\)/);
    expect(tipText).toMatch(/self [\d.]+ (ms|s|µs)/);

    // The hostile caller: the same characters as text in the frame and the tooltip, nothing run.
    const hostile = page.locator('#flamegraph g.flame-frame').filter({ has: page.locator('text') }).filter({ hasText: '<img src=x' });
    expect(await hostile.count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('#flamegraph img').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as unknown as BrowserGlobals).__pwned)).toBeUndefined();

    await hot.click();
    await expect.poll(() => graph.getAttribute('data-focus')).toBe('plantedHotSpin');
    const zoomed = await page.locator('#flamegraph g.flame-frame[data-name="plantedHotSpin"]').first().locator('rect').boundingBox();
    expect((zoomed?.width ?? 0) / ((await graph.boundingBox())?.width ?? 1)).toBeGreaterThan(0.99);
    // Its callers stay below as the way back out.
    expect(await page.locator('#flamegraph g.flame-ancestor').count()).toBeGreaterThanOrEqual(2);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-flamegraph.png') });

    await page.locator('#flame-reset').click();
    await expect.poll(() => graph.getAttribute('data-focus')).toBe('all');
    expect(await page.locator('#flamegraph table.flame-top tr').nth(1).textContent()).toContain('plantedHotSpin');
    expect(await page.locator('#flamegraph p.muted').first().textContent()).toContain('profiler cost ≈ 5.3 %');
  });

  it('shows no flamegraph for a run recorded without --profile', async () => {
    await open(plain.id);
    expect(await page.locator('#run-id').textContent()).toBe(plain.id);
    expect(await page.locator('#flamegraph').count()).toBe(0);
  });

  it('logged no console error (no CSP violation)', () => {
    expect(errors).toEqual([]);
  });
});
