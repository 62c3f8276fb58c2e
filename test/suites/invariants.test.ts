/** The pure invariant checkers: each catches a planted violation and passes a clean history. */
import { describe, expect, it } from 'vitest';
import { analyzeDeliveries, intersectionSize, PublicationTracker, SubscriptionTracker, type PublicationSummary, type SubscriptionSummary } from '../../src/suites/invariants/deliveries.js';
import { Rng } from '../../src/measure/rng.js';
import { analyzeLeases, type LeaseObservation } from '../../src/suites/invariants/leases.js';
import { checkNamespaceIsolation, checkReadback } from '../../src/suites/invariants/memory.js';
import { checkRegistry, type RegistryEndState } from '../../src/suites/invariants/registry.js';
import { SeqFate, SeqFates } from '../../src/suites/invariants/seq-fates.js';
import { checkDependenciesRespected, checkNoClaimableLeft, checkNoDoubleClaims, type ClaimEvent } from '../../src/suites/invariants/tasks.js';

const claim = (taskId: string, workerId: string, startUs: number, dependsOn: string[] = []): ClaimEvent => ({ taskId, workerId, startUs, endUs: startUs + 10, dependsOn });

describe('task invariants', () => {
  it('a task claimed by two workers is a violation naming both', () => {
    expect(checkNoDoubleClaims([claim('t1', 'a', 0), claim('t2', 'b', 5)]).passed).toBe(true);
    const bad = checkNoDoubleClaims([claim('t1', 'a', 0), claim('t1', 'b', 5)]);
    expect(bad.passed).toBe(false);
    expect(bad.detail).toContain('t1 claimed by a and b');
  });

  it('a pending task whose dependencies all completed is claimable and must not be left', () => {
    const done = { id: 'd', status: 'completed' as const, dependsOn: [], claimedBy: 'a' };
    expect(checkNoClaimableLeft([done, { id: 'x', status: 'pending', dependsOn: ['y'], claimedBy: null }, { id: 'y', status: 'pending', dependsOn: ['x'], claimedBy: null }], true).passed).toBe(true);
    expect(checkNoClaimableLeft([done, { id: 'x', status: 'pending', dependsOn: ['d'], claimedBy: null }], true).passed).toBe(false);
    // Not drained (interrupted): skipped, and says so.
    const skipped = checkNoClaimableLeft([done, { id: 'x', status: 'pending', dependsOn: [], claimedBy: null }], false);
    expect(skipped.passed).toBe(true);
    expect(skipped.detail).toMatch(/not checked/);
  });

  it('a claim that returned before its dependency was completed is a violation; within the skew it is not', () => {
    const finalTasks = [
      { id: 'dep', status: 'completed' as const, dependsOn: [], claimedBy: 'a' },
      { id: 't', status: 'completed' as const, dependsOn: ['dep'], claimedBy: 'b' },
    ];
    const completes = [{ taskId: 'dep', workerId: 'a', startUs: 1_000, endUs: 1_010, ok: true }];
    expect(checkDependenciesRespected({ claims: [claim('t', 'b', 2_000, ['dep'])], completes, finalTasks }).passed).toBe(true);
    const early = checkDependenciesRespected({ claims: [claim('t', 'b', 100, ['dep'])], completes, finalTasks });
    expect(early.passed).toBe(false);
    expect(early.detail).toMatch(/t claimed by b \d+ µs before its dependency dep/);
    expect(checkDependenciesRespected({ claims: [claim('t', 'b', 100, ['dep'])], completes, finalTasks, skewUs: 5_000 }).passed).toBe(true);
    const never = checkDependenciesRespected({ claims: [claim('t', 'b', 100, ['dep'])], completes: [], finalTasks: [{ ...finalTasks[0]!, status: 'pending' }, finalTasks[1]!] });
    expect(never.detail).toMatch(/never completed/);
  });
});

