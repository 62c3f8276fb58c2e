/**
 * `swarmperf profile [RUN]`: a profiled run's CPU profiles (recorded by `run --profile`) as a
 * flamegraph (self-contained SVG), Chrome DevTools .cpuprofile, speedscope JSON, pprof, or a top
 * table by self and total time with the cpu-hotspot finding; --cmd and --pid profile another Node
 * program (started under the profiler, or running, through its inspector).
 */
import { gzipSync } from 'node:zlib';
import type { Command } from 'commander';
import { writeFileAtomic } from '../../core/atomic-write.js';
import { UsageError } from '../../core/errors.js';
import { parseIntFlag, parsePositiveDurationUs } from '../../core/parse.js';
import { mergeCpuProfiles, renderTopTable, toPprof, toSpeedscope } from '../../profile/export.js';
import { renderFlamegraphSvg } from '../../profile/flamegraph.js';
import { hotspotFinding } from '../../profile/hotspot.js';
import { resolveProfilePath, selectProfiles } from '../../profile/select.js';
import { runUnderProfiler } from '../../profile/command.js';
import { profilePid } from '../../profile/attach.js';
import { writeProfile } from '../../profile/cpuprofile.js';
import { DEFAULT_INTERVAL, parseProfileInterval } from '../../profile/session.js';
import { newRunId } from '../../results/run-result.js';
import { join } from 'node:path';
import { buildFlameTree, topFunctions } from '../../profile/tree.js';
import { resolveDataDir } from '../../results/data-dir.js';
import { swarmperfVersion } from '../../core/version.js';
import { addResultFlags, jsonTarget, printNote, printResults, type ResultFlags } from '../result-flags.js';

const FORMATS = ['svg', 'cpuprofile', 'speedscope', 'pprof', 'top'] as const;
type Format = (typeof FORMATS)[number];

/** The format a file name implies, so `--out flame.svg` needs no --format. */
function formatFromName(out: string | undefined): Format | undefined {
  if (!out || out === '-') return undefined;
  if (out.endsWith('.svg')) return 'svg';
  if (out.endsWith('.cpuprofile')) return 'cpuprofile';
  if (out.endsWith('.speedscope.json')) return 'speedscope';
  if (/\.(pb|pprof)(\.gz)?$/.test(out)) return 'pprof';
  return undefined;
}

interface ProfileOptions extends ResultFlags {
  out?: string;
  format?: string;
  process?: string;
  limit: string;
  dataDir?: string;
  cmd?: string;
  pid?: string;
  duration?: string;
  inspectPort?: string;
  profileInterval: string;
}

/** The longest --duration of --pid: a profile of an hour at 1 ms is already ~3.6 M samples. */
const MAX_PID_DURATION_US = 3_600_000_000;

