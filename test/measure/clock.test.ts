import { describe, expect, it } from 'vitest';
import { RealClock, sleep, VirtualClock } from '../../src/measure/clock.js';

describe('VirtualClock', () => {
  it('wakes sleepers in time order, ties in sleep order, without waiting', async () => {
    const clock = new VirtualClock();
    const order: string[] = [];
    const work = Promise.all([
      sleep(clock, 3000).then(() => order.push(`c@${clock.nowUs()}`)),
      sleep(clock, 1000).then(() => order.push(`a@${clock.nowUs()}`)),
      sleep(clock, 1000).then(() => order.push(`b@${clock.nowUs()}`)),
    ]);
    await clock.run(work);
    expect(order).toEqual(['a@1000', 'b@1000', 'c@3000']);
    expect(clock.nowUs()).toBe(3000);
  });

  it('advanceTo moves time and wakes only what is due', async () => {
    const clock = new VirtualClock();
    let woke = 0;
    void sleep(clock, 500).then(() => woke++);
    void sleep(clock, 1500).then(() => woke++);
    await clock.advanceTo(1000);
    expect(woke).toBe(1);
    expect(clock.nowUs()).toBe(1000);
    await clock.advanceBy(1000);
    expect(woke).toBe(2);
  });

  it('an abort wakes a sleeper early', async () => {
    const clock = new VirtualClock();
    const controller = new AbortController();
    const p = sleep(clock, 1e9, controller.signal);
    controller.abort();
    await p;
    expect(clock.pendingSleepers).toBe(0);
  });

  it('run() reports a deadlock instead of hanging', async () => {
    const clock = new VirtualClock();
    await expect(clock.run(new Promise(() => {}))).rejects.toThrow(/deadlock/);
  });

  it('wall time follows virtual time', async () => {
    const clock = new VirtualClock(1_000_000);
    await clock.advanceTo(2_500_000);
    expect(clock.wallMs()).toBe(1_002_500);
  });
});

describe('RealClock', () => {
  it('never wakes a sleeper before its target', async () => {
    const clock = new RealClock();
    for (let i = 0; i < 5; i++) {
      const target = clock.nowUs() + 1500;
      await clock.sleepUntil(target);
      expect(clock.nowUs()).toBeGreaterThanOrEqual(target);
    }
  });
});

describe('VirtualClock and abort listeners', () => {
  it('removes the abort listener when a sleeper wakes normally', async () => {
    const clock = new VirtualClock();
    const controller = new AbortController();
    let added = 0;
    let removed = 0;
    const signal = controller.signal;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = ((...args: Parameters<typeof add>) => {
      added++;
      add(...args);
    }) as typeof signal.addEventListener;
    signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
      removed++;
      remove(...args);
    }) as typeof signal.removeEventListener;
    const work = (async () => {
      for (let i = 0; i < 100; i++) await sleep(clock, 10, signal);
    })();
    await clock.run(work);
    expect(added).toBe(100);
    expect(removed).toBe(100);
  });
});
