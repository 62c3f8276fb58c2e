/**
 * `swarmperf dashboard` end to end: the server over a prepared data folder (a 17-run history with a
 * planted step and hostile names, a live run appended while the page is open), its safety checks,
 * /metrics parsed strictly and matched against the RunResult, and the pages in headless Chromium
 * (Debian's chromium via playwright-core; skipped with the install command where it is absent,
 * except under CI=true, where a missing browser fails).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findBottlenecks } from '../../src/analysis/bottlenecks.js';
import { HistoryStore } from '../../src/results/history/store.js';
import { liveOutput } from '../../src/results/live.js';
import { addAlertRule, alertsPath } from '../../src/results/alerts.js';
import { startDashboard, type Dashboard } from '../../src/report/dashboard/server.js';
import type { RunResult } from '../../src/core/result.js';
import { parsePrometheusText } from '../helpers/prom-parse.js';
import { startCli } from '../helpers/cli.js';
import { HOSTILE, healthyRun, historyRuns, runResult, suite, troubledRun } from './fixtures.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts');
if (!HAVE_CHROMIUM && process.env.CI === 'true') throw new Error(`${CHROMIUM} not found and CI=true: install Debian's chromium (bash scripts/install-system-deps.sh)`);
if (!HAVE_CHROMIUM) console.warn(`dashboard browser tests skipped: ${CHROMIUM} not found (install it with: sudo apt-get install chromium, or bash scripts/install-system-deps.sh)`);

/** The little of the browser's globals these tests read (the tests compile without the DOM library). */
interface BrowserGlobals {
  document: { getElementById(id: string): { dataset: Record<string, string | undefined> } | null };
  __pwned?: number;
}

/** A second suite whose latency creeps up 4 % per run: a drift on its trend chart. */
function rampRuns(): RunResult[] {
  return Array.from({ length: 12 }, (_, i) => {
    const day = String(i + 1).padStart(2, '0');
    const run = healthyRun(`202511${day}-120000-ramp${String(i).padStart(2, '0')}`, `2025-11-${day}T12:00:00.000Z`);
    run.suites[0]!.name = 'ramp';
    run.config.suites = ['ramp'];
    const level = (1 + 0.04 * i) * (1 + 0.03 * Math.sin(i * 1.7));
    for (const op of run.suites[0]!.operations) for (const k of Object.keys(op.latencyUs) as Array<keyof typeof op.latencyUs>) op.latencyUs[k] = Math.round(op.latencyUs[k] * level);
    return run;
  });
}

/** A Raft election scenario: 400 recorded times to a new leader (exponential around 150 ms). */
function electionRun(): RunResult {
  const raft = suite('consensus.raft', 'simulated', [{ name: 'election', meanUs: 150_000, count: 400 }], []);
  return runResult('20251130-120000-elect1', '2025-11-30T12:00:00.000Z', [raft], { config: { command: 'bench', protocol: 'raft', scenario: 'election', nodes: 5, seed: 1 } });
}

let dir: string;
let dashboard: Dashboard;
let runs: RunResult[];
const LIVE_RULE = 'tasks.claim.p99 < 1ms';

function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolvePromise, reject) => {
    const req = request({ host: '127.0.0.1', port: dashboard.port, path, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'swarmperf-dashboard-'));
  mkdirSync(dir, { recursive: true });
  const troubled = troubledRun();
  troubled.findings = findBottlenecks(troubled);
  runs = [...historyRuns(16), troubled];
  const history = HistoryStore.open(join(dir, 'history.db'));
  for (const run of [...runs, ...rampRuns(), electionRun()]) history.record(run);
  history.close();
  // Judged on the latest run of each configuration (overview) and on every live window.
  addAlertRule(alertsPath(dir), LIVE_RULE);
  dashboard = await startDashboard({ dataDir: dir, historyPath: join(dir, 'history.db'), host: '127.0.0.1', port: 0, pollMs: 50 });
});

