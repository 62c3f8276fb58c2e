/** `swarmperf memory ...` end to end: the built CLI (dist/) against a temp data folder. */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';

function memory(dir: string, ...args: string[]): ReturnType<typeof runCli> {
  return runCli(['memory', ...args, '--data-dir', dir]);
}

describe('swarmperf memory', () => {
  it('store, retrieve, search, list, delete and clear on the default sqlite backend', () => {
    const dir = tempDir('swarmperf-memcli-');
    expect(memory(dir, 'store', '--key', 'performance/analyzer/bench-789/results', '--value', '{"p99":12.5}').status).toBe(0);
    expect(memory(dir, 'store', '--key', 'performance/analyzer/bench-790/results', '--value', 'Database is LOCKED').status).toBe(0);
    expect(memory(dir, 'store', '--key', 'swarm/config', '--value', 'topology=mesh', '--ttl', '1h').status).toBe(0);
    expect(existsSync(join(dir, 'coordination.db'))).toBe(true);

    const got = memory(dir, 'retrieve', '--key', 'performance/analyzer/bench-789/results');
    expect(got.status).toBe(0);
    expect(got.stdout).toBe('{"p99":12.5}\n'); // the value alone

    const search = memory(dir, 'search', '--pattern', 'performance/**', '--query', 'locked', '--json');
    expect(search.status).toBe(0);
    const found = JSON.parse(search.stdout) as { key: string; namespace: string; value: string }[];
    expect(found).toEqual([expect.objectContaining({ key: 'performance/analyzer/bench-790/results', namespace: 'performance', value: 'Database is LOCKED' })]);

    const oneSegment = JSON.parse(memory(dir, 'search', '--pattern', 'performance/*', '--json').stdout) as unknown[];
    expect(oneSegment).toEqual([]);
    const list = JSON.parse(memory(dir, 'list', '--json').stdout) as { key: string; expiresAt: number | null }[];
    expect(list.map((e) => e.key)).toEqual(['performance/analyzer/bench-789/results', 'performance/analyzer/bench-790/results', 'swarm/config']);
    expect(list[2]!.expiresAt).toBeGreaterThan(Date.now() + 3_500_000);
    expect(memory(dir, 'list', '--pattern', '*/config').stdout).toMatch(/^swarm\/config\s+13 chars\s+\(expires /);

    expect(memory(dir, 'delete', '--key', 'swarm/config').status).toBe(0);
    const again = memory(dir, 'delete', '--key', 'swarm/config');
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/no entry swarm\/config/);
    const cleared = memory(dir, 'clear', '--namespace', 'performance');
    expect(cleared.stdout).toMatch(/cleared 2 entries from namespace performance/);
    const missing = memory(dir, 'retrieve', '--key', 'performance/analyzer/bench-789/results');
    expect(missing.status).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toMatch(/no entry performance\/analyzer\/bench-789\/results/);
  });

  it('export then import round-trips into another backend (jsonfile); flags work before or after the subcommand', () => {
    const dir = tempDir('swarmperf-memcli-');
    memory(dir, 'store', '--key', 'performance/analyzer/bench-789/results', '--value', 'päyload ✓\nline 2');
    memory(dir, 'store', '--key', 'hive/config', '--value', 'x');
    const file = join(dir, 'export', 'memory.json');
    // Output folders are not created (issue 12): the folder must exist first.
    expect(memory(dir, 'export', file).stderr).toMatch(/does not exist/);
    mkdirSync(join(dir, 'export'));
    const exp = memory(dir, 'export', file);
    expect(exp.status).toBe(0);
    const written = JSON.parse(readFileSync(file, 'utf8')) as { format: string; entries: { key: string }[] };
    expect(written.format).toBe('swarmperf-memory');
    expect(written.entries.map((e) => e.key)).toEqual(['hive/config', 'performance/analyzer/bench-789/results']);

    const imp = runCli(['memory', '--backend', 'jsonfile', '--data-dir', dir, 'import', file]);
    expect(imp.status).toBe(0);
    expect(imp.stderr).toMatch(/imported 2 entries/);
    const value = runCli(['memory', 'retrieve', '--backend', 'jsonfile', '--data-dir', dir, '--key', 'performance/analyzer/bench-789/results']);
    expect(value.stdout).toBe('päyload ✓\nline 2\n');
    expect(existsSync(join(dir, 'coordination-json', 'memory.json'))).toBe(true);
    // Exporting again from jsonfile gives the same entries as from sqlite.
    const back = runCli(['memory', 'export', '-', '--backend', 'jsonfile', '--data-dir', dir]);
    expect((JSON.parse(back.stdout) as { entries: unknown[] }).entries).toEqual((written as unknown as { entries: unknown[] }).entries);
  });

  it('a bad import file names the file and entry, exits 1 and imports nothing', () => {
    const dir = tempDir('swarmperf-memcli-');
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify([{ key: 'a/ok', value: '1' }, { key: 'b/ok', value: '2' }, { key: 'no-slash', value: '3' }]));
    const r = memory(dir, 'import', bad);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${bad}: entry 2 (key)`);
    expect(r.stderr).toMatch(/has no "\/"/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(memory(dir, 'list', '--json').stdout)).toEqual([]);

    writeFileSync(bad, JSON.stringify({ format: 'swarmperf-memory', version: 1, entries: [{ key: 'a/b', value: 7 }] }));
    expect(memory(dir, 'import', bad).stderr).toMatch(/entry 0 \(value\).*expected string/);
    writeFileSync(bad, '{"format": "swarmperf-memory", "entries": [');
    expect(memory(dir, 'import', bad).stderr).toMatch(/bad\.json: not valid JSON/);
    writeFileSync(bad, JSON.stringify([{ key: 'a/b', value: '1' }, { key: 'a/b', value: '2' }]));
    expect(memory(dir, 'import', bad).stderr).toMatch(/entry 1: key "a\/b" already appears in entry 0/);
    const missing = memory(dir, 'import', join(dir, 'nope.json'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/cannot read .*nope\.json/);
  });

  it.each([
    [['store', '--key', 'nokey', '--value', 'v'], /--key: expected a full key namespace\/key .*"nokey": it has no "\/"/],
    [['store', '--key', '/k', '--value', 'v'], /--key: .*namespace before "\/" is empty/],
    [['store', '--key', 'ns/', '--value', 'v'], /--key: .*key after "\/" is empty/],
    [['store', '--key', 'a/b'], /--value: required/],
    [['store', '--key', 'a/b', '--value', 'v', '--ttl', 'soon'], /--ttl: expected a duration/],
    [['retrieve'], /--key: required/],
    [['search'], /--pattern: required/],
    [['search', '--pattern', 'a/\\'], /--pattern: pattern "a\/\\": trailing/],
    [['clear', '--namespace', 'a/b'], /--namespace: memory namespace "a\/b" must not contain "\/"/],
    [['list', '--backend', 'mongodb'], /--backend: unknown backend "mongodb"/],
    [['list', '--backend', 'sqlite?busyTimeout=abc'], /--backend: busyTimeout .* must be a whole number/],
    [['list', '--backend', 'sqlite?nope=1'], /--backend: unknown sqlite option "nope"/],
  ])('usage error %j → exit 2 with one clear line', (args, message) => {
    const dir = tempDir('swarmperf-memcli-');
    const r = memory(dir, ...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it('keys that look like paths never write outside the data folder', () => {
    const parent = tempDir('swarmperf-memcli-');
    const dir = join(parent, 'data');
    for (const key of ['../../escape/x', 'ns/../../../etc/passwd', '..//..']) {
      const r = memory(dir, 'store', '--key', key, '--value', 'v', '--backend', 'jsonfile');
      expect(r.status).toBe(0);
    }
    expect(readdirSync(parent)).toEqual(['data']);
    expect(readdirSync(dir)).toEqual(['coordination-json']);
    const keys = (JSON.parse(memory(dir, 'list', '--json', '--backend', 'jsonfile').stdout) as { key: string }[]).map((e) => e.key);
    expect(keys).toEqual(['../../escape/x', '..//..', 'ns/../../../etc/passwd']);
  });
});
