/**
 * `swarmperf memory <store|retrieve|search|list|delete|clear|export|import>`: the shared-memory
 * commands agents use, on any backend (default: sqlite in the data folder). A full key is
 * `namespace/key`, e.g. `performance/analyzer/bench-789/results` (namespace `performance`).
 * Keys never become file paths, so no key or pattern can write outside the data folder.
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { escapeTerminal } from '../../report/escape.js';
import { checkOutputPath, writeOutputFile } from '../../results/atomic-write.js';
import { resolveDataDir } from '../../results/data-dir.js';
import { openBackend } from '../../targets/backend.js';
import { InvalidArgumentError } from '../../targets/errors.js';
import { GlobSyntaxError } from '../../targets/glob.js';
import { entryToJson, FullKeyError, MemoryFileError, parseMemoryFile, serializeMemoryFile, splitFullKey } from '../../targets/memory-file.js';
import type { Backend, MemoryEntry } from '../../targets/ports.js';
import { checkNamespace, isExpired } from '../../targets/validate.js';
import { parseDurationUs, UsageError } from '../../core/parse.js';
import { addResultFlags, checkResultFlags, jsonOnStdout, printNote, printResults, type ResultFlags } from '../result-flags.js';
import { shareGroupFlags } from './group-flags.js';

interface SharedFlags extends ResultFlags {
  backend?: string;
  dataDir?: string;
}

const SHARED_DEFAULT_BACKEND = 'sqlite';

function addSharedFlags(cmd: Command): Command {
  // No commander defaults: a value given on `memory` or on the subcommand must both work, and
  // defaults would make the parent's silently win (see resolveShared).
  // exitOverride: commander's own usage errors reach main() and exit 2, as for top-level commands.
  return addResultFlags(
    cmd
      .exitOverride()
      .option('--backend <spec>', `backend: memory | sqlite[:PATH] | jsonfile[:DIR] (default ${SHARED_DEFAULT_BACKEND}, in the data folder)`)
      .option('--data-dir <dir>', 'where swarmperf keeps its data (default ./.swarmperf or $SWARMPERF_HOME)'),
    'entries as an array of {key, namespace, value, createdAt, updatedAt, expiresAt} (other subcommands: what they did)',
  );
}

function resolveShared(cmd: Command): SharedFlags {
  const own = cmd.opts<SharedFlags>();
  const parent = cmd.parent?.opts<SharedFlags>() ?? {};
  const flags: SharedFlags = { backend: own.backend ?? parent.backend, dataDir: own.dataDir ?? parent.dataDir, quiet: own.quiet === true || parent.quiet === true };
  const json = own.json ?? parent.json;
  if (json !== undefined) flags.json = json;
  checkResultFlags(flags);
  return flags;
}

/** Opens the backend, runs `fn`, closes; turns data errors into one message and exit code 1. */
async function withBackend(cmd: Command, sub: string, fn: (backend: Backend, flags: SharedFlags) => Promise<number>): Promise<void> {
  const flags = resolveShared(cmd);
  const backend = await openBackend(flags.backend ?? SHARED_DEFAULT_BACKEND, resolveDataDir(flags.dataDir));
  try {
    process.exitCode = await fn(backend, flags);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    if (err instanceof MemoryFileError || hasCode(err)) {
      process.stderr.write(`swarmperf: memory ${sub}: ${(err as Error).message}\n`);
      process.exitCode = 1;
      return;
    }
    throw err;
  } finally {
    await backend.close();
  }
}

function hasCode(err: unknown): boolean {
  return err instanceof Error && typeof (err as { code?: unknown }).code === 'string';
}

function fullKeyFlag(flag: string, raw: string | undefined): { namespace: string; key: string } {
  if (raw === undefined || raw === '') throw new UsageError(`${flag}: required, e.g. ${flag} performance/analyzer/bench-789/results`);
  try {
    return splitFullKey(raw);
  } catch (err) {
    if (err instanceof FullKeyError) throw new UsageError(`${flag}: ${err.message}`);
    throw err;
  }
}

/** A value given as an argument or as its flag (`memory retrieve KEY` or `--key KEY`): one, or both the same. */
function argOrFlag(name: string, flag: string, arg: string | undefined, flagValue: string | undefined): string | undefined {
  if (arg !== undefined && flagValue !== undefined && arg !== flagValue) throw new UsageError(`${flag}: ${name} given twice with different values ("${arg}" and "${flagValue}")`);
  return arg ?? flagValue;
}

function patternFlag(flag: string, raw: string): string {
  if (raw === '') throw new UsageError(`${flag}: expected a glob such as performance/** or */config, got an empty pattern`);
  return raw;
}