afterAll(async () => {
  await dashboard?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('dashboard server', () => {
  it('groups runs by configuration and marks the planted step as a change', async () => {
    const res = await get('/api/overview');
    expect(res.status).toBe(200);
    const { rows } = JSON.parse(res.body) as { rows: Array<{ configuration: string; runs: number; verdict: { kind: string } }> };
    // Same suite, command, duration class and host: one configuration (as compare and trends group them).
    const tasks = rows.find((r) => r.configuration.startsWith('tasks · run · short(5-30s) · host '));
    expect(tasks?.runs).toBe(17);
    const series = JSON.parse((await get('/api/series?metric=tasks.claim.p50')).body) as Array<{ points: unknown[]; changePoints: Array<{ index: number; kind: string }> }>;
    expect(series).toHaveLength(1);
    expect(series[0]?.points).toHaveLength(17);
    expect(series[0]?.changePoints.map((c) => c.kind)).toContain('regression');
    expect(series[0]?.changePoints.some((c) => c.index === 8)).toBe(true);
  });

  it('lists the alert rule the latest run breaches on the overview, with its value', async () => {
    const { rows, alertRules } = JSON.parse((await get('/api/overview')).body) as { alertRules: number; rows: Array<{ configuration: string; alerts: Array<{ rule: string; metric: string; value: string }> }> };
    expect(alertRules).toBe(1);
    const tasks = rows.find((r) => r.configuration.startsWith('tasks · run · short'));
    // The troubled latest run's claim tail is ~40 ms.
    expect(tasks?.alerts).toEqual([{ rule: LIVE_RULE, metric: 'tasks.claim.p99', value: expect.stringMatching(/ms$/) as unknown as string }]);
    expect(rows.find((r) => r.configuration.startsWith('bus · '))?.alerts).toEqual([]);
  });

  it('shows the planted step as an open regression since its first run', async () => {
    const { rows } = JSON.parse((await get('/api/overview')).body) as { rows: Array<{ configuration: string; regressions: Array<{ metric: string; sinceRunId: string }> }> };
    const tasks = rows.find((r) => r.configuration.startsWith('tasks · run · short'));
    expect(tasks?.regressions.find((g) => g.metric === 'tasks.create.p50')?.sinceRunId).toBe(runs[8]?.id);
  });

  it('refuses a foreign Host, a foreign Origin, writes, and bad parameters, with a message', async () => {
    expect((await get('/api/overview', { Host: 'attacker.example:80' })).status).toBe(421);
    expect((await get('/api/overview', { Origin: 'http://attacker.example' })).status).toBe(403);
    expect((await get('/api/overview', {}, 'POST')).status).toBe(405);
    const bad = await get('/api/runs?limit=abc');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toEqual({ error: 'limit: expected a number, got "abc"' });
    expect((await get('/api/run?id=nope')).status).toBe(404);
    const csp = (await get('/')).headers['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
  });

  it('serves /metrics that a strict Prometheus parser accepts, with the latest run figures', async () => {
    const res = await get('/metrics');
    expect(res.headers['content-type']).toContain('text/plain; version=0.0.4');
    const families = parsePrometheusText(res.body);
    const throughput = families.get('swarmperf_last_run_operation_throughput_ops_per_second');
    expect(throughput?.type).toBe('gauge');
    const latest = runs[runs.length - 1] as RunResult;
    const claim = latest.suites.find((s) => s.name === 'tasks')?.operations.find((o) => o.name === 'claim');
    const sample = throughput?.samples.find((s) => s.labels.configuration?.startsWith('tasks · run · short') === true && s.labels.operation === 'claim');
    expect(sample?.value).toBeCloseTo(claim?.throughput ?? NaN, 6);
    const hostile = throughput?.samples.find((s) => s.labels.suite === HOSTILE.suite);
    expect(hostile?.labels.operation).toBe(HOSTILE.operation);
  });

  it('rejects a malformed exposition (the parser can fail)', () => {
    expect(() => parsePrometheusText('x 1\n')).toThrow(/before its HELP/);
    expect(() => parsePrometheusText('# HELP a b\n# TYPE a gauge\na{l="x} 1\n')).toThrow();
  });
});

describe.skipIf(!HAVE_CHROMIUM)('dashboard in headless Chromium', () => {
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('request', (r) => requests.push(r.url()));
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
  });

  async function open(hash: string, ready: string): Promise<void> {
    await page.goto(`${dashboard.url}${hash}`);
    // A function, not a string: the page's CSP forbids eval, which string expressions need.
    await page.waitForFunction((name) => (globalThis as unknown as BrowserGlobals).document.getElementById('page')?.dataset.ready === name, ready);
  }

  it('overview lists every configuration, hostile names as text', async () => {
    await open('#/overview', 'overview');
    const configurations = await page.$$eval('#overview-table tr[data-configuration]', (rows) => rows.map((r) => r.getAttribute('data-configuration')));
    expect(configurations.some((c) => c?.startsWith('tasks · run · '))).toBe(true);
    expect(configurations.some((c) => c?.startsWith(`${HOSTILE.suite} · run · `))).toBe(true);
    expect(await page.evaluate(() => (globalThis as unknown as BrowserGlobals).__pwned)).toBeUndefined();
    // The troubled latest run's claim tail is an open regression (newest first) and breaches the rule.
    expect(await page.$$eval('#open-regressions tr[data-metric]', (rows) => rows.map((r) => r.getAttribute('data-metric')))).toContain('tasks.claim.p99');
    expect(await page.$$eval('#breached-alerts tr[data-rule]', (rows) => rows.map((r) => r.getAttribute('data-rule')))).toEqual([LIVE_RULE]);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-overview.png') });
  });

  it('trend chart draws every point on a date axis and marks the planted change point', async () => {
    await open('#/trends?metric=tasks.claim.p50', 'trends');
    const chart = await page.waitForSelector('.trend-card .chart');
    expect(await chart.getAttribute('data-points')).toBe('17');
    expect(Number(await chart.getAttribute('data-markers'))).toBeGreaterThanOrEqual(1);
    expect(await chart.getAttribute('data-time-axis')).toBe('true');
    expect(await chart.getAttribute('data-x-from')).toBe('2025-12-01T12:00:00.000Z');
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-trends.png') });
  });

  it('trend chart shades a planted drift with its rate per run, and marks no step in it', async () => {
    await open('#/trends?metric=ramp.create.p99', 'trends');
    const charts = await page.$$('.trend-card .chart');
    const drifts = await Promise.all(charts.map((c) => c.getAttribute('data-drifts')));
    expect(drifts).toEqual(['1']);
    const notes = await page.$$eval('li[data-drift]', (lis) => lis.map((li) => li.textContent ?? ''));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/^drift: worsening \+\d+(\.\d+)? %\/run in ramp\.create\.p99 \(ramp · run · short/);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-trends-drift.png') });
  });

  it('consensus page draws the election time distribution (CDF) from the run histogram', async () => {
    await open('#/consensus', 'consensus');
    const chart = await page.waitForSelector('#election-cdf .chart');
    // One series through 25 percentiles (0 … 100 %) of the recorded election times.
    expect(Number(await chart.getAttribute('data-points'))).toBe(25);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-consensus.png') });
  });

  it('run page shows findings and the hostile suite as text', async () => {
    const troubled = runs[runs.length - 1] as RunResult;
    await open(`#/run/${troubled.id}`, 'run');
    expect(await page.$$eval('table.findings tr', (rows) => rows.length)).toBeGreaterThan(1);
    const headings = await page.$$eval('section.suite h2', (hs) => hs.map((h) => h.textContent));
    expect(headings).toContain(`${HOSTILE.suite} · memory`);
    expect(await page.evaluate(() => (globalThis as unknown as BrowserGlobals).__pwned)).toBeUndefined();
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-run.png') });
  });

  it('a live run appears and receives its windows as they close', async () => {
    await open('#/live', 'live');
    const output = liveOutput(dir);
    const runId = '20261202-000000-live01';
    await output.start?.({ runId, command: 'run', suite: 'tasks', startedAt: new Date().toISOString(), plannedDurationUs: 3_000_000 });
    for (let i = 1; i <= 3; i++) {
      // The third window breaks the rule "tasks.claim.p99 < 1ms"; the first two hold it.
      const p99 = i === 3 ? 2500 : 400;
      await output.window?.({ runId, suite: 'tasks', startUs: (i - 1) * 1e6, endUs: i * 1e6, operations: [{ name: 'claim', count: 1000 * i, errors: 0, throughput: 1000 * i, p50: 80, p99, max: 9000 }], resources: [] });
      // Each window is seen by the page before the next is written: the stream is live, not a replay.
      const card = await page.waitForSelector(`.live-run[data-run="${runId}"][data-windows="${i}"]`);
      expect(await card.getAttribute('data-fired')).toBe(i === 3 ? '1' : '0');
    }
    const fired = await page.$eval(`.live-run[data-run="${runId}"] .live-alerts li`, (li) => ({ rule: li.getAttribute('data-rule'), text: li.textContent }));
    expect(fired.rule).toBe(LIVE_RULE);
    expect(fired.text).toContain('tasks.claim.p99 = 2.5ms');
    await output.finish?.({ ...(runs[0] as RunResult), id: runId });
    await page.waitForSelector(`.live-run[data-run="${runId}"][data-finished="true"]`);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-live.png') });
  });

  it('a real `swarmperf run` started beside the dashboard streams at least three windows while it runs, then moves to the history', async () => {
    await open('#/live', 'live');
    const known = new Set(await page.$$eval('.live-run', (cards) => cards.map((c) => c.getAttribute('data-run'))));
    const child = startCli(['run', 'selftest', '--duration', '5s', '--warmup', '0s', '--seed', '3', '--data-dir', dir, '--quiet']);
    const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
    try {
      // The first card that was not there before is this run's.
      const handle = await page.waitForFunction((before) => {
        const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<{ getAttribute(n: string): string | null }> } }).document;
        const mine = Array.from(doc.querySelectorAll('.live-run')).find((c) => !before.includes(c.getAttribute('data-run') ?? ''));
        return mine && Number(mine.getAttribute('data-windows')) >= 3 ? { runId: mine.getAttribute('data-run'), finished: mine.getAttribute('data-finished') } : null;
      }, [...known].filter((x): x is string => x !== null), { timeout: 60_000 });
      const seen = (await handle.jsonValue()) as { runId: string; finished: string | null };
      // Three windows on the page while the run still measures: streamed, not replayed after the end.
      expect(seen.finished).toBeNull();
      expect(child.exitCode).toBeNull();
      await page.waitForSelector(`.live-run[data-run="${seen.runId}"][data-finished="true"]`, { timeout: 60_000 });
      expect(await exited).toBe(0);
      // Recorded in the history: the link on the card opens the run's full page.
      await page.click(`.live-run[data-run="${seen.runId}"] a.history-link`);
      await page.waitForFunction((name) => (globalThis as unknown as BrowserGlobals).document.getElementById('page')?.dataset.ready === name, 'run');
      expect(await page.$$eval('section.suite h2', (hs) => hs.map((h) => h.textContent))).toContain('selftest · in-process');
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard-live-run.png') });
    } finally {
      if (child.exitCode === null) child.kill();
    }
  }, 120_000);

  it('made no request off 127.0.0.1 and logged no console error', () => {
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((u) => !u.startsWith(dashboard.url))).toEqual([]);
    expect(errors).toEqual([]);
  });
});
