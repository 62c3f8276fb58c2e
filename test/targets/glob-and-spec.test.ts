import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/parse.js';
import { openBackend, parseBackendSpec } from '../../src/targets/backend.js';
import { compileGlob } from '../../src/targets/glob.js';
import { parseMemoryFile, serializeMemoryFile } from '../../src/targets/memory-file.js';

describe('compileGlob', () => {
  it.each([
    ['performance/*', 'performance/results', true],
    ['performance/*', 'performance/a/results', false],
    ['performance/**', 'performance/a/b/c', true],
    ['performance/**', 'performance', false],
    ['a/**/b', 'a/b', true],
    ['a/**/b', 'a/x/y/b', true],
    ['a/**/b', 'a/xb', false],
    ['a/**b', 'a/x/yb', true],
    ['**', 'anything/at/all', true],
    ['a/?', 'a/x', true],
    ['a/?', 'a/xy', false],
    ['a/?', 'a//', false],
    ['a/??', 'a/✓✓', true],
    ['a/\\*', 'a/*', true],
    ['a/\\*', 'a/x', false],
    ['a.b/(c)+[d]', 'a.b/(c)+[d]', true],
    ['a.b/*', 'axb/c', false],
    ['ns/line*', 'ns/line\nbreak', true],
  ])('%s vs %j → %s', (pattern, key, expected) => {
    expect(compileGlob(pattern).test(key)).toBe(expected);
  });

  it('exposes the literal prefix for index narrowing', () => {
    expect(compileGlob('performance/analyzer/*/results').literalPrefix).toBe('performance/analyzer/');
    expect(compileGlob('perf*').literalPrefix).toBe('perf');
    expect(compileGlob('**').literalPrefix).toBe('');
    expect(compileGlob('a\\*b/*').literalPrefix).toBe('a*b/');
  });

  it('rejects an empty pattern and a dangling escape', () => {
    expect(() => compileGlob('')).toThrow(/empty pattern/);
    expect(() => compileGlob('a\\')).toThrow(/trailing "\\" escapes nothing/);
  });
});

describe('parseBackendSpec / openBackend', () => {
  it('resolves defaults inside the data folder and explicit paths from the working directory', () => {
    expect(parseBackendSpec('memory', '/data')).toEqual({ kind: 'memory', tuning: {} });
    expect(parseBackendSpec('sqlite', '/data')).toEqual({ kind: 'sqlite', location: join('/data', 'coordination.db'), tuning: {} });
    expect(parseBackendSpec('sqlite:rel/x.db?busyTimeout=50&retries=0&pollMs=2', '/data')).toEqual({
      kind: 'sqlite',
      location: resolve('rel/x.db'),
      tuning: { busyTimeoutMs: 50, retries: 0, pollMs: 2 },
    });
    expect(parseBackendSpec('sqlite?busyTimeout=5', '/data').location).toBe(join('/data', 'coordination.db'));
    expect(parseBackendSpec('sqlite?busyWait=spin&busyTimeout=20', '/data').tuning).toEqual({ busyWait: 'spin', busyTimeoutMs: 20 });
    expect(parseBackendSpec('sqlite:/tmp/x.db?busyWait=sqlite', '/data').tuning).toEqual({ busyWait: 'sqlite' });
    expect(parseBackendSpec('jsonfile', '/data')).toEqual({ kind: 'jsonfile', location: join('/data', 'coordination-json'), tuning: {} });
    expect(parseBackendSpec('jsonfile:/tmp/j?lockTimeout=10&staleLock=99', '/data')).toEqual({ kind: 'jsonfile', location: '/tmp/j', tuning: { lockTimeoutMs: 10, staleLockMs: 99 } });
  });

  it.each([
    ['mongodb', /unknown backend "mongodb"/],
    ['', /unknown backend ""/],
    ['sqlite:', /empty path/],
    ['memory:/x', /memory backend takes no path/],
    ['memory?x=1', /unknown memory option "x".*known: retainCompleted/],
    ['sqlite?busyTimeout=-1', /busyTimeout .* must be a whole number/],
    ['jsonfile?busyTimeout=1', /unknown jsonfile option "busyTimeout".*known: lockTimeout/],
    ['sqlite?busyWait=yield', /busyWait in "sqlite\?busyWait=yield" must be one of sqlite, spin, got "yield"/],
    ['sqlite?busyWait', /busyWait .* must be one of sqlite, spin, got ""/],
    ['sqlite?busyWait=SPIN', /must be one of sqlite, spin/],
    ['jsonfile?busyWait=spin', /unknown jsonfile option "busyWait"/],
    ['sqlite?busywait=spin', /unknown sqlite option "busywait".*known: busyTimeout, retries, pollMs, retentionMs, busyWait/],
  ])('rejects %j with a UsageError naming --backend', async (spec, message) => {
    const err = await openBackend(spec, '/data').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/^--backend: /);
    expect((err as Error).message).toMatch(message);
  });

  it('opens a memory backend named "memory"', async () => {
    const b = await openBackend('memory', '/nonexistent');
    expect(b.name).toBe('memory');
    await b.close();
  });
});

describe('memory export file', () => {
  it('serializes with full keys and parses back', () => {
    const entries = [{ namespace: 'performance', key: 'a/b', fullKey: 'performance/a/b', value: 'v', createdAt: 1, updatedAt: 2, expiresAt: 3 }];
    const text = serializeMemoryFile(entries, new Date(0));
    expect(JSON.parse(text)).toMatchObject({ format: 'swarmperf-memory', version: 1, entries: [{ key: 'performance/a/b', value: 'v' }] });
    expect(parseMemoryFile(text, 'f.json', 99)).toEqual(entries);
  });

  it('fills missing timestamps and rejects a namespace that disagrees with the key', () => {
    expect(parseMemoryFile('[{"key":"a/b","value":"v"}]', 'f', 42)).toEqual([{ namespace: 'a', key: 'b', fullKey: 'a/b', value: 'v', createdAt: 42, updatedAt: 42, expiresAt: null }]);
    expect(() => parseMemoryFile('[{"key":"a/b","value":"v","namespace":"z"}]', 'f.json', 0)).toThrow(/f\.json: entry 0: namespace "z" does not match key "a\/b"/);
    expect(() => parseMemoryFile('{"format":"other","version":1,"entries":[]}', 'f.json', 0)).toThrow(/f\.json: /);
  });
});
