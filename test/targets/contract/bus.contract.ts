import { afterEach, describe, expect, it } from 'vitest';
import type { BusMessage } from '../../../src/targets/ports.js';
import { backendFixture, waitFor, type MakeBackend } from './harness.js';

export function describeMessageBusContract(name: string, make: MakeBackend): void {
  describe(`MessageBus contract · ${name}`, () => {
    const fx = backendFixture(make);
    afterEach(() => fx.closeAll());

    it('documents its delivery semantics', async () => {
      const { backend } = await fx.open();
      expect(backend.bus.semantics.length).toBeGreaterThan(10);
    });

    it('fans every message out to every subscriber: no loss, no duplicates, in order', async () => {
      const { backend } = await fx.open();
      const N = 5;
      const M = 200;
      const received: BusMessage[][] = Array.from({ length: N }, () => []);
      const subs = [];
      for (let i = 0; i < N; i++) subs.push(await backend.bus.subscribe('tasks', (m) => received[i]!.push(m)));
      const published: BusMessage[] = [];
      for (let j = 0; j < M; j++) published.push(await backend.bus.publish('tasks', JSON.stringify({ type: 'task_available', n: j })));
      for (let j = 1; j < M; j++) expect(published[j]!.seq).toBeGreaterThan(published[j - 1]!.seq);
      await waitFor(() => received.every((r) => r.length >= M), `${N} subscribers to receive ${M} messages`);
      await new Promise((r) => setTimeout(r, 20)); // anything extra (a duplicate) would arrive now
      for (const r of received) {
        expect(r.map((m) => m.seq)).toEqual(published.map((m) => m.seq));
        expect(r.map((m) => m.payload)).toEqual(published.map((m) => m.payload));
        expect(r.every((m) => m.topic === 'tasks')).toBe(true);
      }
      for (const s of subs) await s.unsubscribe();
    });

    it('topics are separate; a subscriber only gets messages published after it subscribed', async () => {
      const { backend } = await fx.open();
      await backend.bus.publish('a', 'before');
      const gotA: string[] = [];
      const gotB: string[] = [];
      const sa = await backend.bus.subscribe('a', (m) => gotA.push(m.payload));
      const sb = await backend.bus.subscribe('b', (m) => gotB.push(m.payload));
      await backend.bus.publish('a', 'a1');
      await backend.bus.publish('b', 'b1');
      await backend.bus.publish('a', 'a2');
      await waitFor(() => gotA.length >= 2 && gotB.length >= 1, 'delivery');
      await new Promise((r) => setTimeout(r, 20));
      expect(gotA).toEqual(['a1', 'a2']);
      expect(gotB).toEqual(['b1']);
      await sa.unsubscribe();
      await sb.unsubscribe();
    });

    it('unsubscribe stops delivery to that subscriber only', async () => {
      const { backend } = await fx.open();
      const kept: string[] = [];
      const dropped: string[] = [];
      const sk = await backend.bus.subscribe('t', (m) => kept.push(m.payload));
      const sd = await backend.bus.subscribe('t', (m) => dropped.push(m.payload));
      await backend.bus.publish('t', '1');
      await waitFor(() => kept.length === 1 && dropped.length === 1, 'first delivery');
      await sd.unsubscribe();
      await backend.bus.publish('t', '2');
      await waitFor(() => kept.length === 2, 'second delivery');
      await new Promise((r) => setTimeout(r, 20));
      expect(dropped).toEqual(['1']);
      expect(kept).toEqual(['1', '2']);
      await sk.unsubscribe();
    });

    it('a handler may publish (no re-entrancy trouble) and sequence numbers stay per topic', async () => {
      const { backend } = await fx.open();
      const replies: BusMessage[] = [];
      const s1 = await backend.bus.subscribe('ping', (m) => void backend.bus.publish('pong', `re:${m.payload}`));
      const s2 = await backend.bus.subscribe('pong', (m) => replies.push(m));
      for (let i = 0; i < 10; i++) await backend.bus.publish('ping', String(i));
      await waitFor(() => replies.length === 10, 'replies');
      expect(replies.map((m) => m.payload)).toEqual(Array.from({ length: 10 }, (_, i) => `re:${i}`));
      await s1.unsubscribe();
      await s2.unsubscribe();
    });
  });
}
