/**
 * Starting `swarmperf agent` processes (optionally inside a network namespace) and the coordinating
 * `swarmperf run` for the multi-host tests; everything started here is stopped by `stopAll`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { RunResult } from '../../src/core/result.js';
import { CLI, type CliResult } from '../helpers/cli.js';

export interface AgentProcess {
  child: ChildProcess;
  /** Everything it wrote to stderr so far. */
  log(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

const started: ChildProcess[] = [];

/** A control group no other test uses. */
export function freshGroup(): string {
  return `t${randomBytes(5).toString('hex')}`;
}

/** Starts an agent and resolves once it waits on the control server (its "waiting for a run" line). */
export async function startAgent(args: string[], netns?: string): Promise<AgentProcess> {
  const command = netns ? ['ip', ['netns', 'exec', netns, process.execPath, CLI, 'agent', ...args]] : [process.execPath, [CLI, 'agent', ...args]];
  const child = spawn(command[0] as string, command[1] as string[], { stdio: ['ignore', 'ignore', 'pipe'] });
  started.push(child);
  let text = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      text += chunk;
      if (text.includes('waiting for a run')) resolve();
    });
    void exited.then((code) => reject(new Error(`agent exited (${code}) before waiting for a run: ${text}`)));
  });
  return { child, log: () => text, exited };
}

/** Waits until the agent's log has `pattern` (event-driven, no sleeps). */
export function whenLogged(agent: AgentProcess, pattern: RegExp): Promise<void> {
  return new Promise((resolve) => {
    if (pattern.test(agent.log())) return resolve();
    const onData = (): void => {
      if (pattern.test(agent.log())) {
        agent.child.stderr?.off('data', onData);
        resolve();
      }
    };
    agent.child.stderr?.on('data', onData);
  });
}

/** Runs the CLI without blocking the test's event loop (agents' output still streams meanwhile). */
export function runCliAsync(args: string[], cwd?: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    started.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Ends every process these helpers started that still runs (by its own pid). */
export async function stopAll(): Promise<void> {
  await Promise.all(
    started.splice(0).map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('close', () => resolve());
          c.kill('SIGKILL');
        }),
    ),
  );
}

/**
 * Checks every multi-host result must pass: one entry per host, each host's operations, totals =
 * sum, every check passed, offsets reported. Every "host" of these tests shares this machine's
 * monotonic clock, so the true ordering-clock offset is 0: the estimate must lie within its own
 * stated uncertainty (± rtt/2, rounded to µs) — a test of the bound, not of speed.
 */
export function expectEveryHostMerged(run: RunResult, remoteHosts: string[]): void {
  const suite = run.suites[0]!;
  const hosts = suite.hosts ?? [];
  expect(hosts[0]?.remote).toBe(false);
  expect(hosts.filter((h) => h.remote).map((h) => h.host).sort()).toEqual([...remoteHosts].sort());
  const total = suite.operations.reduce((s, op) => s + op.count, 0);
  for (const h of hosts.filter((x) => x.agents > 0)) expect(h.operations, `operations of ${h.host}`).toBeGreaterThan(0);
  expect(hosts.reduce((s, h) => s + h.operations, 0)).toBe(total);
  for (const h of hosts.filter((x) => x.remote)) {
    expect(Number.isFinite(h.clockOffsetMs)).toBe(true);
    expect(Number.isFinite(h.orderClockOffsetMs)).toBe(true);
    expect(h.clockUncertaintyMs).toBeGreaterThanOrEqual(0);
    expect(h.rttMs).toBeCloseTo(2 * h.clockUncertaintyMs!, 2);
    expect(Math.abs(h.orderClockOffsetMs!)).toBeLessThanOrEqual(h.clockUncertaintyMs! + 0.002);
  }
  expect(suite.checks.filter((c) => !c.passed).map((c) => `${c.name}: ${c.detail}`)).toEqual([]);
  const workers = (suite.workers ?? []) as Array<{ host?: string; mode: string }>;
  expect(workers.filter((w) => w.mode === 'remote').map((w) => w.host).sort()).toEqual([...remoteHosts].sort());
}

