import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';

describe('swarmperf tools record through bin/swarmperf.js (the hook fast path)', () => {
  it('pairs a PreToolUse and PostToolUse event into one timing line', () => {
    const dir = tempDir();
    const pre = { session_id: 's1', tool_name: 'Read', tool_use_id: 'toolu_1', hook_event_name: 'PreToolUse', tool_input: { file_path: '/x' } };
    const post = { ...pre, hook_event_name: 'PostToolUse', tool_response: { content: 'hello' } };
    expect(runCli(['tools', 'record', '--data-dir', dir], { input: JSON.stringify(pre) }).status).toBe(0);
    expect(runCli(['tools', 'record', '--data-dir', dir], { input: JSON.stringify(post) }).status).toBe(0);
    const lines = readFileSync(join(dir, 'tool-timing.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    const rec = JSON.parse(lines[0]!) as { tool: string; call_id: string; session_id: string; duration_ms: number; success: boolean };
    expect(rec.tool).toBe('Read');
    expect(rec.call_id).toBe('toolu_1');
    expect(rec.session_id).toBe('s1');
    expect(rec.duration_ms).toBeGreaterThanOrEqual(0);
    expect(rec.success).toBe(true);
  });

  it('a bad flag exits 1 (never 2, which would block the tool call) with one line', () => {
    const r = runCli(['tools', 'record', '--bogus'], { input: '' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/unknown flag "--bogus"/);
  });

  it('--help still reaches the full CLI', () => {
    const r = runCli(['tools', 'record', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Usage: swarmperf tools record/);
  });
});
