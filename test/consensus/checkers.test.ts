/**
 * Every checker proven to catch a planted bug: a Raft node with one rule broken runs in the
 * simulator, and the checker for the property that rule protects must report a violation.
 */
import { describe, expect, it } from 'vitest';
import { checkLinearizability, type HistoryOp } from '../../src/consensus/checkers/linearizability.js';
import { SafetyChecker } from '../../src/consensus/checkers/safety.js';
import { RaftLog } from '../../src/consensus/raft/log.js';
import { RaftNode } from '../../src/consensus/raft/node.js';
import type { AppendRequest, VoteRequest } from '../../src/consensus/raft/types.js';
import { parseFaultSchedule } from '../../src/sim/faults.js';
import { smallRun } from './helpers.js';

/** Votes for every candidate that asks, several times in one term. */
class DoubleVoter extends RaftNode {
  protected override canGrantVote(): boolean {
    return true;
  }
}

/** Commits whatever it has appended, without waiting for a majority. */
class EagerCommitter extends RaftNode {
  protected override maybeCommit(): void {
    if (this.role === 'leader') this.commit = this.log.lastIndex;
  }
}

/** Accepts appends without checking that its log matches at prevIndex. */
class BlindAppender extends RaftNode {
  protected override appendMatches(m: AppendRequest): boolean {
    return m.prevIndex <= this.log.lastIndex;
  }
}

/** Votes without comparing logs (so a stale node can win and lack committed entries). */
class CarelessVoter extends RaftNode {
  protected override canGrantVote(m: VoteRequest): boolean {
    return this.votedFor === m.from || this.votedFor === -1 || m.pre;
  }
}

function findViolation(property: string, make: (seed: number) => ReturnType<typeof smallRun>, seeds = 60): { seed: number; detail: string } | undefined {
  for (let seed = 1; seed <= seeds; seed++) {
    const r = make(seed);
    const bad = r.checks.find((c) => c.name === property && !c.passed);
    if (bad) return { seed, detail: bad.detail };
  }
  return undefined;
}

const stormy = parseFaultSchedule('crash-leader@300ms+200ms; partition 1|2,3@700ms+300ms; crash-leader@1.1s+200ms; loss=20%@1.3s+200ms', 3);

describe('safety checkers catch planted bugs', () => {
  it('election safety catches a node that votes twice in one term', () => {
    const hit = findViolation('election safety', (seed) =>
      smallRun(seed, { nodes: 5, electionTimeoutUs: [50_000, 52_000], faults: parseFaultSchedule('crash-leader@300ms+200ms; crash-leader@900ms+200ms', 5), nodeFactory: (c, p) => new DoubleVoter(c, p) }),
    );
    expect(hit?.detail).toMatch(/both led term/);
  });

  it('state-machine safety / durability catch a leader that commits without a majority', () => {
    const hit = findViolation('state-machine safety', (seed) => smallRun(seed, { faults: stormy, nodeFactory: (c, p) => new EagerCommitter(c, p) }));
    expect(hit?.detail).toMatch(/applied .* at index/);
  });

  it('log matching catches a follower that skips the consistency check', () => {
    const hit = findViolation('log matching', (seed) => smallRun(seed, { faults: stormy, reorder: 0.2, nodeFactory: (c, p) => new BlindAppender(c, p) }));
    expect(hit?.detail).toMatch(/agree at index \d+ .* but differ at index/);
  });

  it('leader completeness catches an election that ignores how up to date the candidate is', () => {
    const hit = findViolation('leader completeness', (seed) =>
      smallRun(seed, { nodes: 3, faults: parseFaultSchedule('partition 1|2,3@200ms-900ms; crash-leader@1s+100ms; partition 2|1,3@1.2s+300ms', 3), nodeFactory: (c, p) => new CarelessVoter(c, p) }),
    );
    expect(hit?.detail).toMatch(/without committed entry|lacks committed entry/);
  });

  it('the healthy node passes the same storms', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const r = smallRun(seed, { faults: stormy, reorder: 0.2 });
      expect(r.checks.filter((c) => !c.passed)).toEqual([]);
    }
  });
});

