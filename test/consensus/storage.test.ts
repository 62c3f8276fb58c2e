/**
 * The storage model: durable writes before the messages that depend on them, group commit, a
 * crash that loses what was not yet fsynced — and a checker that catches a server which sends
 * before its state is durable.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SimCluster } from '../../src/consensus/raft-kv/cluster.js';
import { runElectionScenario } from '../../src/consensus/raft-kv/election.js';
import { RaftHost, type ServerReady } from '../../src/consensus/raft-kv/server.js';
import { raftSetup } from '../../src/consensus/raft-kv/setup.js';
import { RaftNode } from '../../src/consensus/raft/node.js';
import { Rng } from '../../src/measure/rng.js';
import { runWorkloadScenario } from '../../src/consensus/raft-kv/workload.js';
import { silentProgress } from '../../src/report/progress.js';
import { parseFaultSchedule } from '../../src/sim/faults.js';
import { parseLatency } from '../../src/sim/latency.js';
import { failed, smallRun } from './helpers.js';

/** Sends every message at once, before its state is durable: a vote can be forgotten in a crash. */
class SendsBeforeDurable extends RaftHost {
  override ready(nowUs: number): ServerReady {
    const r = super.ready(nowUs);
    return { ...r, now: [...r.now, ...r.afterPersist], afterPersist: [] };
  }
}

const disk = (fsync: string, groupCommit = true) => ({ fsync: parseLatency(fsync), groupCommit });
const run = { intervalUs: 1_000_000, progress: silentProgress };

describe('storage model', () => {
  it('a vote is not sent before it is durable: replies wait for the fsync', () => {
    const c = new SimCluster({ nodes: 3, seed: 2, latency: parseLatency('1ms'), electionTimeoutUs: [100_000, 150_000], heartbeatUs: 50_000, disk: disk('20ms') });
    let electedAt = -1;
    c.listeners.push({ leaderElected: (_n, _t, at) => (electedAt = electedAt < 0 ? at : electedAt) });
    c.runUntil(1_000_000);
    // A first election needs at least: candidate's fsync, 1 ms there, voter's fsync, 1 ms back.
    expect(electedAt).toBeGreaterThanOrEqual(100_000 + 20_000 + 1_000 + 20_000 + 1_000);
    expect(c.hostSim.disks?.every((d) => d.stats.writes > 0)).toBe(true);
  });

  // Crashes every 17 ms, each node down for 1 ms: a vote sent before its fsync is often lost, and
  // a node that restarted without it may vote again in the same term.
  const storm = parseFaultSchedule(`crash-random@${Array.from({ length: 106 }, (_, k) => `${100 + 17 * k}ms+1ms`).join(',')}`, 3);
  const stormy = { nodes: 3, latency: parseLatency('uniform:1ms-15ms'), electionTimeoutUs: [20_000, 24_000] as const, heartbeatUs: 8_000, faults: storm, disk: disk('20ms') };

  it('election safety catches a server that sends before its vote is durable (crash-restart votes twice)', () => {
    let hit: string | undefined;
    for (let seed = 1; seed <= 20 && hit === undefined; seed++) {
      const r = smallRun(seed, { ...stormy, serverFactory: (n, o) => new SendsBeforeDurable(n, o) });
      const bad = r.checks.find((c) => c.name === 'election safety' && !c.passed);
      if (bad) hit = `seed ${seed}: ${bad.detail}`;
    }
    expect(hit).toMatch(/both led term/);
  });

  it('the correct server survives the same storms with the storage model on', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const r = smallRun(seed, stormy);
      expect(failed(r.checks), `seed ${seed}`).toEqual([]);
      expect(r.lin.verdict, `seed ${seed}`).not.toBe('violation');
    }
  });

  it('Raft stays safe and linearizable under random faults with the storage model on', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.constantFrom('2ms', 'uniform:1ms-20ms', 'lognormal:3ms,1'), fc.boolean(), (seed, fsync, groupCommit) => {
        const schedule = parseFaultSchedule('crash-leader@400ms+200ms; crash-random@900ms+100ms; partition 1|2,3@1.1s+200ms', 3);
        const r = smallRun(seed, { faults: schedule, durationUs: 1_500_000, disk: disk(fsync, groupCommit) });
        const bad = failed(r.checks);
        if (r.lin.verdict === 'violation') bad.push(`linearizability: ${r.lin.detail}`);
        if (bad.length > 0) throw new Error(`seed ${seed}, fsync ${fsync}, group commit ${groupCommit}: ${bad.join('; ')}`);
      }),
      { numRuns: 60, seed: 14 },
    );
  });

  it('group commit: one fsync per batch gives fewer writes per command and more throughput than one per change', async () => {
    const w = { scenario: 'throughput' as const, durationUs: 1_000_000, warmupUs: 300_000, concurrency: 32, keys: 10, readRatio: 0, casRatio: 0, valueBytes: 16, linearizabilityMaxOps: 0 };
    const on = await runWorkloadScenario(raftSetup(3, 5, parseLatency('1ms'), { disk: disk('5ms', true) }), w, run);
    const off = await runWorkloadScenario(raftSetup(3, 5, parseLatency('1ms'), { disk: disk('5ms', false) }), w, run);
    const m = (s: typeof on): Record<string, number> => s.suite.metrics as Record<string, number>;
    expect(m(on).diskWritesPerOp).toBeLessThan(m(off).diskWritesPerOp as number);
    expect(m(on).committedOpsPerSec).toBeGreaterThan(m(off).committedOpsPerSec as number);
    expect(m(on).fsyncMeanUs).toBe(5000);
    expect(on.suite.checks.every((c) => c.passed)).toBe(true);
    expect(off.suite.checks.every((c) => c.passed)).toBe(true);
  });

  it('the same seed gives the same run with the storage model on', () => {
    const trace = (seed: number): string => {
      const c = new SimCluster({ nodes: 3, seed, latency: parseLatency('uniform:1ms-3ms'), electionTimeoutUs: [50_000, 100_000], heartbeatUs: 20_000, disk: disk('lognormal:3ms,1'), trace: true });
      c.runUntil(1_000_000);
      return (c.sim.trace as string[]).join('\n');
    };
    expect(trace(3)).toBe(trace(3));
    expect(trace(3)).not.toBe(trace(4));
  });
});

