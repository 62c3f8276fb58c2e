import { describe, expect, it } from 'vitest';
import { openBackend } from '../../src/targets/backend.js';
import { describeBackendContract } from './contract/index.js';
import { cleaningUp, describeServer, freshBackendFactory, freshSpec, describeSuitesOn } from './servers.js';

await describeServer('nats', () => {
  describeBackendContract('nats', freshBackendFactory('nats'));
  describeSuitesOn('nats');

  describe('namespaces', () => {
    it('reset() purges only its own bucket; ids and epochs keep growing', async () => {
      const mine = cleaningUp(await openBackend(freshSpec('nats'), '/unused'));
      const other = cleaningUp(await openBackend(freshSpec('nats'), '/unused'));
      try {
        await other.memory.store('ns', 'k', 'theirs');
        await mine.memory.store('ns', 'k', 'mine');
        const before = await mine.tasks.create({ title: 'mine', priority: 1 });
        const lease = (await mine.election.campaign('a', 60_000))!;
        await mine.reset();
        expect(await mine.memory.retrieve('ns', 'k')).toBeNull();
        expect((await other.memory.retrieve('ns', 'k'))?.value).toBe('theirs');
        expect((await mine.tasks.create({ title: 'again', priority: 1 })).id).not.toBe(before.id);
        expect((await mine.election.campaign('b', 60_000))!.epoch).toBeGreaterThan(lease.epoch);
      } finally {
        await mine.close();
        await other.close();
      }
    });
  });
});
