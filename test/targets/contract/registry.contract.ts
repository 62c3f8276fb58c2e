import { afterEach, describe, expect, it } from 'vitest';
import { backendFixture, rejectionOf, type MakeBackend } from './harness.js';

export function describeAgentRegistryContract(name: string, make: MakeBackend): void {
  describe(`AgentRegistry contract · ${name}`, () => {
    const fx = backendFixture(make);
    afterEach(() => fx.closeAll());

    it('registers an agent with heartbeat = now and lists it with its meta', async () => {
      const { backend, clock } = await fx.open();
      const rec = await backend.registry.register({ id: 'agent-1', role: 'code-worker', pid: 444766, meta: { session: 's-1', tags: ['a'] } });
      expect(rec).toMatchObject({ id: 'agent-1', role: 'code-worker', pid: 444766, registeredAt: clock.t, lastHeartbeat: clock.t });
      const all = await backend.registry.list();
      expect(all).toEqual([{ id: 'agent-1', role: 'code-worker', pid: 444766, meta: { session: 's-1', tags: ['a'] }, registeredAt: clock.t, lastHeartbeat: clock.t }]);
    });

    it('heartbeat moves lastHeartbeat; unknown agents report false', async () => {
      const { backend, clock } = await fx.open();
      await backend.registry.register({ id: 'a', role: 'r', pid: 1 });
      clock.advance(5000);
      expect(await backend.registry.heartbeat('a')).toBe(true);
      expect((await backend.registry.list())[0]?.lastHeartbeat).toBe(clock.t);
      expect((await backend.registry.list())[0]?.registeredAt).toBe(clock.t - 5000);
      expect(await backend.registry.heartbeat('nobody')).toBe(false);
    });

    it('deregister removes once', async () => {
      const { backend } = await fx.open();
      await backend.registry.register({ id: 'a', role: 'r', pid: 1 });
      expect(await backend.registry.deregister('a')).toBe(true);
      expect(await backend.registry.deregister('a')).toBe(false);
      expect(await backend.registry.list()).toEqual([]);
    });

    it('re-registering replaces the record (a restarted agent)', async () => {
      const { backend, clock } = await fx.open();
      await backend.registry.register({ id: 'a', role: 'old', pid: 1 });
      clock.advance(100);
      await backend.registry.register({ id: 'a', role: 'new', pid: 2 });
      const all = await backend.registry.list();
      expect(all).toHaveLength(1);
      expect(all[0]).toMatchObject({ role: 'new', pid: 2, registeredAt: clock.t });
    });

    it('list filters by role and by aliveSince, sorted by id', async () => {
      const { backend, clock } = await fx.open();
      await backend.registry.register({ id: 'c', role: 'reviewer', pid: 3 });
      clock.advance(1000);
      await backend.registry.register({ id: 'b', role: 'code-worker', pid: 2 });
      await backend.registry.register({ id: 'a', role: 'code-worker', pid: 1 });
      expect((await backend.registry.list()).map((r) => r.id)).toEqual(['a', 'b', 'c']);
      expect((await backend.registry.list({ role: 'code-worker' })).map((r) => r.id)).toEqual(['a', 'b']);
      expect((await backend.registry.list({ aliveSince: clock.t })).map((r) => r.id)).toEqual(['a', 'b']);
      expect((await backend.registry.list({ role: 'reviewer', aliveSince: clock.t })).map((r) => r.id)).toEqual([]);
    });

    it('reapStale removes exactly the agents whose heartbeat is older than the cutoff', async () => {
      const { backend, clock } = await fx.open();
      await backend.registry.register({ id: 'stale-1', role: 'r', pid: 1 });
      await backend.registry.register({ id: 'stale-2', role: 'r', pid: 2 });
      clock.advance(60_000);
      await backend.registry.register({ id: 'fresh', role: 'r', pid: 3 });
      clock.advance(1000);
      expect(await backend.registry.reapStale(30_000)).toEqual(['stale-1', 'stale-2']);
      expect((await backend.registry.list()).map((r) => r.id)).toEqual(['fresh']);
      expect(await backend.registry.reapStale(30_000)).toEqual([]);
    });

    it('rejects an empty agent id', async () => {
      const { backend } = await fx.open();
      const err = await rejectionOf(() => backend.registry.register({ id: '', role: 'r', pid: 1 }));
      expect(err.code).toBe('INVALID_ARGUMENT');
    });
  });
}
