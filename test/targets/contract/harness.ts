/**
 * Shared pieces of the port contract suites. Each suite is a function of an adapter name and a
 * factory, so every adapter (memory, sqlite, jsonfile; later redis, postgres, nats, etcd) runs the
 * same tests unchanged. The factory receives an injected wall clock: TTL and lease expiry are
 * tested by advancing it, never by sleeping.
 */
import type { Backend } from '../../../src/targets/ports.js';

export interface FactoryOptions {
  now: () => number;
}

export type MakeBackend = (options: FactoryOptions) => Promise<Backend>;

/** A wall clock (epoch ms) that moves only when told to. */
export class FakeWallClock {
  t = 1_750_000_000_000;
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

/** Opens a fresh backend per test with its own fake clock, and closes it afterwards. */
export function backendFixture(make: MakeBackend): { open(): Promise<{ backend: Backend; clock: FakeWallClock }>; closeAll(): Promise<void> } {
  const opened: Backend[] = [];
  return {
    async open() {
      const clock = new FakeWallClock();
      const backend = await make({ now: clock.now });
      opened.push(backend);
      return { backend, clock };
    },
    async closeAll() {
      for (const b of opened.splice(0)) await b.close();
    },
  };
}

/** Polls `cond` on real time until true; fails with `what` after `timeoutMs`. */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(p: unknown): Promise<Error & { code?: string }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected a rejection, but the call succeeded');
}

/** Synchronous throws count as rejections too (ports may be sync or async). */
export async function rejectionOf(fn: () => unknown): Promise<Error & { code?: string }> {
  try {
    await fn();
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected an error, but the call succeeded');
}
