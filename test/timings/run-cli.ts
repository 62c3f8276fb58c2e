/**
 * Runs `swarmperf tools …` in-process with only the tools command registered (tests need not
 * build dist/ nor load every other command). Also runnable: `node --import tsx test/timings/run-cli.ts tools …`.
 */
import { Command, CommanderError } from 'commander';
import { pathToFileURL } from 'node:url';
import { registerToolsCommand } from '../../src/cli/commands/tools.js';
import { UsageError } from '../../src/core/parse.js';

export async function runToolsCli(argv: string[]): Promise<number> {
  const program = new Command('swarmperf').exitOverride().configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerToolsCommand(program);
  for (const c of program.commands) c.exitOverride();
  process.exitCode = undefined;
  try {
    await program.parseAsync(['node', 'swarmperf', ...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`swarmperf: ${err.message}\n`);
      return 2;
    }
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    throw err;
  } finally {
    process.exitCode = undefined;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void runToolsCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
