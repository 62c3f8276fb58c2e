import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/measure/rng.js';
import { parseLatency } from '../../src/sim/latency.js';
import { DELIVER_EVENT, Network, type NetworkConfig } from '../../src/sim/network.js';
import { Scheduler } from '../../src/sim/scheduler.js';

function harness(config: Partial<Omit<NetworkConfig, 'latency'>> & { latency?: string } = {}) {
  const sim = new Scheduler({ seed: 5 });
  const got: Array<{ to: number; from: number; msg: number; at: number }> = [];
  const { latency, ...rest } = config;
  const net = new Network(sim, new Rng(77), { nodes: 4, latency: parseLatency(latency ?? 'uniform:1ms-10ms'), ...rest }, (to, from, message) => got.push({ to, from, msg: message as number, at: sim.now }));
  sim.setHandler((e) => {
    if (e.kind === DELIVER_EVENT) net.onDeliver(e);
  });
  return { sim, net, got };
}

describe('network model', () => {
  it('keeps each link FIFO without reordering, even with random latency', () => {
    const { sim, net, got } = harness();
    for (let i = 0; i < 2000; i++) sim.at(i * 10, 99, 0);
    sim.setHandler((e) => {
      if (e.kind === DELIVER_EVENT) net.onDeliver(e);
      else net.send(0, 1, e.seq, 10);
    });
    sim.run();
    expect(got).toHaveLength(2000);
    for (let i = 1; i < got.length; i++) expect((got[i] as { msg: number }).msg).toBeGreaterThan((got[i - 1] as { msg: number }).msg);
  });

  it('reordering lets messages overtake', () => {
    const { sim, net, got } = harness({ reorder: 0.3 });
    for (let i = 0; i < 2000; i++) net.send(0, 1, i, 10);
    sim.run();
    let inversions = 0;
    for (let i = 1; i < got.length; i++) if ((got[i] as { msg: number }).msg < (got[i - 1] as { msg: number }).msg) inversions++;
    expect(inversions).toBeGreaterThan(50);
    expect(net.stats.reordered).toBeGreaterThan(400);
  });

  it('loses and duplicates about the configured shares', () => {
    const { sim, net, got } = harness({ loss: 0.1, duplicate: 0.05 });
    const n = 20_000;
    for (let i = 0; i < n; i++) net.send(i % 4, (i + 1) % 4, i, 10);
    sim.run();
    // Binomial: mean 2000, sd ≈ 42; six sd either way.
    expect(net.stats.droppedLoss).toBeGreaterThan(1750);
    expect(net.stats.droppedLoss).toBeLessThan(2250);
    expect(net.stats.duplicated).toBeGreaterThan(700);
    expect(got.length).toBe(n - net.stats.droppedLoss + net.stats.duplicated);
  });

  it('a partition cuts only links between groups, and heals', () => {
    const { sim, net, got } = harness();
    const id = net.partition([[0, 1], [2]]);
    net.send(0, 1, 1, 10); // same group
    net.send(0, 2, 2, 10); // cut
    net.send(3, 0, 3, 10); // 3 is in the "rest" group: cut from 0
    net.send(3, 2, 4, 10); // rest vs group 2: cut
    net.send(0, 7, 5, 10); // a client endpoint: never partitioned
    sim.run();
    expect(got.map((g) => g.msg).sort()).toEqual([1, 5]);
    net.heal(id);
    net.send(0, 2, 6, 10);
    sim.run();
    expect(got.map((g) => g.msg)).toContain(6);
    expect(net.stats.droppedPartition).toBe(3);
  });

  it('drops a message in flight when the partition starts before it lands', () => {
    const { sim, net, got } = harness({ latency: '10ms' });
    net.send(0, 1, 1, 10);
    sim.at(5000, 99, 0);
    sim.setHandler((e) => {
      if (e.kind === DELIVER_EVENT) net.onDeliver(e);
      else net.partition([[0], [1]]);
    });
    sim.run();
    expect(got).toHaveLength(0);
  });

  it('a crashed node receives nothing', () => {
    const { sim, net, got } = harness();
    net.setDown(2, true);
    net.send(0, 2, 1, 10);
    sim.run();
    expect(got).toHaveLength(0);
    expect(net.stats.droppedDown).toBe(1);
  });

  it('bandwidth serialises messages on a link', () => {
    const { sim, net, got } = harness({ latency: '1ms', bandwidthBytesPerSec: 1_000_000 });
    for (let i = 0; i < 10; i++) net.send(0, 1, i, 1000); // 1 ms each on the wire
    sim.run();
    expect(got.map((g) => g.at)).toEqual([2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000, 11000]);
  });

  it('rate windows raise a rate and restore it', () => {
    const { net } = harness({ loss: 0.01 });
    const a = net.beginRate('loss', 0.5);
    const b = net.beginRate('loss', 0.2);
    expect(net.currentRate('loss')).toBe(0.5);
    net.endRate('loss', a);
    expect(net.currentRate('loss')).toBe(0.2);
    net.endRate('loss', b);
    expect(net.currentRate('loss')).toBe(0.01);
  });
});
