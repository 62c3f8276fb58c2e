/**
 * Where the time went, shown per operation (terminal and html); the html findings table with one
 * row per cause and its advice once; one table across a sweep's members.
 */
import { describe, expect, it } from 'vitest';
import { breakdownHtml, operationBreakdown } from '../../src/report/breakdown.js';
import { findingsByCauseHtml, groupByCause } from '../../src/report/findings-html.js';
import { renderHtml } from '../../src/report/html.js';
import { sweepsOf } from '../../src/report/sweep.js';
import { formatRunSummary, formatSuite } from '../../src/report/terminal.js';
import type { Finding, SuiteResult } from '../../src/core/result.js';
import { runResult, samples, suite } from './fixtures.js';

function tasksWithLockWait(): SuiteResult {
  const s = suite('tasks', 'sqlite:/x.db', [
    { name: 'claim', meanUs: 1000, count: 1000 },
    { name: 'create', meanUs: 500, count: 1000 },
    { name: 'update', meanUs: 500, count: 1000 },
  ], samples('agent-0', 2, 3, () => ({})));
  const claim = s.operations.find((o) => o.name === 'claim')!;
  // 40 % of claim's total time waiting for the lock, in 18 operations; create measured none.
  claim.breakdown = { lockWaitUs: Math.round(0.4 * claim.count * claim.latencyUs.mean), lockWaits: 18 };
  s.operations.find((o) => o.name === 'create')!.breakdown = { lockWaitUs: 0, lockWaits: 0 };
  return s;
}

describe('breakdown per operation', () => {
  it('measured parts with their share of the total; parts nobody measured are absent, not zero', () => {
    const s = tasksWithLockWait();
    const claim = operationBreakdown(s.operations.find((o) => o.name === 'claim')!);
    expect(claim.parts.map((p) => p.part)).toEqual(['lockWait']);
    expect(claim.parts[0]!.share).toBeCloseTo(0.4, 2);
    expect(claim.lockWaits).toBe(18);
    expect(operationBreakdown(s.operations.find((o) => o.name === 'update')!).parts).toEqual([]);
  });

  it('open loop: queueing and service from the service times', () => {
    const s = suite('bus', 'memory', [{ name: 'publish', meanUs: 200, count: 2000, queueUs: 30_000 }], []);
    const b = operationBreakdown(s.operations[0]!);
    const op = s.operations[0]!;
    expect(b.parts.map((p) => p.part)).toEqual(['queue', 'service']);
    expect(b.parts[0]!.us + b.parts[1]!.us).toBeCloseTo(op.count * op.latencyUs.mean, 0);
    expect(b.parts[0]!.us).toBeGreaterThan(b.parts[1]!.us);
  });

  it('terminal: one line per operation with a measured part; none when nothing was measured', () => {
    const text = formatSuite(tasksWithLockWait());
    expect(text).toContain('where the time went');
    expect(text).toMatch(/\n {4}claim: lock wait [\d.]+m?s \(40 %, 18 waits\) of [\d.]+m?s/);
    // create waited for nothing and update measured nothing: no line for either.
    expect(text).not.toMatch(/\n {4}(create|update):/);
    expect(formatSuite(suite('memory', 'memory', [{ name: 'store', meanUs: 10, count: 100 }], []))).not.toContain('where the time went');
  });

  it('html: a compact table per suite with only the parts measured, and in the report', () => {
    const s = tasksWithLockWait();
    const html = breakdownHtml(s);
    expect(html).toMatch(/<th[^>]*>lock wait<\/th>/);
    expect(html).toMatch(/<th[^>]*>lock waits<\/th>/);
    expect(html).not.toMatch(/queueing|>service</);
    expect(html).toContain('>18<');
    expect(breakdownHtml(suite('memory', 'memory', [{ name: 'store', meanUs: 10, count: 100 }], []))).toBe('');
    const run = runResult('20261202-120000-dddddd', '2026-12-02T12:00:00.000Z', [s]);
    expect(renderHtml({ run, runs: [run], trends: [] })).toContain('Where the time went');
  });
});

describe('html findings: one row per cause, its advice once', () => {
  const degradation = (op: string, share: number): Finding => ({
    kind: 'throughput-degradation',
    severity: 'warning',
    component: `tasks/${op}`,
    evidence: `${op} fell to 0.5× its best interval`,
    recommendation: 'throughput falls as the run goes on: look for growing state',
    impact: { share, of: 'operation-time' },
  });
  const findings: Finding[] = [
    { kind: 'lock-wait', severity: 'critical', component: 'tasks', evidence: 'waiting for a lock took 60 %', recommendation: 'hold the lock for less time', operations: ['claim', 'create'], impact: { share: 0.6, of: 'operation-time' }, knob: 'sqlite?busyWait=spin', command: "swarmperf run tasks --backend 'sqlite?busyWait=spin'" },
    degradation('claim', 0.1),
    degradation('create', 0.3),
    degradation('update', 0.2),
  ];

  it('groups findings of one kind; the most severe kind first, as the findings are ordered', () => {
    const groups = groupByCause(findings);
    expect(groups.map((g) => [g.kind, g.findings.length, g.severity])).toEqual([
      ['lock-wait', 1, 'critical'],
      ['throughput-degradation', 3, 'warning'],
    ]);
  });

  it('the shared advice appears once; every operation and its evidence is named', () => {
    const html = findingsByCauseHtml(findings);
    expect(html.match(/<tbody>[\s\S]*<\/tbody>/)![0].match(/<tr>/g)).toHaveLength(2);
    expect(html.split('throughput falls as the run goes on').length - 1).toBe(1);
    for (const op of ['claim', 'create', 'update']) expect(html).toContain(`${op} fell to 0.5×`);
    expect(html).toContain('up to 30 % of all operation time');
    expect(html).toContain('knob: <code>sqlite?busyWait=spin</code>');
    expect(html).toContain('tasks (claim, create)');
  });
});

describe('a sweep across its members', () => {
  it('members of one base suite form one sweep; a lone member or an unswept suite does not', () => {
    const member = (name: string, backend: string, meanUs: number, msgs: number): SuiteResult => suite(name, backend, [{ name: 'put', meanUs, count: 500 }], [], { metrics: { committedOpsPerSec: 1000 / meanUs, messagesPerOp: msgs } });
    const suites = [member('consensus.raft[nodes=3]', 'sim:3-nodes', 100, 4), member('consensus.raft[nodes=5]', 'sim:5-nodes', 150, 8), member('consensus.pbft[nodes=4]', 'sim:4-nodes', 300, 30), member('tasks', 'memory', 10, 0)];
    const sweeps = sweepsOf(suites);
    expect(sweeps.map((s) => [s.base, s.rows.map((r) => r.member)])).toEqual([['consensus.raft', ['nodes=3', 'nodes=5']]]);
    expect(sweeps[0]!.rows.map((r) => r.messagesPerOp)).toEqual([4, 8]);
    const text = formatRunSummary(runResult('20261202-120000-eeeeee', '2026-12-02T12:00:00.000Z', suites));
    const at = text.indexOf('■ sweep consensus.raft: 2 members');
    expect(at).toBeGreaterThan(text.indexOf('■ tasks'));
    expect(text.slice(at)).toMatch(/\nnodes=3\s+put\s+10\/s\s/);
  });
});
