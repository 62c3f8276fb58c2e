import { describe, expect, it } from 'vitest';
import { openBackend } from '../../src/targets/backend.js';
import { describeBackendContract, describeTaskStoreContract } from './contract/index.js';
import { cleaningUp, describeServer, freshBackendFactory, freshSpec, describeSuitesOn } from './servers.js';

await describeServer('postgres', () => {
  describeBackendContract('postgres (claim=skip-locked)', freshBackendFactory('postgres'));
  describeSuitesOn('postgres');
  // The variant changes only claim(): its port's contract is the one to hold it to.
  describeTaskStoreContract('postgres (claim=update-returning)', freshBackendFactory('postgres', 'claim=update-returning'));

  describe('namespaces', () => {
    it('reset() empties only its own schema; the task sequence survives it', async () => {
      const mine = cleaningUp(await openBackend(freshSpec('postgres'), '/unused'));
      const other = cleaningUp(await openBackend(freshSpec('postgres'), '/unused'));
      try {
        await other.memory.store('ns', 'k', 'theirs');
        await mine.memory.store('ns', 'k', 'mine');
        const before = await mine.tasks.create({ title: 'mine', priority: 1 });
        await mine.reset();
        expect(await mine.memory.retrieve('ns', 'k')).toBeNull();
        expect((await other.memory.retrieve('ns', 'k'))?.value).toBe('theirs');
        expect((await mine.tasks.create({ title: 'again', priority: 1 })).id).not.toBe(before.id);
      } finally {
        await mine.close();
        await other.close();
      }
    });
  });
});