/** Bad arguments the store itself rejects (a glob it cannot parse) are usage errors naming the flag. */
async function asUsage<T>(flag: string, p: Promise<T> | T): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof GlobSyntaxError || err instanceof InvalidArgumentError) throw new UsageError(`${flag}: ${err.message}`);
    throw err;
  }
}

function printEntries(entries: MemoryEntry[], flags: SharedFlags, showValues: boolean): void {
  if (entries.length === 0 && !jsonOnStdout(flags)) printNote(flags, '(no entries)');
  printResults(flags, entries.map(entryToJson), () => {
    const width = Math.min(60, Math.max(...entries.map((e) => e.fullKey.length)));
    return entries
      .map((e) => {
        const expiry = e.expiresAt === null ? '' : `  (expires ${new Date(e.expiresAt).toISOString()})`;
        const shown = showValues ? `  ${preview(e.value)}` : `  ${e.value.length} chars`;
        return `${e.fullKey.padEnd(width)}${shown}${expiry}`;
      })
      .join('\n');
  });
}

/** One line, control characters escaped, long values cut (use --json or retrieve for all of it). */
function preview(value: string): string {
  const oneLine = escapeTerminal(value);
  return oneLine.length > 100 ? `${oneLine.slice(0, 99)}…` : oneLine;
}