describe('lease invariants', () => {
  const ttl = 100;
  const obs = (kind: LeaseObservation['kind'], agentId: string, epoch: number, acquiredAt: number, expiresAt: number): LeaseObservation => ({ kind, agentId, lease: { leaderId: agentId, epoch, acquiredAt, expiresAt }, atMs: expiresAt - ttl });

  it('clean hand-overs pass and give the failover time from the last renewal', () => {
    const a = analyzeLeases([obs('acquired', 'a', 1, 0, 100), obs('renewed', 'a', 1, 0, 150), obs('acquired', 'b', 2, 160, 260)], ttl);
    expect(a.checks.every((c) => c.passed)).toBe(true);
    expect(a.failovers).toEqual([{ fromEpoch: 1, toEpoch: 2, from: 'a', to: 'b', failoverMs: 110 }]);
  });

  it('a new lease while the old one is live is an overlap', () => {
    const a = analyzeLeases([obs('acquired', 'a', 1, 0, 100), obs('renewed', 'a', 1, 0, 150), obs('acquired', 'b', 2, 120, 220)], ttl);
    expect(a.checks.find((c) => c.name === 'no two live leases overlap')?.passed).toBe(false);
  });

  it('two leaders in one epoch, and an epoch granted out of order, are violations', () => {
    const same = analyzeLeases([obs('acquired', 'a', 1, 0, 100), obs('acquired', 'b', 1, 200, 300)], ttl);
    expect(same.checks.find((c) => c.name === 'at most one leader per epoch')?.passed).toBe(false);
    const backwards = analyzeLeases([obs('acquired', 'a', 2, 0, 100), obs('acquired', 'b', 1, 200, 300)], ttl);
    expect(backwards.checks.find((c) => c.name === 'epochs strictly increasing')?.passed).toBe(false);
  });

  it('a resignation ends the lease at once: the next leader may start right after it', () => {
    const a = analyzeLeases([obs('acquired', 'a', 1, 0, 100), { kind: 'resigned', agentId: 'a', lease: { leaderId: 'a', epoch: 1, acquiredAt: 0, expiresAt: 100 }, atMs: 40 }, obs('acquired', 'b', 2, 41, 141)], ttl);
    expect(a.checks.every((c) => c.passed)).toBe(true);
  });
});

