import { describe, expect, it } from 'vitest';
import { openBackend } from '../../src/targets/backend.js';
import { toRedisMatch } from '../../src/targets/redis/memory-store.js';
import { compileGlob } from '../../src/targets/glob.js';
import { describeBackendContract, describeMessageBusContract } from './contract/index.js';
import { cleaningUp, describeServer, freshBackendFactory, freshSpec, describeSuitesOn } from './servers.js';

await describeServer('redis', () => {
  describeBackendContract('redis (streams bus)', freshBackendFactory('redis'));
  describeSuitesOn('redis');
  // The variant changes only the bus: its port's contract is the one to hold it to.
  describeMessageBusContract('redis (bus=pubsub)', freshBackendFactory('redis', 'bus=pubsub'));

  describe('namespaces', () => {
    it('reset() removes only its own namespace; counters survive it', async () => {
      const spec = freshSpec('redis');
      const mine = cleaningUp(await openBackend(spec, '/unused'));
      const other = cleaningUp(await openBackend(freshSpec('redis'), '/unused'));
      try {
        await other.memory.store('ns', 'k', 'theirs');
        await other.tasks.create({ title: 'theirs', priority: 1 });
        await mine.memory.store('ns', 'k', 'mine');
        const before = await mine.tasks.create({ title: 'mine', priority: 1 });
        await mine.reset();
        expect(await mine.memory.retrieve('ns', 'k')).toBeNull();
        expect(await mine.tasks.list()).toEqual([]);
        expect((await other.memory.retrieve('ns', 'k'))?.value).toBe('theirs');
        expect(await other.tasks.list()).toHaveLength(1);
        expect((await mine.tasks.create({ title: 'again', priority: 1 })).id).not.toBe(before.id);
      } finally {
        await mine.close();
        await other.close();
      }
    });
  });
});

describe('swarmperf glob → Redis MATCH', () => {
  // The MATCH pattern must never be narrower than the glob (a key the glob matches would be lost).
  it.each([
    ['performance/*', 'performance/results'],
    ['performance/**/results', 'performance/a/b/results'],
    ['performance/**/results', 'performance/results'],
    ['**/config', 'config/x/config'],
    ['a/?/c', 'a/ü/c'],
    ['a/\\*/c', 'a/*/c'],
    ['a/[x]/c', 'a/[x]/c'],
    ['**', 'x/y'],
  ])('%s matches %s on both sides', (glob, key) => {
    expect(compileGlob(glob).test(key)).toBe(true);
    expect(toRedisMatch(glob)).toBeTypeOf('string');
    expect(redisGlobMatches(toRedisMatch(glob), Buffer.from(key))).toBe(true);
  });
});

/** Redis' stringmatchlen over bytes (the subset MATCH uses here: * ? \\ and literal bytes). */
function redisGlobMatches(pattern: string, key: Buffer): boolean {
  const p = Buffer.from(pattern);
  const go = (pi: number, ki: number): boolean => {
    if (pi === p.length) return ki === key.length;
    const c = p[pi] as number;
    if (c === 0x2a) {
      for (let k = ki; k <= key.length; k++) if (go(pi + 1, k)) return true;
      return false;
    }
    if (ki === key.length) return false;
    if (c === 0x3f) return go(pi + 1, ki + 1);
    if (c === 0x5c) return p[pi + 1] === key[ki] && go(pi + 2, ki + 1);
    if (c === 0x5b) throw new Error('unescaped [ in MATCH pattern');
    return c === key[ki] && go(pi + 1, ki + 1);
  };
  return go(0, 0);
}
