/**
 * The built CommonJS hook entry (dist/timings/hook-main.cjs) — the command the docs tell Claude
 * Code to run — spawned directly: Pre and Post pair into one line, and its whole module closure is
 * CommonJS (if any module in it were an ES module, Node would start its ESM loader and the hook
 * would lose the start-up time it exists to save). Needs dist/ (`npm test` builds it first).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const HOOK = join(ROOT, 'dist/timings/hook-main.cjs');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const event = (name: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ session_id: 'sess-cjs', hook_event_name: name, tool_name: 'mcp__github__create_issue', tool_input: { title: 't' }, tool_use_id: 'toolu_cjs_1', ...extra });

describe('dist/timings/hook-main.cjs spawned directly', () => {
  it('is built', () => {
    expect(existsSync(HOOK), `${HOOK} is missing: run \`npm run build\``).toBe(true);
  });

  it('pairs a PreToolUse and a PostToolUse event into one timing line and leaves no state behind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'swarmperf-hook-cjs-'));
    dirs.push(dir);
    const run = (input: string): ReturnType<typeof spawnSync> => spawnSync(process.execPath, [HOOK, '--data-dir', dir], { input, encoding: 'utf8', cwd: dir });
    const pre = run(event('PreToolUse'));
    expect([pre.status, pre.stderr]).toEqual([0, '']);
    expect(readdirSync(join(dir, 'hook-state'))).toEqual(['toolu_cjs_1.pre']);
    const post = run(event('PostToolUse', { tool_response: { is_error: true } }));
    expect([post.status, post.stderr]).toEqual([0, '']);
    const lines = readFileSync(join(dir, 'tool-timing.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({ session_id: 'sess-cjs', tool: 'mcp__github__create_issue', call_id: 'toolu_cjs_1', success: false, category: 'mcp:github', input_size: JSON.stringify({ title: 't' }).length });
    expect(line.duration_ms).toBeGreaterThanOrEqual(0);
    expect(line.end_time as number).toBeGreaterThanOrEqual(line.start_time as number);
    expect(readdirSync(join(dir, 'hook-state'))).toEqual([]);
  });

  it('`swarmperf tools record --help` names this entry, at a path that exists', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/swarmperf.js'), 'tools', 'record', '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const entry = /node (\S+hook-main\.cjs) --data-dir/.exec(r.stdout)?.[1];
    expect(entry).toBe(HOOK);
  });

  it('exits 1 (never 2, which blocks the tool call) with one message on bad input', () => {
    const dir = mkdtempSync(join(tmpdir(), 'swarmperf-hook-cjs-'));
    dirs.push(dir);
    const bad = spawnSync(process.execPath, [HOOK, '--data-dir', dir], { input: '{"hook_event_name":', encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^swarmperf tools record: stdin is not a JSON hook event/)]);
    const badFlag = spawnSync(process.execPath, [HOOK, '--keep', 'many'], { input: event('PreToolUse'), encoding: 'utf8' });
    expect(badFlag.status).toBe(1);
    expect(badFlag.stderr).toMatch(/--keep: expected a whole number/);
  });

  it('loads only CommonJS modules and node built-ins (no ES-module loader start-up)', () => {
    // A preload records, at exit, the files the CommonJS loader loaded and Node's internal ESM
    // modules loaded. Node 20 can require() an ES module, so an ESM file in the closure would not
    // fail: it would start the ESM loader (internal/modules/esm/loader, translators) — checked here.
    const dir = mkdtempSync(join(tmpdir(), 'swarmperf-hook-cjs-'));
    dirs.push(dir);
    const probe = join(dir, 'probe.cjs');
    const out = join(dir, 'loaded.json');
    writeFileSync(
      probe,
      // (Requiring node:module here would itself start the ESM loader, so the probe reads require.cache.)
      `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify({ compiled: Object.keys(require.cache), esm: process.moduleLoadList.filter((m) => m.includes('/esm/')) })));\n`,
    );
    const r = spawnSync(process.execPath, ['--require', probe, HOOK, '--data-dir', dir], { input: event('PreToolUse'), encoding: 'utf8' });
    expect([r.status, r.stderr]).toEqual([0, '']);
    const loaded = JSON.parse(readFileSync(out, 'utf8')) as { compiled: string[]; esm: string[] };
    const dist = join(ROOT, 'dist/timings') + '/';
    expect(loaded.compiled.filter((f) => f !== probe).map((f) => (f.startsWith(dist) ? f.slice(dist.length) : f)).sort()).toEqual(['categories.cjs', 'hook-cli.cjs', 'hook-main.cjs', 'record.cjs']);
    expect(loaded.esm.filter((m) => /esm\/(loader|translators|module_job)$/.test(m))).toEqual([]);
  });
});
