import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runElectionScenario } from '../../src/consensus/raft-kv/election.js';
import { raftSetup, type RaftSetup } from '../../src/consensus/raft-kv/setup.js';
import { runWorkloadScenario, type WorkloadOptions } from '../../src/consensus/raft-kv/workload.js';
import { runRealScenario } from '../../src/consensus/real/run-real.js';
import { main } from '../../src/cli/main.js';
import { recommend } from '../../src/consensus/bench/compare.js';
import { consensusBenchDefaults, consensusParamsSchema, getProtocol, listProtocols } from '../../src/consensus/index.js';
import { raftParams } from '../../src/consensus/protocols/raft.js';
import { parseRunResult } from '../../src/core/result.js';
import { silentProgress } from '../../src/report/progress.js';
import { parseFaultSchedule } from '../../src/sim/faults.js';
import { parseLatency } from '../../src/sim/latency.js';
import { runCli } from '../helpers/cli.js';

const setup = (nodes: number, extra: Partial<RaftSetup> = {}): RaftSetup => raftSetup(nodes, 99, parseLatency('uniform:2ms-4ms'), extra);
const run = { intervalUs: 1_000_000, progress: silentProgress };
const workload = (scenario: WorkloadOptions['scenario'], extra: Partial<WorkloadOptions> = {}): WorkloadOptions => ({
  scenario,
  durationUs: 2_000_000,
  warmupUs: 500_000,
  concurrency: 8,
  keys: 10,
  readRatio: 0.5,
  casRatio: 0.1,
  valueBytes: 16,
  linearizabilityMaxOps: 20_000,
  ...extra,
});

describe('raft bench scenarios (simulator)', () => {
  it('election: records crash → new leader per trial, split votes and terms, all checks passing', async () => {
    const { suite } = await runElectionScenario(setup(5), { trials: 30 }, run);
    expect(suite.name).toBe('consensus.raft');
    expect(suite.backend).toBe('sim:5-nodes');
    const op = suite.operations.find((o) => o.name === 'election');
    expect(op?.count).toBe(30);
    // No election can finish before the minimum timeout minus one heartbeat has passed.
    expect(op?.latencyUs.min).toBeGreaterThan(150_000 - 75_000);
    expect(suite.metrics?.termsPerElection).toBeGreaterThanOrEqual(1);
    expect(suite.checks.every((c) => c.passed)).toBe(true);
    expect(suite.checks.map((c) => c.name)).toContain('election liveness');
  });

  it('election: narrow timeout ranges split votes more often (the paper\'s §9.3 finding)', async () => {
    const narrow = await runElectionScenario(setup(5, { electionTimeoutUs: [150_000, 151_000] }), { trials: 40 }, run);
    const wide = await runElectionScenario(setup(5, { electionTimeoutUs: [150_000, 300_000] }), { trials: 40 }, run);
    expect(narrow.suite.metrics?.splitVotes as number).toBeGreaterThan(wide.suite.metrics?.splitVotes as number);
  });

  it('throughput: committed ops, messages and bytes per op, commit phases', async () => {
    const { suite } = await runWorkloadScenario(setup(3), workload('throughput'), run);
    const m = suite.metrics as Record<string, number>;
    expect(m.committedOpsPerSec).toBeGreaterThan(100);
    expect(m.messagesPerOp).toBeGreaterThan(0);
    expect(m.bytesPerOp).toBeGreaterThan(0);
    for (const p of ['phase.append', 'phase.replicate', 'phase.commit', 'phase.apply', 'phase.reply']) expect(suite.operations.map((o) => o.name)).toContain(p);
    const rep = suite.operations.find((o) => o.name === 'phase.replicate');
    expect(rep?.latencyUs.p50).toBeGreaterThanOrEqual(4_000); // at least one round trip of ≥ 2 ms each way
    expect(suite.checks.find((c) => c.name === 'linearizability')?.passed).toBe(true);
    expect(suite.checks.every((c) => c.passed)).toBe(true);
  });

  it('batching sends fewer messages per command than one-append-per-entry', async () => {
    const w = workload('throughput', { concurrency: 32, durationUs: 1_000_000, readRatio: 0, casRatio: 0, linearizabilityMaxOps: 0 });
    const on = await runWorkloadScenario(setup(3, { batch: true }), w, run);
    const off = await runWorkloadScenario(setup(3, { batch: false }), w, run);
    expect(on.suite.metrics?.messagesPerOp as number).toBeLessThan(off.suite.metrics?.messagesPerOp as number);
  });

  it('faults: availability below 1, a recovery per fault, no acknowledged write lost', async () => {
    const faults = parseFaultSchedule('crash-leader@1s-1.5s; partition 1|2,3@1.8s-2.2s', 3);
    const { suite } = await runWorkloadScenario(setup(3, { faults }), workload('faults', { rate: 200, durationUs: 2_500_000 }), run);
    const m = suite.metrics as Record<string, number>;
    expect(m.availabilityLeader).toBeGreaterThan(0.3);
    expect(m.availabilityLeader).toBeLessThan(1);
    expect(m.faults).toBe(4);
    expect(m.lostAcknowledgedWrites).toBe(0);
    const rec = suite.operations.find((o) => o.name === 'recovery');
    expect(rec?.count).toBeGreaterThanOrEqual(3);
    expect(suite.checks.every((c) => c.passed)).toBe(true);
  });
});

