/**
 * The control plane's pure parts: frames for size-limited channels, the clock estimate from pings,
 * the shape checks on messages from the network, and the --control URL. Each check is shown to
 * catch the bad case and pass the good one.
 */
import { describe, expect, it } from 'vitest';
import { encodeFrames, FrameJoiner } from '../../src/targets/control/framing.js';
import { checkControlGroup, parseControlUrl } from '../../src/targets/control/channel.js';
import { asFromAgent, asToAgent, estimateClock, type ClockSample } from '../../src/suites/agents/control-protocol.js';

describe('frames', () => {
  it('a message over the limit travels as parts and is joined exactly', () => {
    const message = { type: 'agent', payload: 'x'.repeat(10_000), nested: [1, 2, { ü: 'ünïcode' }] };
    let n = 0;
    const frames = encodeFrames(message, 1_000, () => `k${n++}`);
    expect(frames.length).toBeGreaterThan(10);
    expect(frames.every((f) => f.length <= 1_000)).toBe(true);
    const joiner = new FrameJoiner();
    const out = frames.map((f) => joiner.accept(f));
    expect(out.slice(0, -1).every((o) => o === undefined)).toBe(true);
    expect(out.at(-1)).toEqual({ message });
  });

  it('a small message is one frame', () => {
    expect(encodeFrames({ a: 1 }, 1_000, () => 'k')).toEqual(['M{"a":1}']);
  });

  it('a missing part drops its message instead of joining a wrong one; garbage is ignored', () => {
    const frames = encodeFrames({ big: 'y'.repeat(5_000) }, 1_000, () => 'k1');
    const joiner = new FrameJoiner();
    const delivered = [...frames.slice(0, 2), ...frames.slice(3)].map((f) => joiner.accept(f)).filter((x) => x !== undefined);
    expect(delivered).toEqual([]);
    expect(joiner.accept('Mnot json')).toBeUndefined();
    expect(joiner.accept('hello')).toBeUndefined();
    expect(joiner.accept('Pk:5:3:x')).toBeUndefined();
    // After the garbage, a good message still gets through.
    expect(joiner.accept('M{"ok":true}')).toEqual({ message: { ok: true } });
  });
});

describe('clock estimate (NTP-style: offset ± rtt/2)', () => {
  /** A remote clock `offsetUs` ahead, a ping taking `outUs` there and `backUs` back. */
  const sample = (sentUs: number, offsetUs: number, outUs: number, backUs: number): ClockSample => ({
    sentWallUs: sentUs + 1_000_000_000,
    sentOrderUs: sentUs,
    receivedOrderUs: sentUs + outUs + backUs,
    remoteWallUs: sentUs + 1_000_000_000 + outUs + offsetUs,
    remoteOrderUs: sentUs + outUs + offsetUs + 77,
  });

  it('recovers a planted offset within the stated uncertainty, from the ping with the shortest round trip', () => {
    const planted = 5_000;
    const c = estimateClock([sample(0, planted, 900, 100), sample(10_000, planted, 200, 200), sample(20_000, planted, 3_000, 50)])!;
    expect(c.rttUs).toBe(400);
    expect(c.uncertaintyUs).toBe(200);
    expect(Math.abs(c.wallOffsetUs - planted)).toBeLessThanOrEqual(c.uncertaintyUs);
    expect(Math.abs(c.orderOffsetUs - (planted + 77))).toBeLessThanOrEqual(c.uncertaintyUs);
    expect(c.samples).toBe(3);
  });

  it('an asymmetric path errs by at most half the round trip, never more', () => {
    const c = estimateClock([sample(0, -3_000, 1_000, 0)])!;
    expect(c.wallOffsetUs).not.toBe(-3_000);
    expect(Math.abs(c.wallOffsetUs - -3_000)).toBeLessThanOrEqual(c.uncertaintyUs);
  });

  it('no answer, no estimate', () => {
    expect(estimateClock([])).toBeUndefined();
  });
});

