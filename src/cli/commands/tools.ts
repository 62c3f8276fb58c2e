/**
 * `swarmperf tools ingest|report|record`: agents' tool-timing logs — read them into hourly
 * histograms, report where the time goes, and record timings from Claude Code hooks.
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { checkOutputPath, writeOutputFile } from '../../results/atomic-write.js';
import { resolveDataDir } from '../../results/data-dir.js';
import { formatBytes, formatCount } from '../../core/units.js';
import { escapeTerminal as plain } from '../../report/escape.js';
import { TOOL_REPORT_FORMATS, type ToolReportFormat } from '../../report/tool-timing/formats.js';
import { parseFieldMap } from '../../timings/formats.js';
import { IngestFileError, unusableFiles, SUPPORTED_FORMATS, type IngestSummary } from '../../timings/ingest-summary.js';
import { ingestToolLogsInWorker } from '../../timings/ingest-worker.js';
import { resolveRecordOptions } from '../../timings/hook-cli.cjs';
import { recordHookEvent } from '../../timings/record.cjs';
import { resolveToolReportOptions, TOOL_REPORT_DEFAULTS, TOOL_REPORT_DESCRIPTIONS } from '../../timings/report-defaults.js';
import { parseIntFlag, parsePositiveDurationUs, UsageError } from '../../core/parse.js';
import { addResultFlags, checkResultFlags, jsonTarget, printNote, printResults, type ResultFlags } from '../result-flags.js';

/** The built CommonJS hook entry (the same path from src/cli/commands and dist/cli/commands). */
const HOOK_ENTRY = fileURLToPath(new URL('../../../dist/timings/hook-main.cjs', import.meta.url));

