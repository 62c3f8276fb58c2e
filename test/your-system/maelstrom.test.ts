/**
 * External nodes through the Maelstrom protocol: n processes of a node written for the tests, a
 * lin-kv workload from clients spread over all nodes, the history checked for linearizability.
 * The correct node passes; the node answering reads from a lagging replica is caught.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMaelstromLinKv } from '../../src/consensus/external/maelstrom.js';

const NODE = resolve('test/fixtures/your-system/maelstrom/lin-kv-node.mjs');
const base = { command: process.execPath, nodes: 3, clients: 6, keys: 2, operations: 300, durationMs: 20_000, rpcTimeoutMs: 5_000, seed: 7 };

describe('Maelstrom lin-kv against external node processes', () => {
  it('a correct node (one copy at the first node, others forward): linearizable, every op answered', async () => {
    const r = await runMaelstromLinKv({ ...base, args: [NODE] });
    expect(r.linearizability.verdict).toBe('ok');
    expect(r.ops.invoked).toBe(300);
    expect(r.ops.ok + r.ops.definiteFail).toBe(300);
    expect(r.ops.indefinite).toBe(0);
    // Clients are spread over n1..n3; n2 and n3 forward to n1 and relay its reply: exactly two
    // server messages for each operation of a client not on n1, none for the others.
    const forwarded = r.history.filter((h) => h.client % 3 !== 0).length;
    expect(forwarded).toBeGreaterThan(0);
    expect(r.serverMessages).toBe(2 * forwarded);
    expect(r.msgsPerOp.client).toBeCloseTo(2, 5);
    expect(r.latencyUs.p50).toBeGreaterThan(0);
  });

  it('a node answering reads from a lagging replica: the checker finds the violation', async () => {
    const r = await runMaelstromLinKv({ ...base, args: [NODE, '--stale'] });
    expect(r.linearizability.verdict).toBe('violation');
    expect(r.linearizability.detail).not.toBe('');
  });

  it('a node that never answers init: one clear error naming the nodes', async () => {
    await expect(runMaelstromLinKv({ ...base, args: ['-e', 'process.stdin.resume()'], operations: 1, initTimeoutMs: 1_000 })).rejects.toThrow(/nodes n1, n2, n3 did not answer init with init_ok/);
  });
});

describe('swarmperf bench --protocol external (the built CLI)', () => {
  it('runs n copies of the node and reports the stale reads as a failed linearizability check (exit 1)', async () => {
    const { runCli, tempDir } = await import('../helpers/cli.js');
    const dir = tempDir();
    const r = runCli(['bench', '--protocol', 'external', '--mode', 'real', '--node', `node ${NODE} --stale`, '--nodes', '3', '--duration', '1s', '--warmup', '0s', '--data-dir', dir, '--no-history', '--json', '-'], { timeoutMs: 120_000 });
    expect(r.status).toBe(1);
    const run = JSON.parse(r.stdout) as { suites: Array<{ name: string; checks: Array<{ name: string; passed: boolean }>; metrics: Record<string, number>; operations: Array<{ name: string; count: number }> }> };
    const suite = run.suites.find((s) => s.name === 'consensus.external')!;
    expect(suite.checks.find((c) => c.name === 'lin-kv linearizable')?.passed).toBe(false);
    expect(suite.metrics.clientMsgsPerOp).toBe(2);
    expect(suite.operations.map((o) => o.name).sort()).toEqual(['cas', 'read', 'write']);
  });

  it('bad input names the flag (exit 2)', async () => {
    const { runCli, tempDir } = await import('../helpers/cli.js');
    const r = runCli(['bench', '--protocol', 'external', '--mode', 'real', '--workload', 'broadcast', '--node', 'x', '--data-dir', tempDir(), '--no-history']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--workload: only lin-kv is supported so far/);
    const missing = runCli(['bench', '--protocol', 'external', '--mode', 'real', '--node', 'no-such-node-binary', '--data-dir', tempDir(), '--no-history']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/--node: node n\d cannot start "no-such-node-binary": spawn no-such-node-binary ENOENT before answering init/);
  });
});
