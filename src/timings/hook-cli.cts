/**
 * The hook's command line: `[--data-dir D] [--log F] [--state-dir D] [--max-size 10mb] [--keep 3]`
 * and one event on stdin. Shared by the hook process (hook-main.cts), the bin/swarmperf.js fast
 * path and `swarmperf tools record`. CommonJS with node built-ins and record.cts only: Claude Code
 * waits for the hook on every tool call.
 *
 * Exit codes: 0 recorded/ignored; 1 on any problem (a message on stderr). Never 2: for a PreToolUse
 * hook, exit 2 tells Claude Code to BLOCK the tool call, and a timing hook must never do that.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_KEEP, DEFAULT_MAX_LOG_BYTES, recordHookEvent, type RecordOptions } from './record.cjs';

const SIZE_UNITS: Record<string, number> = { b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3 };

export class HookFlagError extends Error {}

/** Parses the record flags (shared by the fast entry point and `swarmperf tools record`). */
export function resolveRecordOptions(flags: { dataDir?: string; log?: string; stateDir?: string; maxSize?: string; keep?: string }, env: NodeJS.ProcessEnv = process.env): RecordOptions {
  const dataDir = resolve(flags.dataDir ?? env.SWARMPERF_HOME ?? '.swarmperf');
  let maxBytes = DEFAULT_MAX_LOG_BYTES;
  if (flags.maxSize !== undefined) {
    const m = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(flags.maxSize.trim());
    const unit = SIZE_UNITS[(m?.[2] || 'b').toLowerCase()];
    if (!m || unit === undefined) throw new HookFlagError(`--max-size: expected a size such as 10mb or 0 (never rotate), got "${flags.maxSize}"`);
    maxBytes = Math.round(Number(m[1]) * unit);
  }
  let keep = DEFAULT_KEEP;
  if (flags.keep !== undefined) {
    if (!/^\d+$/.test(flags.keep.trim()) || Number(flags.keep) > 1000) throw new HookFlagError(`--keep: expected a whole number from 0 to 1000, got "${flags.keep}"`);
    keep = Number(flags.keep);
  }
  return {
    logPath: resolve(flags.log ?? join(dataDir, 'tool-timing.jsonl')),
    stateDir: resolve(flags.stateDir ?? join(dataDir, 'hook-state')),
    maxBytes,
    keep,
  };
}

const FLAGS: Record<string, 'dataDir' | 'log' | 'stateDir' | 'maxSize' | 'keep'> = {
  '--data-dir': 'dataDir',
  '--log': 'log',
  '--state-dir': 'stateDir',
  '--max-size': 'maxSize',
  '--keep': 'keep',
};

/** Runs the hook for `argv` (the flags only) on stdin; returns the exit code. */
export function hookMain(argv: string[]): number {
  try {
    const flags: Partial<Record<'dataDir' | 'log' | 'stateDir' | 'maxSize' | 'keep', string>> = {};
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i]!;
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(0, eq) : a;
      const key = FLAGS[name];
      if (!key) throw new HookFlagError(`unknown flag "${a}" (known: ${Object.keys(FLAGS).join(', ')})`);
      const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new HookFlagError(`${name}: missing value`);
      flags[key] = value;
    }
    const opts = resolveRecordOptions(flags);
    recordHookEvent(readFileSync(0, 'utf8'), opts);
    return 0;
  } catch (err) {
    process.stderr.write(`swarmperf tools record: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