describe('Fig. 16 of the Raft paper with the documented storage setting', () => {
  // The documented setting (docs/consensus.md): 1 GbE one-way 0.1–0.3 ms, fsync lognormal median 3 ms, σ 1, no check-quorum (LogCabin 2014 had none).
  const fig16 = (lo: number, hi: number) => raftSetup(5, 1, parseLatency('uniform:0.1ms-0.3ms'), { electionTimeoutUs: [lo, hi], heartbeatUs: lo / 2, checkQuorum: false, disk: disk('lognormal:3ms,1') });

  it('150–155 ms: median downtime within 25 % of the paper\'s 287 ms', async () => {
    const { suite } = await runElectionScenario(fig16(150_000, 155_000), { trials: 300 }, run);
    const p50 = suite.operations.find((o) => o.name === 'election')?.latencyUs.p50 as number;
    expect(p50).toBeGreaterThan(287_000 * 0.75);
    expect(p50).toBeLessThan(287_000 * 1.25);
  });

  it('12–24 ms: mean downtime within 25 % of the paper\'s 35 ms', async () => {
    const { suite } = await runElectionScenario(fig16(12_000, 24_000), { trials: 300 }, run);
    const mean = suite.operations.find((o) => o.name === 'election')?.latencyUs.mean as number;
    expect(mean).toBeGreaterThan(35_000 * 0.75);
    expect(mean).toBeLessThan(35_000 * 1.25);
  });
});

describe('election timer rule', () => {
  const node = (timerReset: 'paper' | 'any-higher-term') => {
    const n = new RaftNode({ id: 0, members: [0, 1, 2], electionTimeoutTicks: [100, 100], heartbeatTicks: 50, timerReset, rng: new Rng(1) });
    n.persistent.log.append({ term: 1, index: 1, command: null });
    n.tick(60);
    // A higher-term candidate with a shorter log: refused.
    n.step({ type: 'vote', from: 1, to: 0, term: 5, lastLogIndex: 0, lastLogTerm: 0, pre: false });
    return n;
  };

  it('paper: refusing a vote does not restart the timer; granting one does', () => {
    const refused = node('paper');
    expect(refused.term).toBe(5);
    expect(refused.ticksUntilTimer()).toBe(40);
    refused.step({ type: 'vote', from: 2, to: 0, term: 5, lastLogIndex: 1, lastLogTerm: 1, pre: false });
    expect(refused.votedFor).toBe(2);
    expect(refused.ticksUntilTimer()).toBe(100);
  });

  it('any-higher-term (etcd): stepping down to a higher term restarts it', () => {
    expect(node('any-higher-term').ticksUntilTimer()).toBe(100);
  });
});
