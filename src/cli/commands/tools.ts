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
import { parseFieldMap } from '../../timings/formats.js';
import { IngestFileError, ingestToolLogs, type IngestSummary } from '../../timings/ingest.js';
import { resolveRecordOptions } from '../../timings/hook-cli.cjs';
import { recordHookEvent } from '../../timings/record.cjs';
import { REPORT_FORMATS, renderToolTimingReport, type ReportFormat } from '../../timings/render/index.js';
import { plain } from '../../timings/render/escape.js';
import { buildToolTimingReport, type GroupBy } from '../../timings/report.js';
import { MAX_LOOKBACK_US, parseIntFlag, parsePositiveDurationUs, UsageError } from '../../core/parse.js';

/** The built CommonJS hook entry (the same path from src/cli/commands and dist/cli/commands). */
const HOOK_ENTRY = fileURLToPath(new URL('../../../dist/timings/hook-main.cjs', import.meta.url));

export function registerToolsCommand(program: Command): void {
  const tools = program.command('tools').description("agents' tool-call timings: ingest logs, report where the time goes, record from hooks");

  tools
    .command('ingest')
    .description('read tool-timing logs (only new bytes on re-ingest) into per-tool hourly histograms')
    .argument('<files...>', 'JSONL logs: tool-timing, perf-metrics or Claude Code hook events, detected per line')
    .option('--map <spec>', 'field map for other formats: tool=FIELD,duration=FIELD[,unit=ms|us|s|ns,time=,start=,end=,call_id=,session=,success=,error=,category=]')
    .option('--max-duration <d>', 'durations above this are rejected as absurd', '24h')
    .option('--json', 'print the summary as JSON')
    .option('--data-dir <dir>', 'where swarmperf keeps its data (default ./.swarmperf or $SWARMPERF_HOME)')
    .exitOverride()
    .action((files: string[], raw: { map?: string; maxDuration: string; json?: boolean; dataDir?: string }) => {
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
        summary = ingestToolLogs(files, { dataDir: resolveDataDir(raw.dataDir), maxDurationUs, ...(map ? { map } : {}) });
      } catch (err) {
        if (err instanceof IngestFileError) throw new UsageError(err.message);
        throw err;
      }
      if (raw.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
      else process.stdout.write(formatIngest(summary) + '\n');
    });

  tools
    .command('report')
    .description('per tool: count, errors, p50/p95/p99/max, total time and share; slowest calls; current hour vs 24 h; regressions')
    .option('--since <d>', 'window back from --until: a duration (24h, 7d) or "all"', '24h')
    .option('--until <date>', 'end of the window, ISO date (default now)')
    .option('--by <key>', 'group by tool | category | session', 'tool')
    .option('--format <f>', `output: ${REPORT_FORMATS.join(' | ')}`, 'terminal')
    .option('--slowest <n>', 'slowest calls listed', '10')
    .option('--out <file>', 'write the report to FILE (atomically) instead of stdout')
    .option('--data-dir <dir>', 'where swarmperf keeps its data (default ./.swarmperf or $SWARMPERF_HOME)')
    .exitOverride()
    .action((raw: { since: string; until?: string; by: string; format: string; slowest: string; out?: string; dataDir?: string }) => {
      const by = raw.by as GroupBy;
      if (!['tool', 'category', 'session'].includes(by)) throw new UsageError(`--by: expected tool, category or session, got "${raw.by}"`);
      const format = raw.format as ReportFormat;
      if (!REPORT_FORMATS.includes(format)) throw new UsageError(`--format: expected one of ${REPORT_FORMATS.join(', ')}, got "${raw.format}"`);
      const sinceUs = raw.since.trim() === 'all' ? null : parsePositiveDurationUs('--since', raw.since, { max: MAX_LOOKBACK_US });
      let untilUs: number | undefined;
      if (raw.until !== undefined) {
        const t = Date.parse(raw.until);
        if (Number.isNaN(t)) throw new UsageError(`--until: expected an ISO date such as 2026-01-04T18:00:00Z, got "${raw.until}"`);
        untilUs = t * 1000;
      }
      const slowest = parseIntFlag('--slowest', raw.slowest, 0, 1000);
      if (raw.out !== undefined) checkOutputPath('--out', raw.out);
      const report = buildToolTimingReport({ dataDir: resolveDataDir(raw.dataDir), sinceUs, by, slowest, ...(untilUs !== undefined ? { untilUs } : {}) });
      const text = renderToolTimingReport(report, format);
      if (raw.out) {
        writeOutputFile('--out', raw.out, text);
        process.stderr.write(`report written to ${raw.out}\n`);
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

function formatIngest(s: IngestSummary): string {
  const lines: string[] = [];
  for (const f of s.files) {
    const note = f.state === 'unchanged' ? 'unchanged' : f.state === 'grown' ? `read from byte ${formatCount(f.fromOffset)}` : f.state;
    lines.push(`${plain(f.path)}: ${note} · ${formatBytes(f.bytes)} · ${formatCount(f.lines)} lines · ${formatCount(f.records)} calls · ${formatCount(f.duplicates)} duplicates · ${formatCount(f.invalid)} invalid`);
  }
  const mbps = s.elapsedUs > 0 ? s.bytes / 1024 / 1024 / (s.elapsedUs / 1e6) : 0;
  lines.push(
    `total: ${formatCount(s.lines)} lines → ${formatCount(s.records)} distinct calls kept, ${formatCount(s.duplicates)} duplicates dropped, ${formatCount(s.invalidCount)} invalid lines` +
      (s.ignored ? `, ${formatCount(s.ignored)} without timing` : '') +
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