describe('delivery invariant', () => {
  /** A subscription that got `numbers` (publisher's numbers; undefined: not its publisher's) in this order. */
  const subscription = (subscriberId: string, numbers: Array<number | undefined>, topic = 't'): SubscriptionSummary => {
    const t = new SubscriptionTracker(subscriberId, topic);
    numbers.forEach((n, i) => {
      t.sequence(i);
      t.data(n);
    });
    return t.summary();
  };
  const publication = (attempted: number, failed: number[] = []): PublicationSummary => {
    const p = new PublicationTracker('t');
    for (let i = 0; i < attempted; i++) p.next();
    for (const f of failed) p.fail(f);
    return p.summary();
  };

  it('counts losses, duplicates and phantoms per subscriber', () => {
    const pub = [publication(4)];
    const clean = analyzeDeliveries(pub, [subscription('s1', [0, 1, 2, 3]), subscription('s2', [0, 1, 2, 3])]);
    expect(clean.checks.every((c) => c.passed)).toBe(true);
    expect(clean.expectedDeliveries).toBe(8);
    const bad = analyzeDeliveries(pub, [subscription('s1', [0, 2, 2, 3, 8])]);
    expect(bad.lost).toBe(1);
    expect(bad.duplicated).toBe(1);
    expect(bad.phantoms).toBe(1);
    expect(bad.checks.filter((c) => !c.passed).map((c) => c.name)).toEqual(['every message delivered to every subscriber', 'no duplicate deliveries', 'no phantom messages']);
    expect(bad.checks[0]?.detail).toMatch(/s1 missed 1 of 4 messages on t \(first #1\)/);
  });

  it('a failed publish is not expected, and its delivery is a phantom', () => {
    const pub = [publication(5, [1, 2])];
    const fine = analyzeDeliveries(pub, [subscription('s', [0, 3, 4])]);
    expect(fine.published).toBe(3);
    expect(fine.checks.every((c) => c.passed)).toBe(true);
    const ghost = analyzeDeliveries(pub, [subscription('s', [0, 2, 3, 4])]);
    expect(ghost.phantoms).toBe(1);
    expect(ghost.lost).toBe(0);
    const lost = analyzeDeliveries(pub, [subscription('s', [4, 3])]);
    expect(lost.lost).toBe(1);
    expect(lost.checks[0]?.detail).toMatch(/first #0/);
  });

  it("a message from another topic or run is a phantom, and reordering is counted on the bus's numbers", () => {
    const r = analyzeDeliveries([publication(2)], [subscription('s', [0, undefined, 1])]);
    expect(r.phantoms).toBe(1);
    expect(r.delivered).toBe(3);
    const t = new SubscriptionTracker('s', 't');
    for (const seq of [5, 3, 9, 7]) t.sequence(seq);
    expect(t.summary().reordered).toBe(2);
  });

  it('duplicates pass (still counted) when the bus says it is at-least-once', () => {
    const r = analyzeDeliveries([publication(1)], [subscription('s', [0, 0])], { duplicatesAllowed: true });
    expect(r.duplicated).toBe(1);
    expect(r.checks.every((c) => c.passed)).toBe(true);
  });

  it('holds runs of what was received, not every number: a long clean run is one run', () => {
    const t = new SubscriptionTracker('s', 't');
    // Out of order within a window of 16, as an open loop with 16 in flight delivers them.
    for (let base = 0; base < 100_000; base += 16) for (let k = 15; k >= 0; k--) t.data(base + k);
    expect(t.summary().received).toEqual([[0, 99_999]]);
    expect(t.receivedBelow(100_000)).toBe(100_000);
    expect(t.receivedBelow(10)).toBe(10);
  });

  it('intersections of run lists agree with sets (seeded, 300 cases)', () => {
    const rng = new Rng(11);
    const randomRuns = (): Array<[number, number]> => {
      const out: Array<[number, number]> = [];
      let at = rng.int(0, 5);
      for (let k = rng.int(0, 6); k > 0; k--) {
        const len = rng.int(1, 5);
        out.push([at, at + len - 1]);
        at += len + rng.int(1, 4);
      }
      return out;
    };
    const members = (runs: Array<[number, number]>): Set<number> => new Set(runs.flatMap(([a, b]) => Array.from({ length: b - a + 1 }, (_, i) => a + i)));
    for (let c = 0; c < 300; c++) {
      const a = randomRuns();
      const b = randomRuns();
      const mb = members(b);
      expect(intersectionSize(a, b)).toBe([...members(a)].filter((x) => mb.has(x)).length);
    }
  });
});

describe('memory invariants', () => {
  it('read-back compares the last write with what the store returns', () => {
    expect(checkReadback([{ fullKey: 'a/k', expected: 'x', actual: 'x' }, { fullKey: 'a/j', expected: null, actual: null }], true).passed).toBe(true);
    const bad = checkReadback([{ fullKey: 'a/k', expected: 'x', actual: null }, { fullKey: 'a/j', expected: null, actual: 'y' }, { fullKey: 'a/l', expected: 'x', actual: 'old' }], true);
    expect(bad.passed).toBe(false);
    expect(bad.detail).toMatch(/3 violation/);
  });

  it('isolation fails on a leak during the run or a foreign value at the end', () => {
    expect(checkNamespaceIsolation([], 0, [{ namespace: 'a', fullKey: 'a/k', writtenFor: 'a' }]).passed).toBe(true);
    expect(checkNamespaceIsolation([{ operation: 'search-glob', scope: 'a', fullKey: 'b/k' }], 1, []).passed).toBe(false);
    expect(checkNamespaceIsolation([], 0, [{ namespace: 'a', fullKey: 'a/k', writtenFor: 'b' }]).passed).toBe(false);
  });
});

describe('registry invariants', () => {
  // Agent `w` created w/a0 (deregistered), w/a1 (abandoned) and w/a2 (live).
  const fates = (): Map<string, SeqFates> => {
    const w = new SeqFates();
    w.set(0, SeqFate.deregistered);
    w.set(1, SeqFate.abandoned);
    return new Map([['w', w]]);
  };
  const base = (): RegistryEndState => ({ live: ['w', 'w/a2'], fates: fates(), listBeforeReap: ['w', 'w/a2', 'w/a1'], reapedAtEnd: ['w/a1'], finalList: ['w', 'w/a2'], reapedWhileFresh: { count: 0, examples: [] } });
  it('passes when the registry holds exactly the live agents, and counts from the fate records', () => {
    const checks = checkRegistry(base());
    expect(checks.every((c) => c.passed)).toBe(true);
    expect(checks.map((c) => c.detail)).toEqual(expect.arrayContaining(['1 deregistered agents, none listed', '1 abandoned agents, all reaped']));
  });
  it.each([
    ['deregistered agents gone', { listBeforeReap: ['w', 'w/a2', 'w/a1', 'w/a0'] }],
    ['stale agents reaped', { finalList: ['w', 'w/a2', 'w/a1'], reapedAtEnd: [] }],
    ['live agents kept', { finalList: ['w'], reapedAtEnd: ['w/a1', 'w/a2'] }],
    ['live agents kept', { reapedWhileFresh: { count: 1, examples: [{ id: 'w/a3', sinceHeartbeatMs: 5 }] } }],
    ['no leftover agents', { finalList: ['w', 'w/a2', 'x9'] }],
    // Of an owner nobody reported, or another agent's seq: listed at the end, it is unexpected.
    ['no leftover agents', { finalList: ['w', 'w/a2', 'v/a0'] }],
    ['no leftover agents', { finalList: ['w', 'w/a2', 'w/a7'] }],
  ])('fails "%s" on a planted violation', (name, patch) => {
    const checks = checkRegistry({ ...base(), ...patch });
    expect(checks.find((c) => c.name === name)?.passed).toBe(false);
  });
  it('an id that only looks like an owned one is not looked up in the record', () => {
    // `w/a00` and `w/b0` are not ids agent w makes, so not its deregistered w/a0 or w/a1.
    const checks = checkRegistry({ ...base(), listBeforeReap: ['w', 'w/a2', 'w/a00', 'w/b0'] });
    expect(checks.find((c) => c.name === 'deregistered agents gone')?.passed).toBe(true);
  });
  it('counts every violation though the examples are capped, and says how many', () => {
    const checks = checkRegistry({ ...base(), reapedWhileFresh: { count: 40_000, examples: [{ id: 'w/a9', sinceHeartbeatMs: 3 }] } });
    expect(checks.find((c) => c.name === 'live agents kept')?.detail).toMatch(/^40000 violation\(s\): w\/a9 was reaped 3 ms after its last heartbeat \(and 39999 more\)$/);
  });
});
