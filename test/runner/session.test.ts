import { describe, expect, it } from 'vitest';
import type { Output, RunStartEvent, RunWindowEvent } from '../../src/core/events.js';
import type { RunResult } from '../../src/core/result.js';
import { buildRunResult } from '../../src/results/run-result.js';
import { RunSession } from '../../src/runner/session.js';

function result(id: string): RunResult {
  return buildRunResult({ id, startedAt: new Date(0), finishedAt: new Date(1000), partial: false, config: { command: 'test' }, suites: [] });
}

function recordingOutput(name: string, log: string[]): Output {
  return {
    name,
    start: (e: RunStartEvent) => void log.push(`${name}:start:${e.suite}`),
    window: async (e: RunWindowEvent) => {
      // An async output: deliveries must still arrive in window order.
      await new Promise((r) => setImmediate(r));
      log.push(`${name}:window:${e.suite}:${e.startUs}:${e.resources.length}`);
    },
    finish: (r: RunResult) => void log.push(`${name}:finish:${r.id}`),
    progress: (e) => void log.push(`${name}:progress:${e.totalCount}`),
    log: (line) => void log.push(`${name}:log:${line}`),
  };
}

describe('run session', () => {
  it('delivers start, each window in order (with the samples taken since the last), then finish', async () => {
    const log: string[] = [];
    const session = await RunSession.start({ runId: 'r1', command: 'test', suites: ['s'], startedAt: new Date(0), outputs: [recordingOutput('a', log)] });
    const m = session.monitor('s', 300);
    m.log('hello');
    m.update({ label: 's', elapsedUs: 10, operations: [], totalCount: 7 });
    m.sample?.({ t: 1, pid: 1, label: 'main', cpuUserPct: 1, cpuSystemPct: 0, rssBytes: 1 });
    m.sample?.({ t: 2, pid: 1, label: 'main', cpuUserPct: 1, cpuSystemPct: 0, rssBytes: 1 });
    m.window?.({ startUs: 0, endUs: 100, operations: [] });
    m.window?.({ startUs: 100, endUs: 200, operations: [] });
    m.window?.({ startUs: 200, endUs: 300, operations: [] });
    const failures = await session.finish(result('r1'));
    expect(failures).toEqual([]);
    expect(log).toEqual(['a:start:s', 'a:log:hello', 'a:progress:7', 'a:window:s:0:2', 'a:window:s:100:0', 'a:window:s:200:0', 'a:finish:r1']);
  });

  it('window events carry run id, suite and the fraction done', async () => {
    const got: RunWindowEvent[] = [];
    const session = await RunSession.start({ runId: 'r2', command: 'test', suites: ['x'], startedAt: new Date(0), outputs: [{ name: 'w', window: (e) => void got.push(e) }] });
    session.monitor('x', 1_000).window?.({ startUs: 0, endUs: 250, operations: [] });
    await session.finish(result('r2'));
    expect(got[0]).toMatchObject({ runId: 'r2', suite: 'x', startUs: 0, endUs: 250, progress: { done: 250, total: 1_000, fraction: 0.25 } });
  });

  it('an output that throws is reported as failed; the others still get every event', async () => {
    const log: string[] = [];
    const warnings: string[] = [];
    const broken: Output = {
      name: 'broken',
      window: () => {
        throw new Error('disk full');
      },
      finish: () => {
        throw new Error('read-only');
      },
    };
    const session = await RunSession.start({ runId: 'r3', command: 'test', suites: ['s'], startedAt: new Date(0), outputs: [broken, recordingOutput('ok', log)], warn: (m) => warnings.push(m) });
    const m = session.monitor('s');
    m.window?.({ startUs: 0, endUs: 1, operations: [] });
    m.window?.({ startUs: 1, endUs: 2, operations: [] });
    const failures = await session.finish(result('r3'));
    expect(failures).toEqual([
      { output: 'broken', event: 'window', message: 'disk full' },
      { output: 'broken', event: 'finish', message: 'read-only' },
    ]);
    expect(log).toContain('ok:finish:r3');
    expect(log.filter((l) => l.startsWith('ok:window'))).toHaveLength(2);
    expect(warnings.join('\n')).toMatch(/broken failed at window: disk full/);
  });

  it('a best-effort output that fails at finish is a warning, marked as such', async () => {
    const warnings: string[] = [];
    const session = await RunSession.start({
      runId: 'r5',
      command: 'test',
      suites: [],
      startedAt: new Date(0),
      outputs: [
        {
          name: 'live',
          bestEffort: true,
          finish: () => {
            throw new Error('no space');
          },
        },
      ],
      warn: (m) => warnings.push(m),
    });
    const failures = await session.finish(result('r5'));
    expect(failures).toEqual([{ output: 'live', event: 'finish', message: 'no space', bestEffort: true }]);
    expect(warnings.join('\n')).toMatch(/live failed at finish: no space/);
  });

  it('runs beforeFinish (enrichers) before any output sees the result', async () => {
    const seen: unknown[] = [];
    const session = await RunSession.start({
      runId: 'r4',
      command: 'test',
      suites: [],
      startedAt: new Date(0),
      outputs: [{ name: 'o', finish: (r) => void seen.push(r.findings) }],
      beforeFinish: (r) => {
        r.findings = [];
      },
    });
    await session.finish(result('r4'));
    expect(seen).toEqual([[]]);
  });

  it('refuses a result of another run', async () => {
    const session = await RunSession.start({ runId: 'mine', command: 'test', suites: [], startedAt: new Date(0), outputs: [] });
    await expect(session.finish(result('other'))).rejects.toThrow(/not run mine/);
  });
});
