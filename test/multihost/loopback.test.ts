/**
 * Agents on "other hosts" over the control plane, here on loopback (runs wherever NATS runs): the
 * coordinating `swarmperf run` recruits `swarmperf agent` processes through NATS subjects, the
 * merged result holds every host's operations, the checks pass over all hosts' logs and each host's
 * clock offset is reported. Also: the run fails with a clear message when agents never join, an
 * agent killed mid-run is reported like a dead local agent, Ctrl-C ends both sides cleanly, and
 * every bad flag is a usage error (exit 2) before anything starts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseRunResult } from '../../src/core/result.js';
import { openBackend } from '../../src/targets/backend.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { cleaningUp, freshNamespace, reachable, SERVER_URL } from '../targets/servers.js';
import { expectEveryHostMerged, freshGroup, runCliAsync, startAgent, stopAll, whenLogged } from './agents.js';

afterAll(stopAll);

/** NATS subjects are the control plane here, Redis the store (the netns test uses Redis for both). */
const control = SERVER_URL.nats;
const serversUp = (await reachable(SERVER_URL.nats)) && (await reachable(SERVER_URL.redis));

describe.skipIf(!serversUp && process.env.CI !== 'true')(`agents over a NATS control plane on loopback${serversUp ? '' : ' (skipped: NATS and Redis must be reachable; bash scripts/services.sh start)'}`, () => {
  it.runIf(!serversUp)('NATS and Redis are reachable (CI=true)', () => {
    throw new Error(`NATS (${SERVER_URL.nats}) or Redis (${SERVER_URL.redis}) not reachable under CI=true; start them with: bash scripts/services.sh start`);
  });
  const namespaces: string[] = [];
  const backendOn = (): string => {
    const ns = freshNamespace();
    namespaces.push(ns);
    return `${SERVER_URL.redis}?ns=${ns}`;
  };
  afterAll(async () => {
    for (const ns of namespaces) await cleaningUp(await openBackend(`${SERVER_URL.redis}?ns=${ns}`, '/unused')).close();
  });

  it('registry: 3 agents, 2 of them on other hosts — every host\'s operations merged, checks pass, clock offsets reported', async () => {
    const group = freshGroup();
    const dir = tempDir();
    const agents = await Promise.all(['alpha', 'beta'].map((name) => startAgent(['--control', control, '--control-group', group, '--name', name, '--runs', '1'])));
    const out = join(dir, 'out.json');
    const r = await runCliAsync(['run', 'registry', '--agents', '3', '--remote-agents', '2', '--control', control, '--control-group', group, '--backend', backendOn(), '--quick', '--json', out, '--data-dir', join(dir, 'data')]);
    expect(r.status, `${r.stderr}\n${agents.map((a) => a.log()).join('\n')}`).toBe(0);
    const run = parseRunResult(JSON.parse(readFileSync(out, 'utf8')));
    expectEveryHostMerged(run, ['alpha', 'beta']);
    expect(run.config.remoteAgents).toBe(2);
    for (const a of agents) {
      expect(await a.exited).toBe(0);
      expect(a.log()).toMatch(/served 1 run\b/);
    }
  }, 180_000);

  it('no agent joins: the run fails within --join-timeout, naming how many joined and what to start', async () => {
    const r = await runCliAsync(['run', 'tasks', '--agents', '2', '--remote-agents', '1', '--control', control, '--control-group', freshGroup(), '--backend', backendOn(), '--quick', '--join-timeout', '1s', '--data-dir', join(tempDir(), 'data')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--remote-agents 1: 0 of 1 remote agents joined within 1000 ms on nats:\/\/.* start `swarmperf agent --control nats:\/\/[^`]* --control-group t[0-9a-f]+` on each host/);
  }, 120_000);

  it('an agent killed mid-run is reported like a dead local agent; the other hosts\' operations are kept', async () => {
    const group = freshGroup();
    const dir = tempDir();
    const agent = await startAgent(['--control', control, '--control-group', group, '--name', 'doomed']);
    const out = join(dir, 'out.json');
    const running = runCliAsync(['run', 'tasks', '--agents', '2', '--remote-agents', '1', '--control', control, '--control-group', group, '--backend', backendOn(), '--warmup', '0s', '--duration', '20s', '--json', out, '--data-dir', join(dir, 'data')]);
    await whenLogged(agent, /released at the common start/);
    agent.child.kill('SIGKILL');
    const r = await running;
    expect(r.status).toBe(1);
    const suite = parseRunResult(JSON.parse(readFileSync(out, 'utf8'))).suites[0]!;
    const reported = suite.checks.find((c) => c.name === 'every agent reported')!;
    expect(reported.passed).toBe(false);
    expect(reported.detail).toMatch(/on host doomed \(pid \d+\) sent nothing over the control plane for \d+ ms/);
    const local = suite.hosts!.find((h) => !h.remote)!;
    expect(local.operations).toBeGreaterThan(0);
  }, 180_000);

  it('Ctrl-C while waiting for agents ends the run at once (130); an idle agent ends on Ctrl-C (0)', async () => {
    const dir = tempDir();
    const { spawn } = await import('node:child_process');
    const { CLI } = await import('../helpers/cli.js');
    const child = spawn(process.execPath, [CLI, 'run', 'registry', '--agents', '1', '--remote-agents', '1', '--control', control, '--control-group', freshGroup(), '--backend', backendOn(), '--quick', '--join-timeout', '10m', '--data-dir', join(dir, 'data')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (text += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      text += c;
      if (/waiting for 1 remote agent/.test(text)) child.kill('SIGINT');
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(text).toMatch(/interrupted while waiting for remote agents/);
    expect(code).toBe(130);

    const idle = await startAgent(['--control', control, '--control-group', freshGroup()]);
    idle.child.kill('SIGINT');
    expect(await idle.exited).toBe(0);
    expect(idle.log()).toMatch(/served 0 runs/);
  }, 120_000);
});

describe('--remote-agents and swarmperf agent: bad flags are usage errors (exit 2) before anything starts', () => {
  const run = (...extra: string[]) => runCli(['run', 'registry', '--quick', '--data-dir', join(tempDir(), 'data'), ...extra]);
  it.each([
    [['--remote-agents', '1'], /--remote-agents: needs --control nats:\/\/HOST:PORT or redis:\/\/HOST:PORT/],
    [['--remote-agents', '1', '--control', 'nats://127.0.0.1:4222'], /--remote-agents: the sqlite backend \("sqlite"\) cannot be reached from other hosts; use a server backend/],
    [['--remote-agents', '1', '--control', 'nats://127.0.0.1:4222', '--backend', 'memory'], /the memory backend/],
    [['--remote-agents', '5', '--agents', '4', '--control', 'nats://127.0.0.1:4222', '--backend', 'redis://127.0.0.1:6379'], /--remote-agents: 5 is more than --agents 4/],
    [['--remote-agents', '-1'], /--remote-agents/],
    [['--remote-agents', '257'], /--remote-agents/],
    [['--control', 'nats://127.0.0.1:4222'], /--control: only used with --remote-agents/],
    [['--remote-agents', '1', '--control', 'http://x:1', '--backend', 'redis://127.0.0.1:6379'], /--control: expected nats:\/\/HOST:PORT or redis:\/\/HOST:PORT/],
    [['--remote-agents', '1', '--control', 'nats://x:1', '--backend', 'redis://127.0.0.1:6379', '--join-timeout', '0s'], /--join-timeout/],
    [['--remote-agents', '1', '--control', 'nats://x:1', '--backend', 'redis://127.0.0.1:6379', '--control-group', 'A B'], /--control-group/],
  ])('run %j', (extra, message) => {
    const r = run(...extra);
    expect(r.stderr).toMatch(message);
    expect(r.status).toBe(2);
  });

  it('a suite that measures latency between two agents is refused with remote agents', () => {
    const r = runCli(['run', 'bus', '--remote-agents', '1', '--control', 'nats://x:1', '--backend', 'redis://127.0.0.1:6379', '--data-dir', join(tempDir(), 'data')]);
    expect(r.stderr).toMatch(/--remote-agents: suite bus cannot run on several hosts .*suites that can: registry, tasks, memory/);
    expect(r.status).toBe(2);
  });

  it.each([
    [[], /--control: required/],
    [['--control', 'ftp://x'], /--control: expected nats:\/\/HOST:PORT/],
    [['--control', 'nats://x:1', '--runs', '0'], /--runs/],
    [['--control', 'nats://x:1', '--control-group', '../x'], /--control-group/],
  ])('agent %j', (args, message) => {
    const r = runCli(['agent', ...args]);
    expect(r.stderr).toMatch(message);
    expect(r.status).toBe(2);
  });
});
