/**
 * The Claude Code timing hook process — point PreToolUse/PostToolUse hooks at
 * `node <swarmperf>/dist/timings/hook-main.cjs [--data-dir D] …` (flags: hook-cli.cts).
 *
 * CommonJS on purpose: the package is "type": "module", and a Node 20 ES-module entry point pays
 * ~15 ms of CPU to start the ESM loader before running a line; a .cjs entry whose whole closure is
 * CommonJS (hook-cli, record, categories + node built-ins) starts like `node -e 0`. This file only
 * runs; importable code lives in hook-cli.cts.
 */
import { hookMain } from './hook-cli.cjs';

process.exitCode = hookMain(process.argv.slice(2));
