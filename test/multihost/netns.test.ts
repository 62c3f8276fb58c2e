/**
 * Agents on two "hosts": two network namespaces on this machine, each reaching the host only
 * through its own veth pair. A Redis server started for the test, bound to the first namespace's
 * host-side address, is both the control plane and the store; `swarmperf agent` runs inside each
 * namespace, the coordinating `swarmperf run tasks --remote-agents 2` on the host. The merged
 * result must hold every host's operations (each > 0, totals = their sum), the invariants must hold
 * over all hosts' logs, and each namespace's clock offset must be reported.
 *
 * Skipped where namespaces cannot be made (not root, no iproute2) — except under CI=true, where
 * that is a failure. The namespaces and the server are removed in afterAll, whatever happened.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRunResult } from '../../src/core/result.js';
import { tempDir } from '../helpers/cli.js';
import { expectEveryHostMerged, freshGroup, runCliAsync, startAgent, stopAll } from './agents.js';
import { NetnsLab, netnsUnavailable } from './netns.js';

const unavailable = netnsUnavailable();
const ci = process.env.CI === 'true';

/** A port nothing listens on right now. */
async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Starts redis-server bound to one address; resolves once it accepts connections. */
async function startRedis(bind: string, port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--bind', bind, '--port', String(port), '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout?.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      if (/Ready to accept connections/.test(out)) resolve();
    });
    child.once('close', (code) => reject(new Error(`redis-server exited (${code}): ${out}`)));
  });
  return child;
}

describe.skipIf(unavailable !== undefined && !ci)(`agents in two network namespaces${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  const lab = new NetnsLab();
  let redis: ChildProcess | undefined;
  let serverUrl = '';

  beforeAll(async () => {
    if (unavailable) throw new Error(`under CI=true the multi-host test must run: ${unavailable}`);
    const [a] = [lab.add(), lab.add()];
    const port = await freePort(a!.hostAddress);
    redis = await startRedis(a!.hostAddress, port);
    serverUrl = `redis://${a!.hostAddress}:${port}`;
  }, 60_000);

  afterAll(async () => {
    await stopAll();
    if (redis && redis.exitCode === null) {
      const closed = new Promise((resolve) => redis!.once('close', resolve));
      redis.kill('SIGKILL');
      await closed;
    }
    lab.remove();
  });

  it('tasks: 1 agent here and one in each namespace — every host\'s operations merged, invariants hold, offsets reported', async () => {
    const group = freshGroup();
    const [n0, n1] = lab.hosts;
    const agents = await Promise.all(
      [n0!, n1!].map((h) => startAgent(['--control', serverUrl, '--control-group', group, '--name', h.name, '--runs', '1'], h.name)),
    );
    const dir = tempDir();
    const out = join(dir, 'out.json');
    const r = await runCliAsync(['run', 'tasks', '--agents', '3', '--remote-agents', '2', '--control', serverUrl, '--control-group', group, '--backend', `${serverUrl}?ns=netns`, '--quick', '--json', out, '--data-dir', join(dir, 'data')]);
    expect(r.status, `${r.stderr}\n${agents.map((a) => a.log()).join('\n')}`).toBe(0);
    const run = parseRunResult(JSON.parse(readFileSync(out, 'utf8')));
    expectEveryHostMerged(run, [n0!.name, n1!.name]);
    const checks = run.suites[0]!.checks.map((c) => c.name);
    expect(checks).toEqual(expect.arrayContaining(['no task claimed by two workers', 'dependencies respected', 'no claimable task left unclaimed']));
    for (const a of agents) expect(await a.exited).toBe(0);
  }, 240_000);
});
