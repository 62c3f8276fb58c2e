import { afterEach, describe, expect, it } from 'vitest';
import { VersionConflictError } from '../../../src/targets/ports.js';
import { backendFixture, rejectionOf, type MakeBackend } from './harness.js';

export function describeTaskStoreContract(name: string, make: MakeBackend): void {
  describe(`TaskStore contract · ${name}`, () => {
    const fx = backendFixture(make);
    afterEach(() => fx.closeAll());

    it('creates pending tasks with unique ids, version 1 and timestamps', async () => {
      const { backend, clock } = await fx.open();
      const a = await backend.tasks.create({ title: 'Fix plugin ReferenceError', priority: 10 });
      const b = await backend.tasks.create({ title: 'Harden watchdog', priority: 5, dependsOn: [a.id] });
      expect(a.id).not.toBe(b.id);
      expect(a).toMatchObject({ title: 'Fix plugin ReferenceError', priority: 10, status: 'pending', claimedBy: null, result: null, version: 1, dependsOn: [], createdAt: clock.t, updatedAt: clock.t });
      expect(b.dependsOn).toEqual([a.id]);
      expect(await backend.tasks.get(a.id)).toEqual(a);
      expect(await backend.tasks.get('no-such-task')).toBeNull();
    });

    it('rejects a dependency on a task that does not exist (it could never be claimed)', async () => {
      const { backend } = await fx.open();
      const err = await rejectionOf(() => backend.tasks.create({ title: 'x', priority: 1, dependsOn: ['task-999999'] }));
      expect(err.code).toBe('INVALID_ARGUMENT');
      expect(err.message).toMatch(/task-999999/);
      expect(await backend.tasks.list()).toEqual([]);
    });

    it('update applies a patch at the expected version and bumps it', async () => {
      const { backend, clock } = await fx.open();
      const t = await backend.tasks.create({ title: 'old', priority: 1 });
      clock.advance(10);
      const u = await backend.tasks.update(t.id, { title: 'new', priority: 7 }, 1);
      expect(u).toMatchObject({ id: t.id, title: 'new', priority: 7, version: 2, updatedAt: clock.t, createdAt: t.createdAt });
      const u2 = await backend.tasks.update(t.id, { priority: 8 }, 2);
      expect(u2).toMatchObject({ title: 'new', priority: 8, version: 3 });
    });

    it('update at a stale version throws VersionConflictError and changes nothing', async () => {
      const { backend } = await fx.open();
      const t = await backend.tasks.create({ title: 't', priority: 1 });
      await backend.tasks.update(t.id, { title: 'first writer' }, 1);
      const err = await rejectionOf(() => backend.tasks.update(t.id, { title: 'second writer' }, 1));
      expect(err).toBeInstanceOf(VersionConflictError);
      expect(err.code).toBe('VERSION_CONFLICT');
      expect(err.message).toMatch(/expected version 1, found 2/);
      expect(await backend.tasks.get(t.id)).toMatchObject({ title: 'first writer', version: 2 });
    });

    it('update of an unknown task fails with TASK_NOT_FOUND', async () => {
      const { backend } = await fx.open();
      expect((await rejectionOf(() => backend.tasks.update('task-424242', { title: 'x' }, 1))).code).toBe('TASK_NOT_FOUND');
      expect((await rejectionOf(() => backend.tasks.update('nonsense', { title: 'x' }, 1))).code).toBe('TASK_NOT_FOUND');
    });

    it('claims in priority order, oldest first among equals, then null', async () => {
      const { backend } = await fx.open();
      const low = await backend.tasks.create({ title: 'low', priority: 1 });
      const highOld = await backend.tasks.create({ title: 'high-old', priority: 5 });
      const mid = await backend.tasks.create({ title: 'mid', priority: 3 });
      const highNew = await backend.tasks.create({ title: 'high-new', priority: 5 });
      const order: string[] = [];
      for (let i = 0; i < 4; i++) {
        const c = await backend.tasks.claim(`w${i}`);
        expect(c).not.toBeNull();
        expect(c).toMatchObject({ status: 'claimed', claimedBy: `w${i}`, version: 2 });
        order.push(c!.id);
      }
      expect(order).toEqual([highOld.id, highNew.id, mid.id, low.id]);
      expect(await backend.tasks.claim('w9')).toBeNull();
    });

    it('a priority change by update() reorders claims', async () => {
      const { backend } = await fx.open();
      const a = await backend.tasks.create({ title: 'a', priority: 5 });
      const b = await backend.tasks.create({ title: 'b', priority: 1 });
      await backend.tasks.update(b.id, { priority: 9 }, 1);
      expect((await backend.tasks.claim('w'))?.id).toBe(b.id);
      expect((await backend.tasks.claim('w'))?.id).toBe(a.id);
    });

    it('never claims a task before ALL its dependencies are completed', async () => {
      const { backend } = await fx.open();
      const a = await backend.tasks.create({ title: 'a', priority: 1 });
      const b = await backend.tasks.create({ title: 'b', priority: 1 });
      const c = await backend.tasks.create({ title: 'c (needs a and b)', priority: 100, dependsOn: [a.id, b.id] });
      const first = await backend.tasks.claim('w1');
      const second = await backend.tasks.claim('w2');
      expect([first?.id, second?.id]).toEqual([a.id, b.id]);
      expect(await backend.tasks.claim('w3')).toBeNull(); // c waits: its dependencies are only claimed
      expect(await backend.tasks.complete(a.id, 'done')).toBe(true);
      expect(await backend.tasks.claim('w3')).toBeNull(); // still waits for b
      expect(await backend.tasks.complete(b.id, 'done')).toBe(true);
      expect((await backend.tasks.claim('w3'))?.id).toBe(c.id);
    });

    it('skips a blocked high-priority task for a claimable lower one', async () => {
      const { backend } = await fx.open();
      const dep = await backend.tasks.create({ title: 'dep', priority: 0 });
      await backend.tasks.claim('w0');
      await backend.tasks.create({ title: 'blocked', priority: 50, dependsOn: [dep.id] });
      const free = await backend.tasks.create({ title: 'free', priority: 2 });
      expect((await backend.tasks.claim('w1'))?.id).toBe(free.id);
    });

    it('claim honours minPriority', async () => {
      const { backend } = await fx.open();
      await backend.tasks.create({ title: 'low', priority: 1 });
      const high = await backend.tasks.create({ title: 'high', priority: 8 });
      expect((await backend.tasks.claim('w', { minPriority: 5 }))?.id).toBe(high.id);
      expect(await backend.tasks.claim('w', { minPriority: 5 })).toBeNull();
      expect(await backend.tasks.claim('w')).not.toBeNull();
    });

    it('concurrent claims assign every task to exactly one worker', async () => {
      const { backend } = await fx.open();
      const created = [];
      for (let i = 0; i < 40; i++) created.push(await backend.tasks.create({ title: `t${i}`, priority: i % 4 }));
      const claims = await Promise.all(Array.from({ length: 60 }, (_, i) => backend.tasks.claim(`w${i}`)));
      const won = claims.filter((c) => c !== null);
      expect(won).toHaveLength(40);
      expect(new Set(won.map((c) => c!.id)).size).toBe(40);
      const stored = await backend.tasks.list('claimed');
      expect(stored).toHaveLength(40);
      for (const c of won) expect(stored.find((s) => s.id === c!.id)?.claimedBy).toBe(c!.claimedBy);
    });

    it('complete works only on claimed tasks, once, and stores the result', async () => {
      const { backend } = await fx.open();
      const t = await backend.tasks.create({ title: 't', priority: 1 });
      expect(await backend.tasks.complete(t.id, 'too early')).toBe(false);
      await backend.tasks.claim('w');
      expect(await backend.tasks.complete(t.id, { summary: 'Fixed', files: 2 })).toBe(true);
      expect(await backend.tasks.complete(t.id, 'again')).toBe(false);
      expect(await backend.tasks.complete('task-777777', 'x')).toBe(false);
      expect(await backend.tasks.get(t.id)).toMatchObject({ status: 'completed', claimedBy: 'w', result: { summary: 'Fixed', files: 2 }, version: 3 });
    });

    it('list filters by status, in creation order', async () => {
      const { backend } = await fx.open();
      const a = await backend.tasks.create({ title: 'a', priority: 1 });
      const b = await backend.tasks.create({ title: 'b', priority: 2 });
      const c = await backend.tasks.create({ title: 'c', priority: 3 });
      await backend.tasks.claim('w'); // c
      await backend.tasks.claim('w'); // b
      await backend.tasks.complete(b.id, null);
      expect((await backend.tasks.list()).map((t) => t.id)).toEqual([a.id, b.id, c.id]);
      expect((await backend.tasks.list('pending')).map((t) => t.id)).toEqual([a.id]);
      expect((await backend.tasks.list('claimed')).map((t) => t.id)).toEqual([c.id]);
      expect((await backend.tasks.list('completed')).map((t) => t.id)).toEqual([b.id]);
    });

    it('reset removes tasks but never reuses an id', async () => {
      const { backend } = await fx.open();
      const before = await backend.tasks.create({ title: 'a', priority: 1 });
      await backend.reset();
      expect(await backend.tasks.list()).toEqual([]);
      expect(await backend.tasks.get(before.id)).toBeNull();
      const after = await backend.tasks.create({ title: 'b', priority: 1 });
      expect(after.id).not.toBe(before.id);
    });
  });
}
