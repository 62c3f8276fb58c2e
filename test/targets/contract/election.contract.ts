import { afterEach, describe, expect, it } from 'vitest';
import { backendFixture, type MakeBackend } from './harness.js';

export function describeLeaderElectionContract(name: string, make: MakeBackend): void {
  describe(`LeaderElection contract · ${name}`, () => {
    const fx = backendFixture(make);
    afterEach(() => fx.closeAll());

    it('the first candidate wins; others get null while the lease lives', async () => {
      const { backend, clock } = await fx.open();
      expect(await backend.election.current()).toBeNull();
      const lease = await backend.election.campaign('agent-a', 180_000);
      expect(lease).toMatchObject({ leaderId: 'agent-a', acquiredAt: clock.t, expiresAt: clock.t + 180_000 });
      expect(lease!.epoch).toBeGreaterThan(0);
      expect(await backend.election.campaign('agent-b', 180_000)).toBeNull();
      expect(await backend.election.current()).toEqual(lease);
    });

    it('the holder campaigning again keeps its epoch and extends the lease', async () => {
      const { backend, clock } = await fx.open();
      const first = await backend.election.campaign('a', 1000);
      clock.advance(500);
      const again = await backend.election.campaign('a', 1000);
      expect(again).toEqual({ ...first, expiresAt: clock.t + 1000 });
    });

    it('renew extends only the holder at its epoch', async () => {
      const { backend, clock } = await fx.open();
      const lease = (await backend.election.campaign('a', 1000))!;
      clock.advance(900);
      expect(await backend.election.renew('a', lease.epoch, 1000)).toEqual({ ...lease, expiresAt: clock.t + 1000 });
      expect(await backend.election.renew('b', lease.epoch, 1000)).toBeNull();
      expect(await backend.election.renew('a', lease.epoch + 1, 1000)).toBeNull();
      clock.advance(900); // alive only thanks to the renewal
      expect((await backend.election.current())?.leaderId).toBe('a');
    });

    it('an expired lease frees leadership: a new leader gets a higher epoch, the old one cannot renew', async () => {
      const { backend, clock } = await fx.open();
      const a = (await backend.election.campaign('a', 1000))!;
      clock.advance(999);
      expect(await backend.election.campaign('b', 1000)).toBeNull();
      clock.advance(1); // now == expiresAt: expired
      expect(await backend.election.current()).toBeNull();
      const b = (await backend.election.campaign('b', 1000))!;
      expect(b.leaderId).toBe('b');
      expect(b.epoch).toBeGreaterThan(a.epoch);
      expect(await backend.election.renew('a', a.epoch, 1000)).toBeNull();
      expect(await backend.election.resign('a', a.epoch)).toBe(false);
      // Even re-taking an expired lease of one's own starts a new epoch: others may have seen it lapse.
      clock.advance(1000);
      const b2 = (await backend.election.campaign('b', 1000))!;
      expect(b2.epoch).toBeGreaterThan(b.epoch);
    });

    it('resign frees leadership at once; only the holder at its epoch can resign', async () => {
      const { backend } = await fx.open();
      const a = (await backend.election.campaign('a', 60_000))!;
      expect(await backend.election.resign('b', a.epoch)).toBe(false);
      expect(await backend.election.resign('a', a.epoch + 1)).toBe(false);
      expect(await backend.election.resign('a', a.epoch)).toBe(true);
      expect(await backend.election.current()).toBeNull();
      expect(await backend.election.resign('a', a.epoch)).toBe(false);
      const b = (await backend.election.campaign('b', 60_000))!;
      expect(b.epoch).toBeGreaterThan(a.epoch);
    });

    it('epochs strictly increase across many handovers and across reset()', async () => {
      const { backend, clock } = await fx.open();
      const epochs: number[] = [];
      for (let i = 0; i < 30; i++) {
        const lease = (await backend.election.campaign(`agent-${i % 3}`, 100))!;
        expect(lease).not.toBeNull();
        epochs.push(lease.epoch);
        if (i % 2 === 0) await backend.election.resign(lease.leaderId, lease.epoch);
        else clock.advance(100);
        if (i === 15) await backend.reset();
      }
      for (let i = 1; i < epochs.length; i++) expect(epochs[i]).toBeGreaterThan(epochs[i - 1]!);
    });

    it('rejects a non-positive TTL', async () => {
      const { backend } = await fx.open();
      let code: string | undefined;
      try {
        await backend.election.campaign('a', 0);
      } catch (err) {
        code = (err as { code?: string }).code;
      }
      expect(code).toBe('INVALID_ARGUMENT');
      expect(await backend.election.current()).toBeNull();
    });
  });
}