describe('raft real mode (worker threads, TCP loopback, fault proxy)', () => {
  it('commits client commands with every check passing, and survives a leader crash', async () => {
    const faults = parseFaultSchedule('crash-leader@1.2s-1.8s', 3);
    const { suite } = await runRealScenario(setup(3, { faults }), 'faults', { trials: 0, workload: workload('faults', { rate: 100, durationUs: 2_000_000 }) }, run);
    expect(suite.backend).toBe('real:3-nodes');
    // It commits (a rate floor would judge the machine's load, not Raft: 8.5/s was seen at load 20).
    expect(suite.metrics?.committedOpsPerSec as number).toBeGreaterThan(0);
    expect(suite.checks.filter((c) => !c.passed)).toEqual([]);
    expect(suite.checks.map((c) => c.name)).toContain('linearizability');
    expect(suite.metrics?.lostAcknowledgedWrites).toBe(0);
  });
});

describe('swarmperf bench CLI', () => {
  it('sweeps cluster sizes into one RunResult with one suite per size', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'swarmperf-bench-'));
    const out = join(dir, 'r.json');
    const code = await main(['node', 'swarmperf', 'bench', '--protocol', 'raft', '--scenario', 'election', '--nodes', '3,5', '--trials', '5', '--seed', '1', '--quiet', '--no-history', '--data-dir', dir, '--json', out]);
    expect(code).toBe(0);
    const r = parseRunResult(JSON.parse(readFileSync(out, 'utf8')));
    expect(r.suites.map((s) => s.backend)).toEqual(['sim:3-nodes', 'sim:5-nodes']);
    // Each member of the sweep is its own series in the history (trends, csv labels).
    expect(r.suites.map((s) => s.name)).toEqual(['consensus.raft[nodes=3]', 'consensus.raft[nodes=5]']);
    expect(r.config.seed).toBe(1);
  });

  it('a sweep prints one table across its members after them; simulated suites say they ran in virtual time', () => {
    const dir = mkdtempSync(join(tmpdir(), 'swarmperf-bench-'));
    const out = join(dir, 'r.json');
    const r = runCli(['bench', '--protocol', 'raft', '--scenario', 'throughput', '--nodes', '3,5', '--duration', '1s', '--warmup', '0s', '--seed', '3', '--no-history', '--data-dir', dir, '--json', out], { timeoutMs: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const at = r.stdout.indexOf('■ sweep consensus.raft: 2 members');
    // After both members' own tables.
    expect(at).toBeGreaterThan(r.stdout.lastIndexOf('■ consensus.raft[nodes=5]'));
    const table = r.stdout.slice(at).split('\n');
    expect(table[1]).toMatch(/^member\s+operation\s+ops\/s\s+p50\s+p99\s+msgs\/op\s+bytes\/op\s+errors\s+checks$/);
    const result = parseRunResult(JSON.parse(readFileSync(out, 'utf8')));
    const rows = table.filter((l) => /^nodes=\d/.test(l));
    expect(rows.map((l) => l.split(/\s+/)[0])).toEqual(['nodes=3', 'nodes=5']);
    // Each row carries its member's messages per op, as measured.
    for (const [i, row] of rows.entries()) {
      const m = result.suites[i]!.metrics!.messagesPerOp!;
      expect(row.split(/\s+/)[5]).toBe(m >= 100 ? String(Math.round(m)) : m.toFixed(1));
    }
    for (const s of result.suites) expect(s).toMatchObject({ virtualTime: true, measuredBy: [] });
    // No finding about the simulator's own process (CPU, event loop, GC) in virtual time.
    expect((result.findings ?? []).filter((f) => ['event-loop-delay', 'gc-pressure', 'cpu-saturation'].includes(f.kind))).toEqual([]);
  }, 120_000);

  it('rejects a bad fault schedule with exit 2 and a message naming the bad part', async () => {
    const writes: string[] = [];
    const orig = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => {
      writes.push(String(s));
      return true;
    }) as typeof process.stderr.write;
    try {
      const code = await main(['node', 'swarmperf', 'bench', '--protocol', 'raft', '--scenario', 'faults', '--faults', 'crash-leader@5s; partition 1,2|3,7@10s-20s', '--quiet', '--no-history']);
      expect(code).toBe(2);
    } finally {
      process.stderr.write = orig;
    }
    expect(writes.join('')).toMatch(/--faults: clause 2 "partition 1,2\|3,7@10s-20s" at "7": node 7 does not exist \(nodes are 1..5\)/);
  });
});

