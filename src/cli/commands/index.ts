/** Every CLI command, registered on the program in the order `--help` lists them (one line each). */
import type { Command } from 'commander';
import { registerRunCommand } from './run.js';

export function registerCommands(program: Command): void {
  registerRunCommand(program);
}