describe('messages from the network are checked before use', () => {
  const agent = { id: 'abc123', host: 'h', pid: 1, version: '0.1.0' };
  it('accepts the protocol and refuses other shapes', () => {
    expect(asFromAgent({ type: 'hello', agent })).toBeDefined();
    expect(asFromAgent({ type: 'hello', agent: { ...agent, id: '../x' } })).toBeUndefined();
    expect(asFromAgent({ type: 'pong', run: 'r1', from: 'abc123', seq: 1, wallUs: 1, orderUs: 2 })).toBeDefined();
    expect(asFromAgent({ type: 'pong', run: 'r1', from: 'abc123', seq: 1, wallUs: 'x', orderUs: 2 })).toBeUndefined();
    expect(asFromAgent({ type: 'agent', run: 'r1', from: 'abc123', message: { type: 'ready' } })).toBeDefined();
    expect(asFromAgent({ type: 'agent', run: 'r1', from: 'abc123', message: { type: 'nonsense' } })).toBeUndefined();
    expect(asFromAgent(null)).toBeUndefined();
    expect(asToAgent({ type: 'claim', run: 'r1' })).toBeDefined();
    expect(asToAgent({ type: 'claim', run: 'R 1' })).toBeUndefined();
    expect(asToAgent({ type: 'parent', run: 'r1', message: { type: 'stop' } })).toBeDefined();
    expect(asToAgent({ type: 'parent', run: 'r1', message: { type: 'rm -rf' } })).toBeUndefined();
  });
});

describe('--control', () => {
  it('takes nats:// and redis:// with a port in range, nothing else', () => {
    expect(parseControlUrl('--control', 'nats://10.0.0.1:4222')).toMatchObject({ kind: 'nats', host: '10.0.0.1', port: 4222 });
    expect(parseControlUrl('--control', 'redis://h')).toMatchObject({ kind: 'redis', port: 6379 });
    expect(() => parseControlUrl('--control', 'http://h:1')).toThrow(/--control: expected nats:\/\/HOST:PORT or redis:\/\/HOST:PORT/);
    expect(() => parseControlUrl('--control', 'nats://h:70000')).toThrow(/--control/);
    expect(() => parseControlUrl('--control', 'nats://h:4222/x?y')).toThrow(/nothing may follow the port/);
    expect(() => parseControlUrl('--control', 'not a url')).toThrow(/--control/);
    expect(checkControlGroup('--control-group', 'lab_1')).toBe('lab_1');
    expect(() => checkControlGroup('--control-group', 'a.b')).toThrow(/--control-group/);
  });
});

describe('dependency check across hosts: early only beyond the clock tolerance', async () => {
  const { TaskHistoryChecker, keyedClaim, keyedComplete } = await import('../../src/suites/invariants/tasks.js');
  /** A claim of T (depends on D) returning at 1000 µs, D's completion starting `gapUs` later. */
  const check = (gapUs: number, toleranceUs: number): boolean => {
    const c = new TaskHistoryChecker();
    c.toleranceUs = toleranceUs;
    const events = [keyedClaim({ taskId: 'T', workerId: 'a', startUs: 900, endUs: 1_000, dependsOn: ['D'] }), keyedComplete({ taskId: 'D', workerId: 'b', startUs: 1_000 + gapUs, endUs: 1_100 + gapUs, ok: true })];
    events.sort((x, y) => x.key - y.key || x.rank - y.rank);
    for (const e of events) c.feed(e);
    return c.dependencyCheck(() => 'completed').passed;
  };
  it('within the tolerance is not reported; beyond it is; with no tolerance (one clock) any early claim is', () => {
    expect(check(500, 1_000)).toBe(true);
    expect(check(5_000, 1_000)).toBe(false);
    expect(check(500, 0)).toBe(false);
    expect(check(-10, 0)).toBe(true);
  });
});
