/**
 * The library API from the BUILT package (dist/index.js, built by `npm test` before vitest runs),
 * with no CLI in the process: importing it registers the suites (the composition root), runs the
 * registry suite on the memory backend, records it in the history and reads its findings back.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.js';

type Api = typeof import('../../src/index.js');
const DIST = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

describe("import('swarmperf') (built)", () => {
  it('has the suites, runs one, records it in the history with its findings', async () => {
    const api = (await import(pathToFileURL(DIST).href)) as Api;
    expect(api.listSuites().map((s) => s.name)).toEqual(expect.arrayContaining(['selftest', 'registry', 'tasks', 'memory', 'election', 'bus']));
    expect(api.listReportFormats()).toEqual(expect.arrayContaining([...api.REPORT_FORMATS]));
    expect(api.listProtocols().map((p) => p.name)).toContain('raft');

    const dataDir = tempDir('swarmperf-lib-');
    const run = await api.runSuites(
      { suites: ['registry'], settings: { backend: 'memory', agents: 2, duration: '600ms', warmup: '0s', interval: '200ms', seed: 11 }, params: { maxLive: 8 }, quick: true },
      { dataDir, command: 'library test' },
    );
    expect(run.partial).toBe(false);
    expect(run.suites.map((s) => s.name)).toEqual(['registry']);
    expect(run.suites[0]!.backend).toBe('memory');
    expect(run.suites[0]!.operations.reduce((n, op) => n + op.count, 0)).toBeGreaterThan(0);
    expect(run.suites[0]!.checks.every((c) => c.passed)).toBe(true);
    // The enricher ran (findings present, possibly none for a healthy run) and agrees with a fresh analysis.
    expect(Array.isArray(run.findings)).toBe(true);
    expect(run.findings).toEqual(api.findBottlenecks(run));
    expect(run.config).toMatchObject({ command: 'library test', agents: 2, seed: 11, params: { registry: { maxLive: 8 } } });

    const history = api.openHistory(join(dataDir, 'history.db'), { mustExist: true });
    try {
      const kept = history.getRun(run.id);
      expect(kept.id).toBe(run.id);
      expect(kept.findings).toEqual(run.findings);
      expect(kept.suites[0]!.operations.map((op) => op.name)).toEqual(run.suites[0]!.operations.map((op) => op.name));
    } finally {
      history.close();
    }
  });

  it('rejects a bad suite parameter before anything runs, naming it', async () => {
    const api = (await import(pathToFileURL(DIST).href)) as Api;
    const dataDir = tempDir('swarmperf-lib-');
    await expect(api.runSuites({ suites: ['registry', 'bus'], settings: { backend: 'memory' }, params: { publishRate: 0 } }, { dataDir })).rejects.toThrow(/--publish-rate: expected a number greater than 0/);
    await expect(api.runSuites({ suites: ['registry'], params: { nosuch: 1 } }, { dataDir })).rejects.toThrow(/unknown suite parameter\(s\): nosuch/);
  });
});

describe("import('swarmperf') by package name", () => {
  it('resolves to the built package and has the suites registered', () => {
    // Node resolves a package's own name through its "exports" (self-reference), as a user's import would.
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', "const m = await import('swarmperf'); console.log(JSON.stringify({ url: import.meta.resolve('swarmperf'), suites: m.listSuites().length }))"], { encoding: 'utf8', cwd: fileURLToPath(new URL('../..', import.meta.url)) });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { url: string; suites: number };
    expect(out.url).toBe(pathToFileURL(DIST).href);
    expect(out.suites).toBeGreaterThanOrEqual(6);
  });
});
