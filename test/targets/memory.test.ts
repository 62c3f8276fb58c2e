import { describe, expect, it } from 'vitest';
import { openBackend } from '../../src/targets/backend.js';
import { describeBackendContract } from './contract/index.js';
import { MemoryBackend } from '../../src/targets/memory/index.js';

describeBackendContract('memory', ({ now }) => Promise.resolve(new MemoryBackend({ now })));

describe('memory backend: completed tasks are retired beyond retainCompleted', () => {
  it('keeps the newest N completed tasks; older ones are retired yet still count as completed dependencies', async () => {
    const backend = new MemoryBackend({ retainCompleted: 2 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const t = await backend.tasks.create({ title: `t${i}`, priority: 9 - i });
      const claimed = await backend.tasks.claim('w');
      expect(claimed?.id).toBe(t.id);
      expect(await backend.tasks.complete(t.id, null)).toBe(true);
      ids.push(t.id);
    }
    expect((await backend.tasks.list('completed')).map((t) => t.id)).toEqual(ids.slice(3));
    expect(await backend.tasks.get(ids[0]!)).toBeNull();
    expect(backend.tasks.isRetired(ids[0]!)).toBe(true);
    expect(backend.tasks.isRetired(ids[4]!)).toBe(false); // still held
    expect(backend.tasks.isRetired('task-999')).toBe(false); // never created
    // A dependency on a retired task is accepted and satisfied.
    const dependent = await backend.tasks.create({ title: 'd', priority: 1, dependsOn: [ids[0]!] });
    expect((await backend.tasks.claim('w'))?.id).toBe(dependent.id);
    // After reset, old ids are unknown, not retired.
    await backend.reset();
    expect(backend.tasks.isRetired(ids[0]!)).toBe(false);
    expect(() => backend.tasks.create({ title: 'x', priority: 1, dependsOn: [ids[0]!] })).toThrow(/unknown task/);
  });

  it('the tuning is reachable from a --backend spec', async () => {
    const backend = (await openBackend('memory?retainCompleted=0', '/nonexistent')) as MemoryBackend;
    const t = await backend.tasks.create({ title: 't', priority: 1 });
    await backend.tasks.claim('w');
    await backend.tasks.complete(t.id, null);
    expect(await backend.tasks.get(t.id)).toBeNull();
    expect(backend.tasks.isRetired(t.id)).toBe(true);
  });
});
