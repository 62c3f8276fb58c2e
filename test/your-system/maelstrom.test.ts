/**
 * External nodes through the Maelstrom protocol: n processes of nodes written for the tests (and
 * the Raft example), each workload checked — every detector shown to catch its planted defect and
 * to stay quiet on the correct node. Small clusters (3 nodes), runs of a second or two, nothing
 * asserts speed.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMaelstrom, type MaelstromOptions } from '../../src/consensus/external/maelstrom.js';
import { parseFaultSchedule } from '../../src/sim/faults.js';

const FIXTURES = resolve('test/fixtures/your-system/maelstrom');
const LIN_KV = `${FIXTURES}/lin-kv-node.mjs`;
const SET = `${FIXTURES}/set-node.mjs`;
const IDS = `${FIXTURES}/unique-ids-node.mjs`;
const RAFT = resolve('examples/maelstrom-raft-kv.mjs');
const base = { command: process.execPath, nodes: 3, clients: 6, durationMs: 20_000, rpcTimeoutMs: 5_000, seed: 7 } satisfies Partial<MaelstromOptions>;
const check = (r: { checks: Array<{ name: string; passed: boolean; detail: string }> }, prefix: string) => r.checks.find((c) => c.name.startsWith(prefix))!;

describe('Maelstrom lin-kv against external node processes', () => {
  it('a correct node (one copy at the first node, others forward): linearizable, every op answered, clients meet on few keys', async () => {
    const r = await runMaelstrom({ ...base, workload: 'lin-kv', args: [LIN_KV], keys: 2, operations: 300 });
    expect(check(r, 'lin-kv').passed).toBe(true);
    expect(r.ops.invoked).toBe(300);
    expect(r.ops.ok + r.ops.definiteFail).toBe(300);
    expect(r.ops.indefinite).toBe(0);
    // Few keys so that operations meet: both keys touched, ~150 operations each.
    expect(r.metrics.keysTouched).toBe(2);
    expect(r.metrics.opsPerKey).toBeGreaterThan(50);
    // Clients spread over n1..n3; n2 and n3 forward to n1 and relay its reply (2 server messages
    // each), n1's own clients cost none: between 0 and 2 per op, and above 0.
    expect(r.msgsPerOp.server).toBeGreaterThan(0.5);
    expect(r.msgsPerOp.server).toBeLessThanOrEqual(2);
    expect(r.msgsPerOp.client).toBeCloseTo(2, 5);
    expect(r.latencyUs.p50).toBeGreaterThan(0);
    expect(r.operations.map((o) => o.name).sort()).toEqual(['cas', 'read', 'write']);
  });

  it('a node answering reads from a lagging replica: the checker finds the violation', async () => {
    const r = await runMaelstrom({ ...base, workload: 'lin-kv', args: [LIN_KV, '--stale'], keys: 2, operations: 300 });
    expect(check(r, 'lin-kv').passed).toBe(false);
    expect(check(r, 'lin-kv').detail).toMatch(/no order explains/);
  });

  it('the Raft example node: linearizable under a partition from the fault schedule, and the partition really cut it', async () => {
    const faults = parseFaultSchedule('partition 1|2,3@300ms-1300ms', 3);
    const r = await runMaelstrom({ ...base, workload: 'lin-kv', args: [RAFT], keys: 2, durationMs: 2_500, rpcTimeoutMs: 1_000, faults, initTimeoutMs: 30_000 });
    expect(check(r, 'lin-kv').passed).toBe(true);
    expect(r.ops.ok).toBeGreaterThan(0);
    expect(r.faults.map((f) => `${f.phase} ${f.kind}`)).toEqual(['start partition', 'end partition']);
    // n1 was alone: its clients got "no leader" (11, definite) or timed out — not answers.
    expect(r.ops.definiteFail + r.ops.indefinite).toBeGreaterThan(0);
  });

  it('a node that never answers init: one clear error naming each node', async () => {
    await expect(runMaelstrom({ ...base, workload: 'lin-kv', args: ['-e', 'process.stdin.resume()'], operations: 1, initTimeoutMs: 1_000 })).rejects.toThrow(/node n1 did not answer init with init_ok; node n2 .*; node n3/);
  });
});

describe('Maelstrom broadcast and g-set (set-full)', () => {
  const lossy = { ...base, durationMs: 1_000, rpcTimeoutMs: 2_000, settleMs: 2_000, loss: 0.3 };

  it('a node that retries until acknowledged: nothing lost under 30% loss', async () => {
    const r = await runMaelstrom({ ...lossy, workload: 'broadcast', args: [SET] });
    expect(check(r, 'broadcast: no acknowledged element lost').passed).toBe(true);
    expect(check(r, 'broadcast: reads return only').passed).toBe(true);
    expect(r.metrics.lost).toBe(0);
    expect(r.metrics.stableLatencyP50Us).toBeGreaterThan(0);
    expect(r.operations.map((o) => o.name).sort()).toEqual(['broadcast', 'read']);
    expect(r.msgsPerOp.server).toBeGreaterThan(0);
  });

  it('a node that sends each message once (no retry): set-full reports the lost elements and where', async () => {
    const r = await runMaelstrom({ ...lossy, workload: 'broadcast', args: [SET, '--no-retry'] });
    const lost = check(r, 'broadcast: no acknowledged element lost');
    expect(lost.passed).toBe(false);
    expect(lost.detail).toMatch(/lost of \d+ acknowledged: \d+ \(missing at n\d/);
    expect(r.metrics.lost).toBeGreaterThan(0);
  });

  it('g-set through a partition and a pause: healed before the final reads, nothing lost', async () => {
    // The pause outlasts the RPC timeout: requests to n2 early in it cannot be answered in time.
    const faults = parseFaultSchedule('partition 1|2,3@100ms-600ms; pause 2@200ms-900ms', 3);
    const r = await runMaelstrom({ ...base, workload: 'g-set', args: [SET], durationMs: 1_000, rpcTimeoutMs: 300, settleMs: 1_000, faults });
    expect(check(r, 'g-set: no acknowledged element lost').passed).toBe(true);
    expect(r.faults.filter((f) => f.phase === 'start').map((f) => f.kind).sort()).toEqual(['partition', 'pause']);
    // The partition made reads miss elements for a while: stale, then stable.
    expect(r.metrics.stale).toBeGreaterThan(0);
    // Clients of the paused node waited out their timeout: indefinite, not failed.
    expect(r.ops.indefinite).toBeGreaterThan(0);
    expect(r.operations.map((o) => o.name).sort()).toEqual(['add', 'read']);
  });

  it('a crash restarts the node as a fresh process: what it held is gone from its final read (reported as lost there)', async () => {
    const faults = parseFaultSchedule('crash 3@200ms-400ms', 3);
    const r = await runMaelstrom({ ...base, workload: 'g-set', args: [SET, '--no-retry'], durationMs: 800, rpcTimeoutMs: 500, settleMs: 500, faults, initTimeoutMs: 30_000 });
    const lost = check(r, 'g-set: no acknowledged element lost');
    expect(r.faults.map((f) => `${f.phase} ${f.kind} ${f.nodes.join()}`)).toEqual(['start crash 2', 'end crash 2']);
    expect(lost.passed).toBe(false);
    expect(lost.detail).toMatch(/missing at n3/);
  });
});

describe('Maelstrom unique-ids', () => {
  it('node id + counter: all distinct, open loop at a fixed rate', async () => {
    const r = await runMaelstrom({ ...base, workload: 'unique-ids', args: [IDS], rate: 200, operations: 100 });
    expect(check(r, 'unique-ids').passed).toBe(true);
    expect(check(r, 'unique-ids').detail).toBe('100 ids, all distinct');
    expect(r.ops.invoked).toBe(100);
    expect(r.msgsPerOp.server).toBe(0);
  });

  it('a counter without the node id: duplicates found, with the clients that got them', async () => {
    const r = await runMaelstrom({ ...base, workload: 'unique-ids', args: [IDS, '--no-node-id'], operations: 200 });
    const c = check(r, 'unique-ids');
    expect(c.passed).toBe(false);
    expect(c.detail).toMatch(/duplicate\(s\) among 200 ids: \d+ to c\d and c\d/);
    expect(r.metrics.duplicateIds).toBeGreaterThan(0);
  });
});

describe('swarmperf bench --protocol external (the built CLI)', () => {
  it('runs n copies of the node and reports the stale reads as a failed linearizability check (exit 1)', async () => {
    const { runCli, tempDir } = await import('../helpers/cli.js');
    const dir = tempDir();
    // One key: every client meets every write, so a 30 ms stale window is hit even on a slow machine.
    const r = runCli(['bench', '--protocol', 'external', '--mode', 'real', '--node', `node ${LIN_KV} --stale`, '--nodes', '3', '--node-keys', '1', '--duration', '2s', '--warmup', '0s', '--data-dir', dir, '--no-history', '--json', '-'], { timeoutMs: 120_000 });
    expect(r.status).toBe(1);
    const run = JSON.parse(r.stdout) as { suites: Array<{ name: string; checks: Array<{ name: string; passed: boolean }>; metrics: Record<string, number>; operations: Array<{ name: string; count: number }> }> };
    const suite = run.suites.find((s) => s.name === 'consensus.external')!;
    expect(suite.checks.find((c) => c.name === 'lin-kv linearizable')?.passed).toBe(false);
    expect(suite.metrics.clientMsgsPerOp).toBe(2);
    expect(suite.operations.map((o) => o.name).sort()).toEqual(['cas', 'read', 'write']);
  });

  it('broadcast with a loss window from --faults and an open loop (--rate): the no-retry node fails set-full (exit 1)', async () => {
    const { runCli, tempDir } = await import('../helpers/cli.js');
    const args = ['bench', '--protocol', 'external', '--mode', 'real', '--workload', 'broadcast', '--node', `node ${SET} --no-retry`, '--nodes', '3', '--rate', '200', '--faults', 'loss=40%@0s-1s', '--duration', '1s', '--warmup', '0s', '--settle', '500ms', '--data-dir', tempDir(), '--no-history', '--json', '-'];
    const r = runCli(args, { timeoutMs: 120_000 });
    expect(r.status).toBe(1);
    const run = JSON.parse(r.stdout) as { suites: Array<{ name: string; checks: Array<{ name: string; passed: boolean }>; metrics: Record<string, number>; workers?: Array<Record<string, unknown>> }> };
    const suite = run.suites.find((s) => s.name === 'consensus.external')!;
    expect(suite.checks.find((c) => c.name === 'broadcast: no acknowledged element lost')?.passed).toBe(false);
    expect(suite.metrics.lost).toBeGreaterThan(0);
    expect(suite.metrics.faults).toBe(1);
    expect(suite.workers?.some((w) => Array.isArray(w.faults))).toBe(true);
  });

  it('bad input names the flag (exit 2)', async () => {
    const { runCli, tempDir } = await import('../helpers/cli.js');
    const bad = (extra: string[]) => runCli(['bench', '--protocol', 'external', '--mode', 'real', '--node', 'x', '--data-dir', tempDir(), '--no-history', ...extra]);
    const workload = bad(['--workload', 'kafka']);
    expect(workload.status).toBe(2);
    expect(workload.stderr).toMatch(/--workload: expected one of lin-kv, broadcast, g-set, unique-ids, got "kafka"/);
    const leader = bad(['--faults', 'crash-leader@1s']);
    expect(leader.status).toBe(2);
    expect(leader.stderr).toMatch(/--faults: "crash-leader@1s": external has no crash-leader target/);
    const missing = runCli(['bench', '--protocol', 'external', '--mode', 'real', '--node', 'no-such-node-binary', '--data-dir', tempDir(), '--no-history']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/--node: node n\d cannot start "no-such-node-binary": spawn no-such-node-binary ENOENT before answering init/);
  });

  it('pause is refused for the simulator protocols (no processes to stop)', async () => {
    const { runCli, tempDir } = await import('../helpers/cli.js');
    const r = runCli(['bench', '--protocol', 'raft', '--nodes', '3', '--faults', 'pause 2@1s-2s', '--data-dir', tempDir(), '--no-history']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/raft has no pause target/);
  });
});
