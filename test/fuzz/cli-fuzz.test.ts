/**
 * Bad values for every flag of every command (issue 12): exit 2, one line, no stack trace, an end
 * within a bound. Seeded (the same cases each run) and bounded (three values per flag); runs the
 * built CLI (dist/, built before the tests) in one child process. Counts and every failure can be
 * printed with `node --import tsx test/fuzz/report.ts`.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFuzz } from './cli-fuzz.js';
import { CLI, tempDir } from '../helpers/cli.js';

describe('flag fuzzing', () => {
  it('every bad flag value exits 2 with one line and no stack trace, promptly', async () => {
    const dir = tempDir('swarmperf-fuzz-');
    const run = join(dir, 'run.json');
    execFileSync(process.execPath, [CLI, 'run', 'selftest', '--quick', '--quiet', '--no-history', '--json', run], { cwd: dir, stdio: 'ignore' });
    const report = await runFuzz({ dir, run, seed: 12, perFlag: 3, boundMs: 20_000 });
    // The tree is walked, not listed: it must reach every measuring and history command.
    expect(report.commands).toBeGreaterThanOrEqual(20);
    expect(report.flags).toBeGreaterThanOrEqual(100);
    expect(report.cases).toBeGreaterThanOrEqual(300);
    const shown = report.failures.map((f) => `${f.command} ${f.flag}=${JSON.stringify(f.value)}: ${f.why}${f.stderr ? ` — ${f.stderr}` : ''}`);
    expect(shown).toEqual([]);
  });
});
