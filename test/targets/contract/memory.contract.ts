import { afterEach, describe, expect, it } from 'vitest';
import type { Backend } from '../../../src/targets/ports.js';
import { backendFixture, rejectionOf, type MakeBackend } from './harness.js';

async function seed(backend: Backend, fullKeys: Record<string, string>): Promise<void> {
  for (const [full, value] of Object.entries(fullKeys)) {
    const i = full.indexOf('/');
    await backend.memory.store(full.slice(0, i), full.slice(i + 1), value);
  }
}

async function keysOf(p: unknown): Promise<string[]> {
  return ((await p) as { fullKey: string }[]).map((e) => e.fullKey);
}

export function describeMemoryStoreContract(name: string, make: MakeBackend): void {
  describe(`MemoryStore contract · ${name}`, () => {
    const fx = backendFixture(make);
    afterEach(() => fx.closeAll());

    it('stores and retrieves by namespace and key, with the full key', async () => {
      const { backend, clock } = await fx.open();
      const e = await backend.memory.store('performance', 'analyzer/bench-789/results', '{"p99":12.5}');
      expect(e).toEqual({
        namespace: 'performance',
        key: 'analyzer/bench-789/results',
        fullKey: 'performance/analyzer/bench-789/results',
        value: '{"p99":12.5}',
        createdAt: clock.t,
        updatedAt: clock.t,
        expiresAt: null,
      });
      expect(await backend.memory.retrieve('performance', 'analyzer/bench-789/results')).toEqual(e);
      expect(await backend.memory.retrieve('performance', 'missing')).toBeNull();
      expect(await backend.memory.retrieve('nowhere', 'analyzer/bench-789/results')).toBeNull();
    });

    it('overwriting keeps createdAt and moves updatedAt', async () => {
      const { backend, clock } = await fx.open();
      const first = await backend.memory.store('ns', 'k', 'v1');
      clock.advance(500);
      const second = await backend.memory.store('ns', 'k', 'v2');
      expect(second).toMatchObject({ value: 'v2', createdAt: first.createdAt, updatedAt: clock.t });
      expect((await backend.memory.retrieve('ns', 'k'))?.value).toBe('v2');
    });

    it('namespaces are isolated: same key, separate values; clear touches one namespace', async () => {
      const { backend } = await fx.open();
      await backend.memory.store('alpha', 'shared/key', 'A');
      await backend.memory.store('beta', 'shared/key', 'B');
      await backend.memory.store('alpha', 'other', 'A2');
      expect((await backend.memory.retrieve('alpha', 'shared/key'))?.value).toBe('A');
      expect((await backend.memory.retrieve('beta', 'shared/key'))?.value).toBe('B');
      expect(await backend.memory.clear('alpha')).toBe(2);
      expect(await backend.memory.retrieve('alpha', 'shared/key')).toBeNull();
      expect((await backend.memory.retrieve('beta', 'shared/key'))?.value).toBe('B');
      expect(await backend.memory.clear('alpha')).toBe(0);
      // A namespace that is a prefix of another is still a different namespace.
      await backend.memory.store('perf', 'x', '1');
      await backend.memory.store('performance', 'x', '2');
      expect(await keysOf(backend.memory.list('perf'))).toEqual(['perf/x']);
    });

    it('delete reports whether the entry existed', async () => {
      const { backend } = await fx.open();
      await backend.memory.store('ns', 'k', 'v');
      expect(await backend.memory.delete('ns', 'k')).toBe(true);
      expect(await backend.memory.delete('ns', 'k')).toBe(false);
      expect(await backend.memory.retrieve('ns', 'k')).toBeNull();
    });

    it('list returns one namespace, filtered by key prefix, sorted by key', async () => {
      const { backend } = await fx.open();
      await seed(backend, { 'ns/b/2': '1', 'ns/a/1': '1', 'ns/b/1': '1', 'ns/c': '1', 'other/b/9': '1', 'ns/b%_x': '1' });
      expect(await keysOf(backend.memory.list('ns'))).toEqual(['ns/a/1', 'ns/b%_x', 'ns/b/1', 'ns/b/2', 'ns/c']);
      expect(await keysOf(backend.memory.list('ns', 'b/'))).toEqual(['ns/b/1', 'ns/b/2']);
      // SQL LIKE metacharacters in a prefix are literal.
      expect(await keysOf(backend.memory.list('ns', 'b%'))).toEqual(['ns/b%_x']);
      expect(await keysOf(backend.memory.list('ns', 'zzz'))).toEqual([]);
      expect(await keysOf(backend.memory.list('empty'))).toEqual([]);
    });

    it('search: * stays within one segment, ** crosses segments, ? is one character', async () => {
      const { backend } = await fx.open();
      await seed(backend, {
        'performance/analyzer/bench-789/results': 'r1',
        'performance/analyzer/bench-790/results': 'r2',
        'performance/analyzer/summary': 's',
        'performance/results': 'top',
        'swarm/config': 'c1',
        'hive/config': 'c2',
        'hive/deep/config': 'c3',
      });
      expect(await keysOf(backend.memory.search('performance/*'))).toEqual(['performance/results']);
      expect(await keysOf(backend.memory.search('performance/analyzer/*'))).toEqual(['performance/analyzer/summary']);
      expect(await keysOf(backend.memory.search('performance/**'))).toEqual([
        'performance/analyzer/bench-789/results',
        'performance/analyzer/bench-790/results',
        'performance/analyzer/summary',
        'performance/results',
      ]);
      expect(await keysOf(backend.memory.search('performance/analyzer/*/results'))).toEqual(['performance/analyzer/bench-789/results', 'performance/analyzer/bench-790/results']);
      expect(await keysOf(backend.memory.search('performance/**/results'))).toEqual([
        'performance/analyzer/bench-789/results',
        'performance/analyzer/bench-790/results',
        'performance/results',
      ]);
      expect(await keysOf(backend.memory.search('performance/analyzer/bench-78?/results'))).toEqual(['performance/analyzer/bench-789/results']);
      expect(await keysOf(backend.memory.search('*/config'))).toEqual(['hive/config', 'swarm/config']);
      expect(await keysOf(backend.memory.search('**/config'))).toEqual(['hive/config', 'hive/deep/config', 'swarm/config']);
      expect(await keysOf(backend.memory.search('perf*/**'))).toHaveLength(4);
      expect(await keysOf(backend.memory.search('perf/**'))).toEqual([]);
      // Regex and SQL metacharacters are literal.
      expect(await keysOf(backend.memory.search('performance/analyzer/bench-7.9/results'))).toEqual([]);
      expect(await keysOf(backend.memory.search('performance/%'))).toEqual([]);
    });

    it('search query matches values case-insensitively', async () => {
      const { backend } = await fx.open();
      await seed(backend, { 'a/1': 'Database is LOCKED', 'a/2': 'all good', 'b/3': 'database is locked again', 'a/4': 'Ünïcode DATA' });
      expect(await keysOf(backend.memory.search('**', 'database is locked'))).toEqual(['a/1', 'b/3']);
      expect(await keysOf(backend.memory.search('a/*', 'LOCKED'))).toEqual(['a/1']);
      expect(await keysOf(backend.memory.search('**', 'ünïcode'))).toEqual(['a/4']);
      expect(await keysOf(backend.memory.search('**', 'absent'))).toEqual([]);
    });

    it('TTL: an entry lives until now reaches expiresAt, then no read returns it', async () => {
      const { backend, clock } = await fx.open();
      const e = await backend.memory.store('session', 'token', 'secret', 30_000);
      await backend.memory.store('session', 'forever', 'kept');
      expect(e.expiresAt).toBe(clock.t + 30_000);
      clock.advance(29_999);
      expect((await backend.memory.retrieve('session', 'token'))?.value).toBe('secret');
      clock.advance(1);
      expect(await backend.memory.retrieve('session', 'token')).toBeNull();
      expect(await keysOf(backend.memory.list('session'))).toEqual(['session/forever']);
      expect(await keysOf(backend.memory.search('session/**', 'secret'))).toEqual([]);
      expect(await keysOf(backend.memory.export())).toEqual(['session/forever']);
      expect(await backend.memory.delete('session', 'token')).toBe(false);
    });

    it('purgeExpired deletes expired entries only; a re-store after expiry starts a new entry', async () => {
      const { backend, clock } = await fx.open();
      await backend.memory.store('ns', 'short', 'x', 1000);
      await backend.memory.store('ns', 'long', 'x', 100_000);
      await backend.memory.store('ns', 'again', 'x', 1000);
      clock.advance(2000);
      const renewed = await backend.memory.store('ns', 'again', 'y');
      expect(renewed).toMatchObject({ createdAt: clock.t, expiresAt: null });
      expect(await backend.memory.purgeExpired()).toBe(1);
      expect(await backend.memory.purgeExpired()).toBe(0);
      expect(await keysOf(backend.memory.list('ns'))).toEqual(['ns/again', 'ns/long']);
      expect(await backend.memory.clear('ns')).toBe(2);
    });

    it('export/import round-trips every field, into another backend', async () => {
      const { backend: a, clock } = await fx.open();
      await seed(a, { 'performance/analyzer/bench-789/results': '{"p50":1}', 'swarm/config': 'x' });
      await a.memory.store('ns', 'ttl', 'soon', 60_000);
      await a.memory.store('ns', 'unicode', 'päyload ✓ "quotes" \\ and\nnewline');
      const exported = await a.memory.export();
      expect(exported.map((e) => e.fullKey)).toEqual(['ns/ttl', 'ns/unicode', 'performance/analyzer/bench-789/results', 'swarm/config']);
      const { backend: b, clock: clockB } = await fx.open();
      clockB.t = clock.t;
      expect(await b.memory.import(JSON.parse(JSON.stringify(exported)))).toBe(4);
      expect(await b.memory.export()).toEqual(exported);
    });

    it('import overwrites same full keys and is all-or-nothing on a bad entry', async () => {
      const { backend } = await fx.open();
      await backend.memory.store('ns', 'k', 'old');
      const good = { namespace: 'ns', key: 'k', fullKey: 'ns/k', value: 'new', createdAt: 1, updatedAt: 2, expiresAt: null };
      expect(await backend.memory.import([good])).toBe(1);
      expect(await backend.memory.retrieve('ns', 'k')).toMatchObject({ value: 'new', createdAt: 1, updatedAt: 2 });
      const bad = { namespace: 'has/slash', key: 'k', fullKey: 'x', value: 'v', createdAt: 1, updatedAt: 1, expiresAt: null };
      const fresh = { ...good, key: 'fresh', fullKey: 'ns/fresh' };
      const err = await rejectionOf(() => backend.memory.import([fresh, bad]));
      expect(err.code).toBe('INVALID_ARGUMENT');
      expect(err.message).toMatch(/entry 1/);
      expect(await backend.memory.retrieve('ns', 'fresh')).toBeNull();
    });

    it('rejects invalid namespaces, keys, TTLs and patterns', async () => {
      const { backend } = await fx.open();
      for (const call of [
        () => backend.memory.store('', 'k', 'v'),
        () => backend.memory.store('a/b', 'k', 'v'),
        () => backend.memory.store('ns', '', 'v'),
        () => backend.memory.store('ns', 'bad\nkey', 'v'),
        () => backend.memory.store('ns', 'k', 'v', 0),
        () => backend.memory.store('ns', 'k', 'v', -5),
      ]) {
        expect((await rejectionOf(call)).code).toBe('INVALID_ARGUMENT');
      }
      expect((await rejectionOf(() => backend.memory.search(''))).code).toBe('GLOB_SYNTAX');
      expect(await backend.memory.export()).toEqual([]);
    });
  });
}
