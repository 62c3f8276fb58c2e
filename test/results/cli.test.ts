/** End to end through the built CLI (dist/; `npm test` builds first). */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { syntheticRun } from './fixtures.js';

const BIN = resolve(import.meta.dirname, '../../bin/swarmperf.js');

function cli(args: string[], cwd: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, SWARMPERF_HOME: join(cwd, 'data') }, timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('alerts per configuration on the command line', () => {
  it('a rule is checked against the latest run of its configuration; --across checks the latest run with a warning', () => {
    const dir = mkdtempSync(join(os.tmpdir(), 'swarmperf-cli-alerts-'));
    const at = (i: number): string => new Date(Date.UTC(2026, 5, 1) + i * 60_000).toISOString();
    // Two setups of the tasks suite: memory, 4 agents (fast claims) and then sqlite, 8 agents (slow).
    const memory = syntheticRun({ seed: 201, startedAt: at(0), ops: [{ name: 'claim', medianUs: 500, sigma: 0.1 }] });
    memory.config = { ...memory.config, agents: 4 };
    const sqlite = syntheticRun({ seed: 202, startedAt: at(1), ops: [{ name: 'claim', medianUs: 20_000, sigma: 0.1 }] });
    sqlite.config = { ...sqlite.config, agents: 8 };
    sqlite.suites[0]!.backend = 'sqlite:/x.db';
    writeFileSync(join(dir, 'memory.json'), JSON.stringify([memory]));
    writeFileSync(join(dir, 'sqlite.json'), JSON.stringify([sqlite]));
    expect(cli(['history', 'import', 'memory.json'], dir).code).toBe(0);
    // The rule is set while the memory run is the latest: it is for the memory configuration.
    let r = cli(['alerts', 'add', 'tasks.claim.p99 < 5ms'], dir);
    expect(r.stdout).toMatch(/added #1: tasks\.claim\.p99 < 5ms .*\(for configuration [0-9a-f]{10}\)/);
    expect(cli(['history', 'import', 'sqlite.json'], dir).code).toBe(0);
    // The newest run is sqlite: the rule is checked against the latest memory run, and holds.
    r = cli(['alerts', 'check'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`✓ #1 tasks.claim.p99 < 5ms`);
    expect(r.stdout).toContain(`[run ${memory.id}, the latest of the rule's configuration]`);
    // The sqlite run named: the rule is not for it, so it is not checked (and does not fail).
    r = cli(['alerts', 'check', sqlite.id], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/– #1 tasks\.claim\.p99 < 5ms: not checked: the rule is for configuration/);
    // --across: checked against the latest run whatever its configuration — a breach, with a warning.
    r = cli(['alerts', 'check', '--across', '--json'], dir);
    expect(r.code).toBe(1);
    const c = JSON.parse(r.stdout) as { across: boolean; evaluations: Array<{ status: string; runId: string }> };
    expect(c.across).toBe(true);
    expect(c.evaluations[0]).toMatchObject({ status: 'breach', runId: sqlite.id });
    expect(r.stderr).toMatch(/warning: --across: rules are checked against a run of any configuration/);
  });
});

describe('history, compare, trends, alerts on the command line', () => {
  it('imports runs, lists them, compares, checks alerts, and refuses a foreign history', () => {
    const dir = mkdtempSync(join(os.tmpdir(), 'swarmperf-cli-'));
    const runs = Array.from({ length: 8 }, (_, i) => syntheticRun({ seed: 100 + i, ops: [{ name: 'claim', medianUs: i < 7 ? 1000 : 1400, sigma: 0.2, samples: 3000 }] }));
    writeFileSync(join(dir, 'runs.json'), JSON.stringify(runs));
    let r = cli(['history', 'import', 'runs.json'], dir);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/imported 8 run\(s\)/);
    expect(cli(['history', 'import', 'runs.json'], dir).stdout).toMatch(/imported 0 run\(s\), 8 already in the history/);

    r = cli(['history', '--json'], dir);
    const list = JSON.parse(r.stdout) as Array<{ id: string; startedAt: string; suites: string[] }>;
    expect(list.map((x) => x.id)).toEqual(runs.map((x) => x.id));
    expect(list[0]).toMatchObject({ suites: ['tasks'] });

    r = cli(['compare', '--json', '--fail-on-regression'], dir);
    expect(r.code).toBe(1);
    const c = JSON.parse(r.stdout) as { base: { id: string }; head: { id: string }; metrics: Array<{ metric: string; verdict: string }> };
    expect(c.base.id).toBe(runs[6]!.id);
    expect(c.head.id).toBe(runs[7]!.id);
    expect(c.metrics.find((m) => m.metric === 'tasks.claim.p50')?.verdict).toBe('regressed');
    expect(r.stderr).toMatch(/regressed: .*tasks\.claim\.p50/);
    expect(cli(['compare', 'latest~2', 'latest~1', '--metric', 'tasks.claim.p50', '--fail-on-regression'], dir).code).toBe(0);
    expect(cli(['compare', 'nope', 'latest'], dir)).toMatchObject({ code: 2, stderr: expect.stringMatching(/run "nope": no such run/) });

    r = cli(['trends', '--metric', 'tasks.claim.p50', '--json'], dir);
    const trends = JSON.parse(r.stdout) as Array<{ metric: string; points: unknown[]; changePoints: unknown[] }>;
    expect(trends).toHaveLength(1);
    expect(trends[0]!.points).toHaveLength(8);
    expect(cli(['trends', '--since', 'yesterday'], dir)).toMatchObject({ code: 2, stderr: expect.stringMatching(/--since: expected a duration ago/) });

    expect(cli(['alerts', 'add', 'tasks.claim.p50 < 1.2ms'], dir).code).toBe(0);
    expect(existsSync(join(dir, 'data', 'alerts.json'))).toBe(true);
    r = cli(['alerts', 'add', 'tasks.claim.p50 < 1.2mz'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown time unit "mz"/);
    r = cli(['alerts', 'check'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✗ #1 tasks\.claim\.p50 < 1\.2ms: tasks\.claim\.p50 = 1\.\d+ms/);
    expect(cli(['alerts', 'check', 'latest~1'], dir).code).toBe(0);

    const foreign = join(dir, 'notes.db');
    writeFileSync(foreign, 'my notes\n');
    r = cli(['history', '--history', foreign], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${foreign}: not a swarmperf history database`);
    expect(readFileSync(foreign, 'utf8')).toBe('my notes\n');
  }, 120_000);

  it('a measured run lands in the history unless --no-history', () => {
    const dir = mkdtempSync(join(os.tmpdir(), 'swarmperf-cli-run-'));
    const base = ['run', 'selftest', '--duration', '300ms', '--warmup', '0s', '--quiet', '--agents', '1'];
    expect(cli([...base, '--no-history'], dir).code).toBe(0);
    expect(existsSync(join(dir, 'data', 'history.db'))).toBe(false);
    expect(cli([...base, '--tag', 'branch=x'], dir).code).toBe(0);
    const list = JSON.parse(cli(['history', '--json'], dir).stdout) as Array<{ tags: Record<string, string>; command: string }>;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ tags: { branch: 'x' }, command: 'run' });
  }, 60_000);
});

describe('comparable runs only, on the command line', () => {
  it('compare refuses two configurations unless --across (with a warning); history lists backend, agents and configuration', () => {
    const dir = mkdtempSync(join(os.tmpdir(), 'swarmperf-cli-fp-'));
    const runs = Array.from({ length: 4 }, (_, i) => {
      const r = syntheticRun({ seed: 300 + i, ops: [{ name: 'claim', medianUs: 1000, sigma: 0.2, samples: 2000 }] });
      r.config = { ...r.config, agents: i < 3 ? 4 : 8, backend: 'memory', durationUs: 10_000_000 };
      return r;
    });
    writeFileSync(join(dir, 'runs.json'), JSON.stringify(runs));
    expect(cli(['history', 'import', 'runs.json'], dir).code).toBe(0);
    let r = cli(['compare', runs[2]!.id, runs[3]!.id], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/ran different configurations \(agents: 4 → 8\).*--across/);
    r = cli(['compare', runs[2]!.id, runs[3]!.id, '--across'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/warning: --across/);
    // no arguments: the latest run (8 agents) has no earlier run of its configuration
    expect(cli(['compare'], dir)).toMatchObject({ code: 2, stderr: expect.stringMatching(/no earlier run of the latest run's configuration/) });
    r = cli(['compare', runs[1]!.id, runs[2]!.id], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/compared within configuration [0-9a-f]{10}/);
    expect(r.stdout).toMatch(/tasks\.claim\.max .*not tested: the slowest single operation/);
    const list = JSON.parse(cli(['history', '--json'], dir).stdout) as Array<{ backend: string; agents: number; fingerprint: string; passed: boolean }>;
    expect(list.map((x) => x.agents)).toEqual([4, 4, 4, 8]);
    expect(new Set(list.map((x) => x.fingerprint)).size).toBe(2);
    expect(list[0]).toMatchObject({ backend: 'memory', passed: true });
    expect(cli(['history'], dir).stdout).toMatch(/backend\s+agents\s+duration\s+result\s+config/);
  }, 120_000);
});