describe('SafetyChecker units', () => {
  const log = (terms: number[]): RaftLog => {
    const l = new RaftLog();
    terms.forEach((term, i) => l.append({ term, index: i + 1, command: { n: i, term } }));
    return l;
  };

  it('log matching: same index and term but different history is a violation', () => {
    const c = new SafetyChecker();
    const a = log([1, 1, 2]);
    const b = new RaftLog();
    b.append({ term: 1, index: 1, command: 'other' });
    b.append({ term: 1, index: 2, command: { n: 1, term: 1 } });
    b.append({ term: 2, index: 3, command: { n: 2, term: 2 } });
    c.checkLogs([a, b, log([1, 1])], 5);
    expect(c.results().find((r) => r.name === 'log matching')?.passed).toBe(false);
    const ok = new SafetyChecker();
    ok.checkLogs([log([1, 1, 2]), log([1, 1, 3, 3]), log([1])], 5);
    expect(ok.results().every((r) => r.passed)).toBe(true);
  });

  it('acknowledged writes missing from the committed log are reported as lost', () => {
    const c = new SafetyChecker();
    c.applied(0, { term: 1, index: 1, command: { client: 1, seq: 1, op: 'put', key: 'a', value: 'x' } }, 10);
    c.acknowledgedWrite(1, 1, 11);
    c.acknowledgedWrite(1, 2, 12);
    c.checkFinal([], 20);
    expect(c.lostWrites).toBe(1);
    expect(c.results().find((r) => r.name === 'acknowledged writes durable')?.detail).toMatch(/1 acknowledged write\(s\) missing/);
  });
});

describe('linearizability checker', () => {
  const put = (client: number, value: string, call: number, ret?: number): HistoryOp => ({ client, op: { op: 'put', key: 'k', value }, call, ...(ret !== undefined ? { ret, result: { value, ok: true } } : {}) });
  const get = (client: number, value: string | null, call: number, ret: number): HistoryOp => ({ client, op: { op: 'get', key: 'k' }, call, ret, result: { value, ok: true } });

  it('accepts concurrent operations ordered either way', () => {
    const h = [put(1, 'a', 0, 10), put(2, 'b', 5, 15), get(3, 'a', 12, 20), get(3, 'a', 21, 30)];
    expect(checkLinearizability(h).verdict).toBe('ok');
  });

  it('catches a stale read', () => {
    const h = [put(1, 'a', 0, 10), put(1, 'b', 11, 20), get(2, 'a', 21, 30)];
    const r = checkLinearizability(h);
    expect(r.verdict).toBe('violation');
    expect(r.detail).toMatch(/key "k": no order explains/);
  });

  it('catches a read of a value never written, and a lost write read back', () => {
    expect(checkLinearizability([get(1, 'zzz', 0, 5)]).verdict).toBe('violation');
    expect(checkLinearizability([put(1, 'a', 0, 10), get(2, null, 11, 12)]).verdict).toBe('violation');
  });

  it('a write with unknown outcome may or may not have happened', () => {
    expect(checkLinearizability([put(1, 'a', 0), get(2, 'a', 50, 60), get(2, 'a', 70, 80)]).verdict).toBe('ok');
    expect(checkLinearizability([put(1, 'a', 0), get(2, null, 50, 60)]).verdict).toBe('ok');
    // …but once seen it cannot be unseen.
    expect(checkLinearizability([put(1, 'a', 0), get(2, 'a', 50, 60), get(2, null, 70, 80)]).verdict).toBe('violation');
  });

  it('checks compare-and-set results', () => {
    const cas = (from: string | null, to: string, ok: boolean, call: number, ret: number): HistoryOp => ({ client: 9, op: { op: 'cas', key: 'k', from, to }, call, ret, result: { value: ok ? to : from, ok } });
    expect(checkLinearizability([put(1, 'a', 0, 10), cas('a', 'b', true, 11, 20), get(2, 'b', 21, 30)]).verdict).toBe('ok');
    expect(checkLinearizability([put(1, 'a', 0, 10), cas('x', 'b', true, 11, 20)]).verdict).toBe('violation');
  });

  it('gives up with "unknown" past its step budget rather than guessing', () => {
    const h: HistoryOp[] = [];
    for (let i = 0; i < 40; i++) h.push(put(i, `v${i}`, 0, 1000));
    h.push(get(99, 'nope', 1001, 1002));
    expect(checkLinearizability(h, { maxSteps: 1000 }).verdict).toBe('unknown');
  });

  it('passes a real simulated history and flags the same history with one stale read planted in it', () => {
    const r = smallRun(5, { durationUs: 1_500_000, faults: parseFaultSchedule('isolate-leader@500ms-1.2s', 3), checkQuorum: false });
    expect(r.lin.verdict).toBe('ok'); // the real system is linearizable: reads go through the log
    const stale = [...r.clients.history];
    const lastPut = stale.filter((h) => h.op.op === 'put' && h.ret !== undefined).at(-1) as HistoryOp;
    const tEnd = Math.max(...stale.map((h) => h.ret ?? 0));
    stale.push({ client: 999, op: { op: 'get', key: lastPut.op.key }, call: tEnd + 1, ret: tEnd + 2, result: { value: 'stale-value-never-written', ok: true } });
    expect(checkLinearizability(stale).verdict).toBe('violation');
  });
});
