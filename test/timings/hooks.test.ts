/** Claude Code hook events: pairing Pre and Post in the recorder and in the ingest, and the hook process. */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { timed, ToolTimingLog } from '../../src/timings/api.js';
import { ingestToolLogs } from '../../src/timings/ingest.js';
import { HookInputError, recordHookEvent, type RecordOptions } from '../../src/timings/record.cjs';
import { toolTimingReport } from '../../src/timings/report.js';
import { tempDirsRemovedAfterAll } from '../helpers/temp-dirs.js';

const tmp = tempDirsRemovedAfterAll('swarmperf-timings-hooks-');

const T0 = Date.UTC(2026, 0, 2, 9) * 1000;
const ev = (name: string, id: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ session_id: 'sess-1', transcript_path: '/x', cwd: '/', hook_event_name: name, tool_name: 'Bash', tool_input: { command: 'ls' }, tool_use_id: id, ...extra });

function recorder(dir: string): { opts: RecordOptions; at: (us: number) => RecordOptions } {
  const opts: RecordOptions = { logPath: join(dir, 'tool-timing.jsonl'), stateDir: join(dir, 'state') };
  return { opts, at: (us) => ({ ...opts, nowUs: () => us }) };
}

describe('tools record (hook events → timing lines)', () => {
  it('pairs Pre and Post by tool_use_id and appends one line in the tool-timing format', () => {
    const dir = tmp();
    const r = recorder(dir);
    expect(recordHookEvent(ev('PreToolUse', 'toolu_1'), r.at(T0))).toEqual({ action: 'pending', toolUseId: 'toolu_1' });
    // A second hook instance logging the same Pre later does not move the start.
    recordHookEvent(ev('PreToolUse', 'toolu_1'), r.at(T0 + 900));
    const out = recordHookEvent(ev('PostToolUse', 'toolu_1', { tool_response: { stdout: 'a', stderr: '', interrupted: false } }), r.at(T0 + 12_345));
    expect(out.action).toBe('recorded');
    // The copy of the Post finds the Pre already claimed.
    expect(recordHookEvent(ev('PostToolUse', 'toolu_1'), r.at(T0 + 12_400))).toEqual({ action: 'unpaired', toolUseId: 'toolu_1' });
    const lines = readFileSync(r.opts.logPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      {
        timestamp: new Date(T0 / 1000 + 12).toISOString(),
        session_id: 'sess-1',
        tool: 'Bash',
        call_id: 'toolu_1',
        start_time: T0 / 1000,
        end_time: T0 / 1000 + 12,
        duration_ms: 12.345,
        input_size: JSON.stringify({ command: 'ls' }).length,
        output_size: JSON.stringify({ stdout: 'a', stderr: '', interrupted: false }).length,
        success: true,
        category: 'shell',
      },
    ]);
    expect(readdirSync(r.opts.stateDir)).toEqual([]);
  });

  it('marks failures, ignores other events, rejects bad input, and keeps odd ids safe', () => {
    const dir = tmp();
    const r = recorder(dir);
    recordHookEvent(ev('PreToolUse', '../../etc/passwd'), r.at(T0));
    const failed = recordHookEvent(ev('PostToolUseFailure', '../../etc/passwd', { error: 'boom' }), r.at(T0 + 5000));
    expect(failed.action === 'recorded' && failed.line.success).toBe(false);
    recordHookEvent(ev('PreToolUse', 'toolu_2', { tool_name: 'mcp__github__create_issue' }), r.at(T0));
    const isErr = recordHookEvent(ev('PostToolUse', 'toolu_2', { tool_name: 'mcp__github__create_issue', tool_response: { is_error: true } }), r.at(T0 + 1));
    expect(isErr.action === 'recorded' && [isErr.line.success, isErr.line.category]).toEqual([false, 'mcp:github']);
    expect(recordHookEvent(JSON.stringify({ hook_event_name: 'SessionStart', session_id: 's' }), r.opts)).toEqual({ action: 'ignored', event: 'SessionStart' });
    expect(recordHookEvent(ev('PostToolUse', 'never-started'), r.opts).action).toBe('unpaired');
    expect(() => recordHookEvent('{"hook_event_name":', r.opts)).toThrow(HookInputError);
    expect(() => recordHookEvent('[]', r.opts)).toThrow(/not a JSON object/);
    expect(() => recordHookEvent(JSON.stringify({ hook_event_name: 'PreToolUse', tool_name: 'Bash' }), r.opts)).toThrow(/no tool_use_id/);
    expect(existsSync(join(dir, 'etc'))).toBe(false);
    const s = ingestToolLogs([r.opts.logPath], { dataDir: join(dir, 'data') });
    expect([s.records, s.invalidCount]).toEqual([2, 0]);
  });

  it('the hook process exits 0 on success and 1 (never 2, which would block the tool) on bad input', () => {
    const dir = tmp();
    const entry = join(import.meta.dirname, '../../src/timings/hook-main.cts');
    const run = (input: string, args: string[] = []): ReturnType<typeof spawnSync> =>
      spawnSync(process.execPath, ['--import', 'tsx', entry, '--data-dir', dir, ...args], { input, encoding: 'utf8', cwd: join(import.meta.dirname, '../..') });
    expect(run(ev('PreToolUse', 'toolu_p')).status).toBe(0);
    expect(run(ev('PostToolUse', 'toolu_p')).status).toBe(0);
    const bad = run('not json');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/stdin is not a JSON hook event/);
    const badFlag = run(ev('PreToolUse', 'x'), ['--max-size', 'lots']);
    expect(badFlag.status).toBe(1);
    expect(badFlag.stderr).toMatch(/--max-size: expected a size/);
    const line = JSON.parse(readFileSync(join(dir, 'tool-timing.jsonl'), 'utf8')) as { call_id: string; duration_ms: number };
    expect(line.call_id).toBe('toolu_p');
    expect(line.duration_ms).toBeGreaterThan(0);
  });
});