describe('bench --protocol a,b,c: one comparison', () => {
  it('one RunResult with every protocol at every size and a consensus.compare suite whose rows and recommendations come from the measurements', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'swarmperf-compare-'));
    const out = join(dir, 'r.json');
    const code = await main(['node', 'swarmperf', 'bench', '--protocol', 'raft,pbft,gossip', '--nodes', '4,7', '--duration', '1s', '--warmup', '300ms', '--concurrency', '8', '--seed', '2', '--quiet', '--no-history', '--data-dir', dir, '--json', out]);
    expect(code).toBe(0);
    const r = parseRunResult(JSON.parse(readFileSync(out, 'utf8')));
    expect(r.suites.map((s) => `${s.name}@${s.backend}`)).toEqual([
      'consensus.raft[nodes=4]@sim:4-nodes',
      'consensus.raft[nodes=7]@sim:7-nodes',
      'consensus.pbft[nodes=4]@sim:4-nodes',
      'consensus.pbft[nodes=7]@sim:7-nodes',
      'consensus.gossip[nodes=4]@sim:4-nodes',
      'consensus.gossip[nodes=7]@sim:7-nodes',
      'consensus.compare@sim:4,7-nodes',
    ]);
    for (const s of r.suites.slice(0, 6)) {
      expect(s.metrics?.messagesPerOp, s.name).toBeGreaterThan(0);
      expect(s.metrics?.bytesPerOp, s.name).toBeGreaterThan(0);
    }
    const cmp = r.suites[6];
    const raft4 = r.suites[0]?.metrics?.committedOpsPerSec as number;
    expect(cmp?.metrics?.['raft.n4.committedOpsPerSec']).toBeCloseTo(raft4, 2);
    const recs = (cmp?.workers ?? []).filter((w) => 'recommendation' in w).map((w) => String(w.recommendation));
    expect(recs.some((t) => /only pbft survives Byzantine members \(f=1\)/.test(t))).toBe(true);
    expect(recs.some((t) => t.includes(Math.round(raft4).toLocaleString('en-US')) || t.includes(raft4.toFixed(1)))).toBe(true);
  });

  it('recommendations follow the numbers: swap the measured throughputs and the advice swaps', () => {
    const base = { scenario: 'throughput', p50Us: 30_000, p99Us: 40_000, bytesPerOp: 100, crashTolerance: 1, byzantineTolerance: 0, cpuPctMean: 0, rssMaxBytes: 0, checksPassed: true, ordersCommands: true, nodes: 4 };
    const a = recommend([{ ...base, protocol: 'raft', committedOpsPerSec: 900, messagesPerOp: 2 }, { ...base, protocol: 'pbft', committedOpsPerSec: 300, messagesPerOp: 20, byzantineTolerance: 1 }]);
    const b = recommend([{ ...base, protocol: 'raft', committedOpsPerSec: 300, messagesPerOp: 2 }, { ...base, protocol: 'pbft', committedOpsPerSec: 900, messagesPerOp: 20, byzantineTolerance: 1 }]);
    expect(a[0]).toMatch(/^n=4: raft commits 900 ops\/s, 3\.0× pbft/);
    expect(b[0]).toMatch(/^n=4: pbft commits 900 ops\/s, 3\.0× raft/);
  });
});

describe('the registry as the one source of protocol parameters', () => {
  it('lists every protocol with its scenarios; crash-leader only where a leader exists', () => {
    const names = listProtocols().map((p) => p.name);
    // The built-ins, in order; setup() (run by main() above) adds `external` (the user's node, src/consensus/external).
    expect(names.filter((n) => n !== 'external')).toEqual(['raft', 'pbft', 'gossip']);
    expect(getProtocol('gossip')?.faultTargets).not.toContain('crash-leader');
    expect(getProtocol('raft')?.faultTargets).toContain('crash-leader');
    expect(getProtocol('pbft')?.scenarios.map((s) => s.name)).toContain('throughput');
  });

  it('the MCP input schema and the CLI defaults come from the same declarations', () => {
    const schema = consensusParamsSchema();
    expect(Object.keys(schema.shape)).toEqual(expect.arrayContaining(['protocol', 'scenario', 'nodes', 'fsync', 'electionTimeout', 'byzantine', 'fanout']));
    const d = consensusBenchDefaults();
    expect(d.electionTimeout).toBe(raftParams.parse({}).electionTimeout);
    expect(d.fanout).toBe('3');
    expect(schema.safeParse({ protocol: 'raft', scenario: 'nope' }).success).toBe(false);
    expect(schema.safeParse({ protocol: 'gossip', scenario: 'convergence', nodes: '100' }).success).toBe(true);
  });
});
