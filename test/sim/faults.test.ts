import { describe, expect, it } from 'vitest';
import { FaultScheduleError, parseFaultSchedule } from '../../src/sim/faults.js';
import { SimCluster } from '../../src/consensus/raft-kv/cluster.js';
import { parseLatency } from '../../src/sim/latency.js';

describe('fault schedule parser', () => {
  it('parses the documented forms', () => {
    const s = parseFaultSchedule('crash-leader@5s; partition 1,2|3,4,5@10s-20s; loss=1%; crash 3@1s-2s,4s+500ms; dup=0.5%@1s-2s; isolate-leader@3s-4s; restart 3@9s', 5);
    const kinds = s.events.map((e) => `${e.action.kind}@${e.startUs}${e.endUs !== undefined ? `-${e.endUs}` : ''}`);
    expect(kinds).toEqual(['rate@0', 'crash@1000000-2000000', 'rate@1000000-2000000', 'isolate@3000000-4000000', 'crash@4000000-4500000', 'crash@5000000', 'restart@9000000', 'partition@10000000-20000000']);
    const part = s.events.find((e) => e.action.kind === 'partition');
    expect(part?.action).toEqual({ kind: 'partition', groups: [[0, 1], [2, 3, 4]] });
    expect(s.events[0]?.action).toEqual({ kind: 'rate', rate: 'loss', value: 0.01 });
  });

  it('parses pause (SIGSTOP/SIGCONT of a node process) with a node or random target', () => {
    const s = parseFaultSchedule('pause 2@1s-2s; pause-random@3s+500ms', 3);
    expect(s.events.map((e) => [e.action, e.startUs, e.endUs])).toEqual([
      [{ kind: 'pause', target: { kind: 'node', node: 1 } }, 1_000_000, 2_000_000],
      [{ kind: 'pause', target: { kind: 'random' } }, 3_000_000, 3_500_000],
    ]);
  });

  it.each([
    ['pause@1s', /pause.*which node/],
    ['crash-leader@5s; partition 1,2|3,9@10s-20s', /clause 2 "partition 1,2\|3,9@10s-20s" at "9": node 9 does not exist \(nodes are 1..5\)/],
    ['crash 2', /clause 1 "crash 2": needs a time/],
    ['crash-leader@5x', /at "5x": "5x" is not a time/],
    ['loss=150%', /"150%" is not a rate/],
    ['partition 1,2|2,3@1s', /node 2 is in two groups/],
    ['explode 1@1s', /unknown fault "explode"/],
    ['crash 1@5s-3s', /the window ends before it starts/],
    ['crash 1@1s;;crash 2@2s', /clause 2 is empty/],
    ['crash-leader 2@1s', /takes no node number/],
  ])('rejects %s with a message pointing at the bad part', (text, message) => {
    expect(() => parseFaultSchedule(text, 5)).toThrow(FaultScheduleError);
    expect(() => parseFaultSchedule(text, 5)).toThrow(message);
  });

  it('applies crash/restart and partition/heal in the simulator', () => {
    const cluster = new SimCluster({ nodes: 3, seed: 4, latency: parseLatency('5ms'), electionTimeoutUs: [150_000, 300_000], heartbeatUs: 50_000 });
    cluster.applyFaults(parseFaultSchedule('crash 2@1s-2s; partition 1|2,3@3s-4s', 3));
    cluster.runUntil(1_500_000);
    expect(cluster.isUp(1)).toBe(false);
    cluster.runUntil(2_500_000);
    expect(cluster.isUp(1)).toBe(true);
    cluster.runUntil(3_500_000);
    expect(cluster.network.isCut(0, 1)).toBe(true);
    expect(cluster.network.isCut(1, 2)).toBe(false);
    cluster.runUntil(4_500_000);
    expect(cluster.network.partitioned).toBe(false);
    expect(cluster.faultLog.map((f) => `${f.kind}:${f.phase}`)).toEqual(['crash:start', 'crash:end', 'partition:start', 'partition:end']);
  });
});