describe('ingest of logged hook events', () => {
  it('pairs Pre/Post lines by tool_use_id, across ingests, and flags orphans', () => {
    const dir = tmp();
    const data = join(dir, 'data');
    const file = join(dir, 'events.jsonl');
    const at = (ms: number): string => new Date(T0 / 1000 + ms).toISOString();
    writeFileSync(
      file,
      [
        ev('SessionStart', 'x', { timestamp: at(0) }),
        ev('PreToolUse', 'a', { timestamp: at(0) }),
        ev('PreToolUse', 'b', { timestamp: at(5) }),
        ev('PostToolUse', 'a', { timestamp: at(30), tool_response: { stdout: '' } }),
        ev('PostToolUse', 'a', { timestamp: at(31) }), // a second hook instance's copy
        ev('PostToolUse', 'zz', { timestamp: at(40) }), // no Pre
        ev('PreToolUse', 'c', {}), // no time: cannot be paired
      ].join('\n') + '\n',
    );
    const s = ingestToolLogs([file], { dataDir: data });
    expect([s.records, s.duplicates, s.pendingHooks, s.ignored]).toEqual([1, 1, 1, 3]);
    expect(s.invalid.map((i) => i.line)).toEqual([6, 7]);
    expect(s.invalid[0]!.reason).toMatch(/without a PreToolUse/);
    // b's Post arrives in a later ingest: the pending Pre was kept in the store.
    writeFileSync(file, ev('PostToolUseFailure', 'b', { timestamp: at(505) }) + '\n', { flag: 'a' });
    const s2 = ingestToolLogs([file], { dataDir: data });
    expect([s2.records, s2.pendingHooks]).toEqual([1, 0]);
    const [row] = toolTimingReport({ dataDir: data, sinceUs: null });
    expect(row).toMatchObject({ tool: 'Bash', category: 'shell', count: 2, errors: 1, totalMs: 530, maxMs: 500 });
  });
});

describe('library API', () => {
  it('timed() logs sync, async, thrown and rejected calls; recordToolTiming validates', async () => {
    const dir = tmp();
    const log = new ToolTimingLog({ path: join(dir, 'api.jsonl'), flushEveryMs: 60_000 });
    const add = timed((a: number, b: number) => a + b, { tool: 'add', log });
    const slow = timed(async (ms: number) => new Promise<string>((res) => setTimeout(() => res('ok'), ms)), { tool: 'slow', log });
    const boom = timed((): never => {
      throw new Error('boom');
    }, { tool: 'boom', log });
    const reject = timed(async () => Promise.reject(new Error('nope')), { tool: 'reject', log });
    expect(add(2, 3)).toBe(5);
    expect(await slow(20)).toBe('ok');
    expect(() => boom()).toThrow('boom');
    await expect(reject()).rejects.toThrow('nope');
    await new Promise((r) => setImmediate(r));
    expect(existsSync(log.path)).toBe(false); // buffered until flush
    log.record({ tool: 'external', durationUs: 1500, endUs: T0, callId: 'ext-1', success: false });
    expect(() => log.record({ tool: 'x' })).toThrow(/durationUs/);
    expect(() => log.record({ tool: '', durationUs: 1 })).toThrow(/tool must be/);
    log.close();
    const lines = readFileSync(log.path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { tool: string; success: boolean; duration_ms: number });
    expect(lines.map((l) => [l.tool, l.success])).toEqual([
      ['add', true],
      ['slow', true],
      ['boom', false],
      ['reject', false],
      ['external', false],
    ]);
    expect(lines[1]!.duration_ms).toBeGreaterThanOrEqual(15);
    expect(lines[4]!.duration_ms).toBe(1.5);
    const s = ingestToolLogs([log.path], { dataDir: join(dir, 'data') });
    expect([s.records, s.invalidCount]).toEqual([5, 0]);
  });
});