export function registerToolsCommand(program: Command): void {
  const tools = program.command('tools').description("agents' tool-call timings: ingest logs, report where the time goes, record from hooks");

  const ingest = tools
    .command('ingest')
    .description('read tool-timing logs (only new bytes on re-ingest) into per-tool hourly histograms')
    .argument('<files...>', 'JSONL logs: tool-timing, perf-metrics or Claude Code hook events, detected per line')
    .option('--map <spec>', 'field map for other formats: tool=FIELD,duration=FIELD[,unit=ms|us|s|ns,time=,start=,end=,call_id=,session=,success=,error=,category=]')
    .option('--max-duration <d>', 'durations above this are rejected as absurd', '24h')
    .option('--data-dir <dir>', 'where swarmperf keeps its data (default ./.swarmperf or $SWARMPERF_HOME)')
    .exitOverride();
  addResultFlags(ingest, 'the summary').action(async (files: string[], raw: ResultFlags & { map?: string; maxDuration: string; dataDir?: string }) => {
      checkResultFlags(raw);
      let map;
      if (raw.map !== undefined) {
        try {
          map = parseFieldMap(raw.map);
        } catch (err) {
          throw new UsageError(`--map: ${(err as Error).message}`);
        }
      }
      const maxDurationUs = parsePositiveDurationUs('--max-duration', raw.maxDuration);
      let summary: IngestSummary;
      try {
        summary = await ingestToolLogsInWorker(files, { dataDir: resolveDataDir(raw.dataDir), maxDurationUs, ...(map ? { map } : {}) });
      } catch (err) {
        if (err instanceof IngestFileError) throw new UsageError(err.message);
        throw err;
      }
      printResults(raw, summary, () => formatIngest(summary));
      // Nothing usable in a file that had lines: the wrong file, not a log with a few bad lines.
      const unusable = unusableFiles(summary);
      if (unusable.length > 0) {
        for (const f of unusable) {
          const reasons = Object.entries(summary.invalidByReason).sort((a, b) => b[1] - a[1]).slice(0, 3).map(([k, n]) => `${plain(k)} ×${n}`).join(', ');
          process.stderr.write(`swarmperf tools ingest: ${plain(f.path)}: no tool calls in ${formatCount(f.lines)} lines (${formatCount(f.invalid)} invalid: ${reasons}); expected ${SUPPORTED_FORMATS}\n`);
        }
        process.exitCode = 1;
      }
    });

  const report = tools
    .command('report')
    .description('per tool: count, errors, p50/p95/p99/max, total time and share; slowest calls; current hour vs 24 h; regressions')
    .option('--since <d>', TOOL_REPORT_DESCRIPTIONS.since, TOOL_REPORT_DEFAULTS.since)
    .option('--until <date>', TOOL_REPORT_DESCRIPTIONS.until)
    .option('--by <key>', 'group by tool | category | session', TOOL_REPORT_DEFAULTS.by)
    .option('--format <f>', `output: ${TOOL_REPORT_FORMATS.join(' | ')}`, 'terminal')
    .option('--slowest <n>', 'slowest calls listed', String(TOOL_REPORT_DEFAULTS.slowest))
    .option('--out <file>', 'write the report to FILE (atomically) instead of stdout')
    .option('--data-dir <dir>', 'where swarmperf keeps its data (default ./.swarmperf or $SWARMPERF_HOME)')
    .exitOverride();
  addResultFlags(report, 'the report (the same as --format json; with FILE, as --out FILE)').action(async (raw: ResultFlags & { since: string; until?: string; by: string; format: string; slowest: string; out?: string; dataDir?: string }) => {
      const json = jsonTarget(raw.json);
      const format = reportFormat(raw.format, json !== undefined);
      const slowest = parseIntFlag('--slowest', raw.slowest, 0, 1000);
      if (json !== undefined && json !== '-') {
        if (raw.out !== undefined) throw new UsageError(`--json ${json} and --out ${raw.out}: give one of them`);
        raw.out = json;
      }
      if (raw.out !== undefined) checkOutputPath('--out', raw.out);
      const options = resolveToolReportOptions(resolveDataDir(raw.dataDir), { since: raw.since, until: raw.until, by: raw.by, slowest }, (p) => `--${p}`);
      // Loaded here, not at the top: `tools ingest` and `tools record` never need the renderers.
      const [{ buildToolTimingReport }, { renderToolTimingReport }] = await Promise.all([import('../../timings/report.js'), import('../../report/tool-timing/index.js')]);
      const text = renderToolTimingReport(buildToolTimingReport(options), format);
      if (raw.out) {
        writeOutputFile('--out', raw.out, text);
        printNote(raw, `report written to ${raw.out}`);
      } else process.stdout.write(text);
    });

  tools
    .command('record')
    .description('Claude Code hook: read one PreToolUse/PostToolUse event on stdin, append a timing line (for speed, point the hook at node <swarmperf>/dist/timings/hook-main.cjs)')
    .option('--log <file>', 'timing log to append to (default <data-dir>/tool-timing.jsonl)')
    .option('--state-dir <dir>', 'where Pre events wait for their Post (default <data-dir>/hook-state)')
    .option('--max-size <size>', 'rotate the log past this size, 0 = never', '10mb')
    .option('--keep <n>', 'rotated logs kept', '3')
    .option('--data-dir <dir>', 'where swarmperf keeps its data (default ./.swarmperf or $SWARMPERF_HOME)')
    .addHelpText(
      'after',
      // The bin launcher is an ES module, and Node 20 spends ~15 ms CPU starting its ES-module loader;
      // the CommonJS entry skips that on every tool call.
      `\nFor Claude Code, run the CommonJS entry instead (same flags, ~15 ms less CPU per tool call):\n` +
        `  node ${HOOK_ENTRY} --data-dir ~/.swarmperf\n` +
        'as the "command" of a PreToolUse and a PostToolUse hook (matcher "*") in .claude/settings.json.\n',
    )
    .exitOverride()
    .action((raw: { log?: string; stateDir?: string; maxSize: string; keep: string; dataDir?: string }) => {
      try {
        const opts = resolveRecordOptions({ ...raw, dataDir: resolveDataDir(raw.dataDir) });
        recordHookEvent(readFileSync(0, 'utf8'), opts);
      } catch (err) {
        // Exit 1, never 2: exit 2 from a PreToolUse hook makes Claude Code block the tool call.
        process.stderr.write(`swarmperf tools record: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 1;
      }
    });
}

/** --format, with --json as its shorthand (both given and different: a usage error). */
function reportFormat(raw: string, json: boolean): ToolReportFormat {
  const format = raw as ToolReportFormat;
  if (!TOOL_REPORT_FORMATS.includes(format)) throw new UsageError(`--format: expected one of ${TOOL_REPORT_FORMATS.join(', ')}, got "${raw}"`);
  if (json && format !== 'terminal' && format !== 'json') throw new UsageError(`--json and --format ${format}: give one of them`);
  return json ? 'json' : format;
}

function formatIngest(s: IngestSummary): string {
  const lines: string[] = [];
  for (const f of s.files) {
    const note = f.state === 'unchanged' ? 'unchanged' : f.state === 'grown' ? `read from byte ${formatCount(f.fromOffset)}` : f.state;
    lines.push(
      `${plain(f.path)}: ${note} · ${formatBytes(f.bytes)} · ${formatCount(f.lines)} lines · ${formatCount(f.records)} calls · ${formatCount(f.duplicates)} duplicates · ${formatCount(f.invalid)} invalid` +
        (f.ignored ? ` · ${formatCount(f.ignored)} without timing` : '') +
        (f.blank ? ` · ${formatCount(f.blank)} blank` : '') +
        (f.unterminatedBytes ? ` · last line without a newline (${formatBytes(f.unterminatedBytes)}) left for the next ingest` : ''),
    );
  }
  const mbps = s.elapsedUs > 0 ? s.bytes / 1024 / 1024 / (s.elapsedUs / 1e6) : 0;
  lines.push(
    `total: ${formatCount(s.lines)} lines → ${formatCount(s.records)} distinct calls kept, ${formatCount(s.duplicates)} duplicates dropped, ${formatCount(s.invalidCount)} invalid lines` +
      (s.ignored ? `, ${formatCount(s.ignored)} without timing` : '') +
      (s.blank ? `, ${formatCount(s.blank)} blank` : '') +
      (s.unterminatedBytes ? `; ${formatBytes(s.unterminatedBytes)} without a newline at the end, left for the next ingest` : '') +
      (s.pendingHooks ? `, ${formatCount(s.pendingHooks)} hook Pre events waiting for their Post` : '') +
      ` · ${formatBytes(s.bytes)} in ${(s.elapsedUs / 1e6).toFixed(2)} s (${mbps.toFixed(1)} MB/s)`,
  );
  if (s.invalidCount > 0) {
    lines.push(`invalid lines by reason: ${Object.entries(s.invalidByReason).map(([k, n]) => `${plain(k)} ×${n}`).join(', ')}`);
    for (const i of s.invalid.slice(0, 20)) lines.push(`  ${plain(i.file)}:${i.line}: ${plain(i.reason)}`);
    if (s.invalidCount > 20) lines.push(`  … ${s.invalidCount - 20} more (all listed with --json, up to 1000)`);
  }
  return lines.join('\n');
}