export function registerMemoryCommand(program: Command): void {
  const memory = addSharedFlags(
    program
      .command('memory')
      .description('store, retrieve, search and move shared agent memory on a backend (namespace/key)')
      .addHelpText('after', '\nA full key is namespace/key: performance/analyzer/bench-789/results is namespace "performance",\nkey "analyzer/bench-789/results". Patterns: * within one segment, ** across segments, ? one character.'),
  );
  shareGroupFlags(memory);

  addSharedFlags(memory.command('store').description('store a value under a full key (overwrites)'))
    .argument('[key]', 'full key namespace/key (or --key)')
    .option('--key <namespace/key>', 'full key')
    .option('--value <text>', 'the value (a string; JSON is stored as text)')
    .option('--ttl <duration>', 'expire after this long, e.g. 30s, 10m, 1h')
    .action(async (keyArg: string | undefined, raw: { key?: string; value?: string; ttl?: string }, cmd: Command) => {
      const { namespace, key } = fullKeyFlag('--key', argOrFlag('key', '--key', keyArg, raw.key));
      if (raw.value === undefined) throw new UsageError('--value: required, e.g. --value \'{"p99":12.5}\'');
      let ttlMs: number | undefined;
      if (raw.ttl !== undefined) {
        const us = parseDurationUs('--ttl', raw.ttl);
        if (us < 1000) throw new UsageError(`--ttl: expected at least 1ms, got "${raw.ttl}"`);
        ttlMs = Math.round(us / 1000);
      }
      await withBackend(cmd, 'store', async (backend, flags) => {
        const entry = await backend.memory.store(namespace, key, raw.value as string, ttlMs);
        printResults(flags, [entryToJson(entry)], () => `stored ${entry.fullKey} (${entry.value.length} chars${entry.expiresAt !== null ? `, expires ${new Date(entry.expiresAt).toISOString()}` : ''})`);
        return 0;
      });
    });

  addSharedFlags(memory.command('retrieve').description('print the value stored under a full key (exit 1 if none)'))
    .argument('[key]', 'full key namespace/key (or --key)')
    .option('--key <namespace/key>', 'full key')
    .action(async (keyArg: string | undefined, raw: { key?: string }, cmd: Command) => {
      const { namespace, key } = fullKeyFlag('--key', argOrFlag('key', '--key', keyArg, raw.key));
      await withBackend(cmd, 'retrieve', async (backend, flags) => {
        const entry = await backend.memory.retrieve(namespace, key);
        if (!entry && flags.json !== undefined) printResults(flags, [], () => '');
        if (!entry) {
          process.stderr.write(`swarmperf: memory retrieve: no entry ${namespace}/${key}\n`);
          return 1;
        }
        printResults(flags, [entryToJson(entry)], () => (entry.value.endsWith('\n') ? entry.value : `${entry.value}\n`));
        return 0;
      });
    });

  addSharedFlags(memory.command('search').description('entries whose full key matches a glob, optionally whose value contains a text'))
    .argument('[pattern]', 'glob over full keys (or --pattern)')
    .option('--pattern <glob>', 'glob over full keys: * one segment, ** any depth, ? one character')
    .option('--query <text>', 'only values containing this text (case-insensitive)')
    .action(async (patternArg: string | undefined, raw: { pattern?: string; query?: string }, cmd: Command) => {
      const given = argOrFlag('pattern', '--pattern', patternArg, raw.pattern);
      if (given === undefined) throw new UsageError('--pattern: required, e.g. --pattern "performance/**"');
      const pattern = patternFlag('--pattern', given);
      await withBackend(cmd, 'search', async (backend, flags) => {
        printEntries(await asUsage('--pattern', backend.memory.search(pattern, raw.query)), flags, true);
        return 0;
      });
    });

  addSharedFlags(memory.command('list').description('list keys (all, or those matching --pattern) with sizes and expiry'))
    .option('--pattern <glob>', 'glob over full keys (default ** — everything)')
    .action(async (raw: { pattern?: string }, cmd: Command) => {
      const pattern = patternFlag('--pattern', raw.pattern ?? '**');
      await withBackend(cmd, 'list', async (backend, flags) => {
        printEntries(await asUsage('--pattern', backend.memory.search(pattern)), flags, false);
        return 0;
      });
    });

  addSharedFlags(memory.command('delete').description('delete one entry (exit 1 if none)'))
    .argument('[key]', 'full key namespace/key (or --key)')
    .option('--key <namespace/key>', 'full key')
    .action(async (keyArg: string | undefined, raw: { key?: string }, cmd: Command) => {
      const { namespace, key } = fullKeyFlag('--key', argOrFlag('key', '--key', keyArg, raw.key));
      await withBackend(cmd, 'delete', async (backend, flags) => {
        const deleted = await backend.memory.delete(namespace, key);
        if (!deleted && flags.json !== undefined) printResults(flags, { key: `${namespace}/${key}`, deleted }, () => '');
        if (!deleted) {
          process.stderr.write(`swarmperf: memory delete: no entry ${namespace}/${key}\n`);
          return 1;
        }
        printResults(flags, { key: `${namespace}/${key}`, deleted }, () => `deleted ${namespace}/${key}`);
        return 0;
      });
    });

  addSharedFlags(memory.command('clear').description('delete every entry of one namespace'))
    .option('--namespace <name>', 'the namespace (the part of a full key before the first /)')
    .action(async (raw: { namespace?: string }, cmd: Command) => {
      const ns = raw.namespace;
      if (ns === undefined || ns === '') throw new UsageError('--namespace: required, e.g. --namespace performance');
      try {
        checkNamespace(ns);
      } catch (err) {
        throw new UsageError(`--namespace: ${(err as Error).message}`);
      }
      await withBackend(cmd, 'clear', async (backend, flags) => {
        const n = await backend.memory.clear(ns);
        printResults(flags, { namespace: ns, cleared: n }, () => `cleared ${n} entr${n === 1 ? 'y' : 'ies'} from namespace ${ns}`);
        return 0;
      });
    });

  addSharedFlags(memory.command('export').description('write every live entry to FILE (atomically; - for stdout)'))
    .argument('<file>', 'output file, or - for stdout')
    .action(async (file: string, _raw: unknown, cmd: Command) => {
      if (file !== '-') checkOutputPath('FILE', file);
      await withBackend(cmd, 'export', async (backend, flags) => {
        const entries = await backend.memory.export();
        const text = serializeMemoryFile(entries, new Date());
        if (file === '-') process.stdout.write(text);
        else {
          writeOutputFile('FILE', file, text);
          if (flags.json !== undefined) printResults(flags, { exported: entries.length, file }, () => '');
          else printNote(flags, `exported ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'} to ${file}`);
        }
        return 0;
      });
    });

  addSharedFlags(memory.command('import').description('import entries from FILE (validated first; all or nothing)'))
    .argument('<file>', 'a file written by `memory export`, or a JSON array of {key, value}')
    .action(async (file: string, _raw: unknown, cmd: Command) => {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        process.stderr.write(`swarmperf: memory import: cannot read ${file}: ${(err as Error).message}\n`);
        process.exitCode = 1;
        return;
      }
      // Validate the whole file before opening the store: a bad file changes nothing.
      let entries: MemoryEntry[];
      try {
        entries = parseMemoryFile(text, file, Date.now());
      } catch (err) {
        process.stderr.write(`swarmperf: memory import: ${(err as Error).message}\n`);
        process.exitCode = 1;
        return;
      }
      await withBackend(cmd, 'import', async (backend, flags) => {
        const now = Date.now();
        const live = entries.filter((e) => !isExpired(e, now));
        const n = await backend.memory.import(live);
        const skipped = entries.length - live.length;
        if (flags.json !== undefined) printResults(flags, { imported: n, expiredSkipped: skipped, file }, () => '');
        else printNote(flags, `imported ${n} entr${n === 1 ? 'y' : 'ies'} from ${file}${skipped > 0 ? ` (${skipped} already expired, skipped)` : ''}`);
        return 0;
      });
    });
}