export function registerProfileCommand(program: Command): void {
  const cmd = program
    .command('profile')
    .description('a profiled run (run --profile) as a flamegraph (svg), .cpuprofile, speedscope, pprof, or top functions')
    .argument('[run]', 'run id, "latest", or a .cpuprofile file or folder', 'latest')
    .option('--out <file>', 'write to FILE (default: stdout); the extension picks the format (.svg, .cpuprofile, .speedscope.json, .pb[.gz])')
    .option('--format <f>', `output format: ${FORMATS.join(' | ')} (default: from --out, else top)`)
    .option('--process <name>', 'only one process group (main, agent) or one process (agent-0-1234)')
    .option('--limit <n>', 'rows of the top table', '20')
    .option('--cmd <command>', 'run a Node program under the profiler until it exits (e.g. "node app.js"), then show its profile')
    .option('--pid <n>', 'profile a running Node process through its inspector (opened with SIGUSR1 when it has none)')
    .option('--duration <d>', 'how long --pid samples (default 10s; Ctrl-C ends it early)')
    .option('--inspect-port <n>', "the inspector port of --pid (default: found from the process, else 9229)")
    .option('--profile-interval <d>', 'sampling interval of --cmd and --pid', DEFAULT_INTERVAL)
    .option('--data-dir <dir>', 'where swarmperf keeps its data (default ./.swarmperf or $SWARMPERF_HOME)');
  addResultFlags(cmd, 'the top functions and the cpu-hotspot finding').action(async (run: string, raw: ProfileOptions) => {
      const json = jsonTarget(raw.json);
      if (json !== undefined && (raw.format ?? 'top') !== 'top') throw new UsageError(`--json gives the top functions; --format ${raw.format} is a profile file: give one of them`);
      const format = (raw.format ?? formatFromName(raw.out) ?? 'top') as Format;
      if (!FORMATS.includes(format)) throw new UsageError(`--format: "${raw.format}" is not one of ${FORMATS.join(', ')}`);
      const limit = parseIntFlag('--limit', raw.limit, 1, 10_000);
      if (raw.out === '') throw new UsageError('--out: expected a file name (or - for stdout)');
      const dataDir = resolveDataDir(raw.dataDir);
      let path: string;
      if (raw.pid === undefined && (raw.duration !== undefined || raw.inspectPort !== undefined)) throw new UsageError(`${raw.duration !== undefined ? '--duration' : '--inspect-port'} goes with --pid`);
      if (raw.pid !== undefined) {
        if (raw.cmd !== undefined) throw new UsageError('give either --pid or --cmd, not both');
        if (run !== 'latest') throw new UsageError(`--pid profiles a running process: give it without a RUN (got "${run}")`);
        path = await profileByPid(raw, dataDir);
      } else if (raw.cmd !== undefined) {
        if (raw.cmd.trim() === '') throw new UsageError('--cmd: expected a command, e.g. "node app.js"');
        if (run !== 'latest') throw new UsageError(`--cmd profiles a new process: give it without a RUN (got "${run}")`);
        path = join(dataDir, 'profiles', `cmd-${newRunId()}`);
        const r = await runUnderProfiler(raw.cmd, path, parseProfileInterval('--profile-interval', raw.profileInterval));
        if (r.files.length === 0) throw new UsageError(`--cmd: "${raw.cmd}" wrote no CPU profile (exit ${r.status}); only Node programs can be profiled this way`);
        printNote(raw, `profiled ${r.files.length} Node process${r.files.length === 1 ? '' : 'es'} (exit ${r.status}) into ${path}`);
      } else {
        path = resolveProfilePath(run, dataDir);
      }
      const profiles = selectProfiles(path, raw.process);
      if (json !== undefined) {
        const top = topFunctions(buildFlameTree(profiles));
        const value = { source: path, processes: profiles.length, cpuUs: top.cpuUs, entries: top.entries.slice(0, limit), finding: hotspotFinding(profiles) ?? null };
        return printResults(raw, value, () => render('top', profiles, path, limit) as string);
      }
      const data = render(format, profiles, path, limit);
      if (raw.out && raw.out !== '-') {
        writeFileAtomic(raw.out, raw.out.endsWith('.gz') ? gzipSync(data) : data);
        printNote(raw, `wrote ${format} of ${profiles.length} process${profiles.length === 1 ? '' : 'es'} to ${raw.out}`);
      } else {
        if (format === 'pprof' && process.stdout.isTTY) throw new UsageError('--format pprof is binary: give --out FILE.pb (or redirect stdout)');
        process.stdout.write(data);
      }
    });
}

/** --pid: samples the process for --duration (Ctrl-C ends it early) and stores the profile like --cmd does. */
async function profileByPid(raw: ProfileOptions, dataDir: string): Promise<string> {
  const pid = parseIntFlag('--pid', raw.pid ?? '', 1, 4_194_304);
  const durationUs = parsePositiveDurationUs('--duration', raw.duration ?? '10s', { max: MAX_PID_DURATION_US });
  const inspectPort = raw.inspectPort === undefined ? undefined : parseIntFlag('--inspect-port', raw.inspectPort, 1, 65_535);
  const intervalUs = parseProfileInterval('--profile-interval', raw.profileInterval);
  const stop = new AbortController();
  const onInterrupt = (): void => stop.abort();
  process.once('SIGINT', onInterrupt);
  try {
    const r = await profilePid({ pid, durationUs, intervalUs, ...(inspectPort ? { inspectPort } : {}), signal: stop.signal, log: (line) => process.stderr.write(`${line}\n`) });
    const path = join(dataDir, 'profiles', `pid-${pid}-${newRunId()}`);
    writeProfile(path, `pid-${pid}`, r.profile);
    process.stderr.write(`profiled pid ${pid} into ${path}\n`);
    return path;
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}

function render(format: Format, profiles: ReturnType<typeof selectProfiles>, source: string, limit: number): string | Uint8Array {
  switch (format) {
    case 'svg':
      return renderFlamegraphSvg(buildFlameTree(profiles), `CPU flamegraph — ${source}`);
    case 'cpuprofile':
      return JSON.stringify(mergeCpuProfiles(profiles));
    case 'speedscope':
      return JSON.stringify(toSpeedscope(profiles, source, `swarmperf ${swarmperfVersion()}`));
    case 'pprof':
      return toPprof(profiles);
    case 'top': {
      const finding = hotspotFinding(profiles);
      const text = renderTopTable(topFunctions(buildFlameTree(profiles)), limit);
      return finding ? `${text}\nfinding (${finding.severity}) ${finding.kind}: ${finding.evidence}\n` : text;
    }
  }
}
