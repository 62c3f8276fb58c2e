/**
 * `swarmperf report` and `swarmperf bottlenecks` end to end: the built CLI (dist/, `npm test`
 * builds it first) against RunResult files and a real history database in a temp folder.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHistory } from '../../src/results/history/index.js';
import type { RunResult } from '../../src/core/result.js';
import { HOSTILE, historyRuns, troubledRun } from './fixtures.js';

const BIN = resolve(import.meta.dirname, '../../bin/swarmperf.js');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], cwd: string): Promise<Result> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, SWARMPERF_HOME: join(cwd, 'home') }, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

describe('report and bottlenecks commands', () => {
  let dir: string;
  let runFile: string;
  let dataDir: string;
  let troubled: RunResult;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'swarmperf-report-cli-'));
    troubled = troubledRun();
    runFile = join(dir, 'run.json');
    // As an outside tool might write it: no findings yet; report computes them.
    writeFileSync(runFile, JSON.stringify(troubled));
    dataDir = join(dir, 'data');
    const h = openHistory(join(dataDir, 'history.db'));
    try {
      for (const r of historyRuns()) h.record(r);
      h.record(troubled);
    } finally {
      h.close();
    }
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('renders every format from a RunResult file, without a history', async () => {
    const [md, html, json, csv, bmf, gab, prom] = await Promise.all(
      ['markdown', 'html', 'json', 'csv', 'bmf', 'gab', 'prom'].map((f) => cli(['report', '--input', runFile, '--no-history', '--format', f], dir)),
    );
    for (const r of [md, html, json, csv, bmf, gab, prom]) expect(r!.stderr).toBe('');
    expect(md!.code).toBe(0);
    expect(md!.stdout).toContain('## Findings');
    expect(md!.stdout).toContain('lock-contention');
    expect(md!.stdout).toContain('No history to compare with yet');
    expect(md!.stdout).not.toContain('<script>');
    expect(html!.stdout.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html!.stdout).toContain('&lt;script&gt;window.__pwned=1&lt;/script&gt;');
    expect((JSON.parse(json!.stdout) as RunResult).id).toBe(troubled.id);
    expect(csv!.stdout.split('\r\n')[0]).toBe('run_id,started_at,suite,backend,operation,stat,metric,value,unit,direction');
    expect(Object.keys(JSON.parse(bmf!.stdout) as object)).toContain('tasks.claim');
    expect((JSON.parse(gab!.stdout) as Array<{ name: string }>).map((e) => e.name)).toContain('tasks.claim.p99');
    expect(prom!.stdout).toMatch(/^# TYPE swarmperf_operation_latency_seconds summary$/m);
  });

  it('writes markdown with SVG charts beside --out, and html to --out', async () => {
    const out = join(dir, 'out', 'report.md');
    // Output folders are not created (issue 12): the report's folder must exist first.
    expect((await cli(['report', '--input', runFile, '--no-history', '--charts', '--out', out], dir)).code).toBe(2);
    mkdirSync(join(dir, 'out'));
    const r = await cli(['report', '--input', runFile, '--no-history', '--charts', '--out', out], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const charts = readdirSync(join(dir, 'out', 'report-charts'));
    expect(charts.filter((f) => f.endsWith('.svg')).length).toBeGreaterThanOrEqual(15);
    const text = readFileSync(out, 'utf8');
    for (const c of charts) expect(text).toContain(`](report-charts/${c})`);
    const mermaid = await cli(['report', '--input', runFile, '--no-history', '--charts'], dir);
    expect(mermaid.stdout).toContain('```mermaid\nxychart-beta');
    const htmlOut = join(dir, 'out', 'report.html');
    expect((await cli(['report', '--input', runFile, '--no-history', '--format', 'html', '--out', htmlOut], dir)).code).toBe(0);
    expect(readFileSync(htmlOut, 'utf8')).toContain('<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="s0-spectrum"');
  });

  it('reads the history: latest by default, a reference, --last N, with trends', async () => {
    const [latest, back, last, lastProm] = await Promise.all([
      cli(['report', '--data-dir', dataDir], dir),
      cli(['report', 'latest~1', '--data-dir', dataDir, '--format', 'json'], dir),
      cli(['report', '--last', '3', '--data-dir', dataDir, '--format', 'json'], dir),
      cli(['report', '--last', '2', '--data-dir', dataDir, '--format', 'prom'], dir),
    ]);
    expect(latest.code).toBe(0);
    expect(latest.stdout).toContain(`run \`${troubled.id}\``);
    expect(latest.stdout).toMatch(/\| tasks\.claim\.p99 \| 17 \|/);
    expect((JSON.parse(back.stdout) as RunResult).id).toBe('20251216-120000-cccc15');
    const lastRuns = JSON.parse(last.stdout) as RunResult[];
    expect(lastRuns.map((r) => r.id)).toEqual(['20251215-120000-cccc14', '20251216-120000-cccc15', troubled.id]);
    expect(lastProm.code).toBe(2);
    expect(lastProm.stderr).toMatch(/--format prom describes one run/);
  });

  it('bottlenecks: findings of a run, filtered by component, as a CI gate', async () => {
    const [all, claim, json, gate, none] = await Promise.all([
      cli(['bottlenecks', '--data-dir', dataDir], dir),
      cli(['bottlenecks', '--input', runFile, '--no-history', '--component', 'tasks/claim'], dir),
      cli(['bottlenecks', '--input', runFile, '--no-history', '--component', 'bus', '--json'], dir),
      cli(['bottlenecks', '--input', runFile, '--no-history', '--fail-on', 'critical'], dir),
      cli(['bottlenecks', 'latest~1', '--data-dir', dataDir, '--fail-on', 'warning'], dir),
    ]);
    expect(all.code).toBe(0);
    expect(all.stdout).toContain('✗ critical open-loop-saturation · bus/publish');
    expect(claim.stdout).toContain('latency-tail · tasks/claim');
    expect(claim.stdout).not.toContain('bus/publish');
    const parsed = JSON.parse(json.stdout) as { run: string; findings: Array<{ kind: string; component: string }> };
    expect(parsed.findings.map((f) => f.kind).sort()).toEqual(['dropped-operations', 'open-loop-saturation']);
    expect(gate.code).toBe(1);
    expect(gate.stderr).toMatch(/finding\(s\) at or above critical/);
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('no bottleneck findings');
    // Outside names reach the terminal with control characters made visible.
    expect(all.stdout).toContain(`${HOSTILE.suite}/<img src=x onerror="window.__pwned=2">|a,"b"\\n# x`);
  });

  it('rejects bad input with one message and exit 2', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"schemaVersion": 1, "id": 5}');
    const results = await Promise.all([
      cli(['report', '--input', runFile, '--no-history', '--format', 'pdf'], dir),
      cli(['report', '--input', join(dir, 'missing.json'), '--no-history'], dir),
      cli(['report', '--input', bad, '--no-history'], dir),
      cli(['report', '--data-dir', join(dir, 'empty')], dir),
      cli(['report', 'nosuchrun', '--data-dir', dataDir], dir),
      cli(['report', '--input', runFile, '--no-history', '--format', 'csv', '--charts'], dir),
      cli(['bottlenecks', '--input', runFile, '--no-history', '--fail-on', 'sometimes'], dir),
    ]);
    const expected = [
      /--format: expected one of markdown, html, json, csv, bmf, gab, prom, got "pdf"/,
      /--input .*missing\.json: cannot read/,
      /--input .*bad\.json: not a swarmperf RunResult: id: /,
      /no history at .*empty.*history\.db/,
      /run "nosuchrun": no such run/,
      /--charts: only the markdown format/,
      /--fail-on: expected warning or critical, got "sometimes"/,
    ];
    results.forEach((r, i) => {
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(expected[i]!);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stdout).toBe('');
    });
    expect(existsSync(join(dir, 'empty'))).toBe(false);
  });
});
