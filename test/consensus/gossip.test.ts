/** Gossip (SWIM + epidemic broadcast) in the simulator: convergence, detection, its checkers, determinism. */
import { describe, expect, it } from 'vitest';
import { epidemicModelRounds, runGossipScenario, type GossipScenarioOptions, type GossipSetup } from '../../src/consensus/gossip/scenarios.js';
import { runConsensusBench } from '../../src/consensus/index.js';
import { silentProgress } from '../../src/report/progress.js';
import { parseLatency } from '../../src/sim/latency.js';

const setup = (nodes: number, extra: Partial<GossipSetup> = {}): GossipSetup => ({
  nodes,
  seed: 7,
  latency: parseLatency('uniform:1ms-5ms'),
  loss: 0,
  duplicate: 0,
  reorder: 0,
  fanout: 3,
  intervalUs: 200_000,
  pushPull: false,
  probeIntervalUs: 1_000_000,
  probeTimeoutUs: 500_000,
  indirect: 3,
  suspicionMult: 4,
  retransmitMult: 4,
  maxPiggyback: 32,
  updateBytes: 64,
  ...extra,
});
const opts = (scenario: GossipScenarioOptions['scenario'], extra: Partial<GossipScenarioOptions> = {}): GossipScenarioOptions => ({ scenario, updates: 5, crashes: 1, rate: 20, durationUs: 2_000_000, warmupUs: 1_000_000, ...extra });
const run = { intervalUs: 1_000_000, progress: silentProgress };
const metrics = (s: { metrics?: Record<string, number> }): Record<string, number> => s.metrics as Record<string, number>;

describe('gossip convergence', () => {
  it('every member learns every update, in about as many rounds as the epidemic model says', async () => {
    const { suite } = await runGossipScenario(setup(200), opts('convergence'), run);
    const m = metrics(suite);
    expect(suite.checks.every((c) => c.passed)).toBe(true);
    expect(m.updates).toBe(5);
    expect(m.modelRounds).toBeCloseTo(epidemicModelRounds(200, 3), 2);
    // Asynchronous rounds forward a new update after half a round on average: faster than lockstep rounds, never instant.
    expect(m.roundsToAll).toBeGreaterThan(1);
    expect(m.roundsToAll).toBeLessThan((m.modelRounds as number) + 2);
    expect(m.roundsTo9999).toBeLessThanOrEqual(m.roundsToAll as number);
    expect(suite.operations.find((o) => o.name === 'broadcast')?.count).toBe(5);
  });

  it('the dissemination checker reports members that never learned an update (push, short hot window, heavy loss); push-pull repairs it', async () => {
    const lossy = { loss: 0.5, retransmitMult: 1 };
    const push = await runGossipScenario(setup(150, lossy), opts('convergence', { updates: 3 }), run);
    const check = push.suite.checks.find((c) => c.name === 'every live member learns every update');
    expect(check?.passed).toBe(false);
    expect(check?.detail).toMatch(/missed \d+ member-update pair/);
    expect(check?.detail).toMatch(/replay with --seed 7/);
    const pushPull = await runGossipScenario(setup(150, { ...lossy, pushPull: true }), opts('convergence', { updates: 3 }), run);
    expect(pushPull.suite.checks.every((c) => c.passed)).toBe(true);
  });

  it('the same seed gives the same figures', async () => {
    const a = metrics((await runGossipScenario(setup(100), opts('convergence', { updates: 3 }), run)).suite);
    const b = metrics((await runGossipScenario(setup(100), opts('convergence', { updates: 3 }), run)).suite);
    const c = metrics((await runGossipScenario(setup(100, { seed: 8 }), opts('convergence', { updates: 3 }), run)).suite);
    const keep = (m: Record<string, number>) => ({ r: m.roundsToAll, t: m.timeToAllUs, msgs: m.messagesPerOp, d: m.deliveries });
    expect(keep(a)).toEqual(keep(b));
    expect(keep(a)).not.toEqual(keep(c));
  });
});

describe('gossip failure detection (SWIM)', () => {
  it('crashed members are declared dead by every live member, no false positives on a clean network', async () => {
    const { suite } = await runGossipScenario(setup(50), opts('failure-detection', { crashes: 2 }), run);
    const m = metrics(suite);
    expect(suite.checks.every((c) => c.passed)).toBe(true);
    expect(m.crashed).toBe(2);
    expect(m.missedDetections).toBe(0);
    expect(m.falsePositives).toBe(0);
    // Nobody can be suspected before a probe period ends, nor declared dead before the suspicion timeout.
    expect(m.detectFirstUs).toBeGreaterThan(4 * 2 * 1_000_000);
    expect(suite.operations.find((o) => o.name === 'detect.all')?.count).toBe(2);
  });

  it('loss causes false suspicions, which incarnation numbers refute', async () => {
    const { suite } = await runGossipScenario(setup(50, { loss: 0.2 }), opts('failure-detection', { crashes: 1, durationUs: 20_000_000 }), run);
    const m = metrics(suite);
    expect(m.falseSuspicions).toBeGreaterThan(0);
    expect(m.missedDetections).toBe(0);
  });
});

describe('gossip through the registry', () => {
  it('has no leader: crash-leader is a usage error naming what gossip understands', async () => {
    const o = { durationUs: 1_000_000, warmupUs: 0, intervalUs: 1_000_000, seed: 1, signal: new AbortController().signal, progress: silentProgress, startedAt: new Date() };
    await expect(runConsensusBench({ protocol: 'gossip', nodes: '10', faults: 'crash-leader@1s' }, o)).rejects.toThrow(/gossip has no crash-leader target/);
  });

  it('bench --protocol gossip runs the convergence scenario by default', async () => {
    const o = { durationUs: 1_000_000, warmupUs: 500_000, intervalUs: 1_000_000, seed: 3, signal: new AbortController().signal, progress: silentProgress, startedAt: new Date() };
    const { run: r } = await runConsensusBench({ protocol: 'gossip', nodes: '30', updates: '2' }, o);
    expect(r.suites.map((s) => s.name)).toEqual(['consensus.gossip']);
    expect(r.config.scenario).toBe('convergence');
    expect(metrics(r.suites[0] as { metrics?: Record<string, number> }).roundsToAll).toBeGreaterThan(0);
  });
});
