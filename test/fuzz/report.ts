/**
 * Prints the flag-fuzzing counts for a build of the CLI (default: this checkout's dist/):
 *   node --import tsx test/fuzz/report.ts [path/to/dist/cli/main.js]
 * Lists every failing case (command, flag, value, why); exits 1 when any failed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BUILT_MAIN, runFuzz } from './cli-fuzz.js';
import { CLI } from '../helpers/cli.js';

const mainPath = process.argv[2] !== undefined ? resolve(process.argv[2]) : BUILT_MAIN;
const dir = mkdtempSync(join(tmpdir(), 'swarmperf-fuzz-'));
try {
  const run = join(dir, 'run.json');
  execFileSync(process.execPath, [CLI, 'run', 'selftest', '--quick', '--quiet', '--no-history', '--json', run], { cwd: dir, stdio: 'ignore' });
  const started = Date.now();
  const report = await runFuzz({ mainPath, dir, run });
  for (const f of report.failures) console.log(`FAIL ${f.command} ${f.flag}=${JSON.stringify(f.value)}: ${f.why}${f.stderr ? ` — ${JSON.stringify(f.stderr.slice(0, 160))}` : ''}`);
  console.log(`${report.cases} cases (${report.commands} commands, ${report.flags} flags), ${report.failures.length} failures, ${((Date.now() - started) / 1000).toFixed(1)} s · ${mainPath}`);
  process.exitCode = report.failures.length > 0 ? 1 : 0;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
