/**
 * The swarmperf CLI: parse, validate, call the library, render. Bad usage is one line on stderr
 * naming the flag and what it expects, and exit code 2; no stack traces for user errors.
 *
 * Start-up is kept small: only the command being run is loaded (cli/commands/index.ts), and the
 * composition root (src/setup.ts) only for commands that need its registries.
 */
import { Command, CommanderError } from 'commander';
import { swarmperfVersion } from '../results/env.js';
import { registerCommands } from './commands/index.js';
import { UsageError } from '../core/errors.js';

function baseProgram(): Command {
  return (
    new Command('swarmperf')
      .description('A performance lab for multi-agent coordination systems')
      .version(swarmperfVersion())
      .showHelpAfterError('(run with --help for usage)')
      .exitOverride()
      .configureOutput({ writeErr: (s) => process.stderr.write(s) })
      // One line per command in --help, whatever the terminal width.
      .configureHelp({ helpWidth: 240 })
  );
}

/** The program with the command that `argv` names loaded (all others as name and description). */
export async function buildProgram(argv: readonly string[] = process.argv): Promise<Command> {
  const program = baseProgram();
  await registerCommands(program, argv.slice(2));
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    const program = await buildProgram(argv);
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with code 0; usage errors were already printed by commander.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof UsageError) {
      // One line whatever the user typed: control characters (a CR LF in a value) are shown escaped.
      // eslint-disable-next-line no-control-regex
      process.stderr.write(`swarmperf: ${err.message.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1))}\n`);
      return 2;
    }
    throw err;
  }
}
