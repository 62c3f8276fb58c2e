/**
 * `swarmperf bench --protocol raft --scenario S`: consensus protocols measured in the
 * deterministic simulator (`--mode sim`, the default) or over real TCP on loopback (`--mode real`).
 * One RunResult; one suite `consensus.raft` per swept setting (`--nodes 3,5,7`, several
 * `--election-timeout` ranges, `--batch on,off`), its backend naming the setting (e.g. sim:5-nodes).
 */
import { Command } from 'commander';
import { runElectionScenario } from '../../consensus/bench/election.js';
import { formatTimeoutRange, type RaftSetup, type ScenarioRun } from '../../consensus/bench/common.js';
import { runWorkloadScenario, type WorkloadOptions, type WorkloadScenario } from '../../consensus/bench/workload.js';
import { runRealScenario } from '../../consensus/real/run-real.js';
import { buildRunResult } from '../../results/run-result.js';
import type { RunResult, SuiteResult } from '../../core/result.js';
import type { ProgressSink } from '../../report/progress.js';
import { FaultScheduleError, parseFaultSchedule, parseShare, type FaultSchedule } from '../../sim/faults.js';
import { LatencyParseError, parseLatency, type LatencySpec } from '../../sim/latency.js';
import { addCommonFlags, finishRun, resolveCommon, withInterrupt } from '../common.js';
import { collect, parseBytes, parseDurationUs, parseIntFlag, parsePositiveDurationUs, parsePositiveNumber, UsageError } from '../../core/parse.js';

const SCENARIOS = ['election', 'throughput', 'latency', 'faults'] as const;
type Scenario = (typeof SCENARIOS)[number];
const PROTOCOLS = ['raft'] as const;

/** The faults scenario's schedule when none is given: leader crash, leader isolation, a lossy spell, a random crash. */
export const DEFAULT_FAULTS = 'crash-leader@3s-5s; isolate-leader@7s-9s; loss=30%@11s-12s; crash-random@13s-14s';

export function registerBenchCommand(program: Command): void {
  const cmd = program
    .command('bench')
    .description('benchmark a consensus protocol in the deterministic simulator or over real TCP (see docs: consensus)')
    .requiredOption('--protocol <name>', `protocol: ${PROTOCOLS.join(' | ')}`);
  addBenchOptions(cmd);
  addCommonFlags(cmd, { duration: '10s', warmup: '1s' });
  cmd.action(async (raw: Record<string, unknown>) => {
    // The faults scenario needs room for its default schedule (faults up to 14 s).
    if (raw.scenario === 'faults' && cmd.getOptionValueSource('duration') === 'default') raw.duration = '15s';
    const o = resolveCommon(raw);
    const { result } = await withInterrupt(o.progress, (signal) =>
      runConsensusBench(raw, { ...o, signal, startedAt: new Date(), ...(o.iterations !== undefined ? { iterations: o.iterations } : {}) }),
    );
    for (const s of result.suites) {
      for (const c of s.checks) {
        if (!c.passed) process.stderr.write(`swarmperf: ${s.backend}: check "${c.name}" failed: ${c.detail} (seed ${o.seed})\n`);
      }
    }
    process.exitCode = await finishRun(result, o);
  });
}

/** The scenario flags of `swarmperf bench` (shared with the MCP server, which reads their defaults). */
function addBenchOptions(cmd: Command): Command {
  return cmd
    .option('--scenario <name>', `scenario: ${SCENARIOS.join(' | ')}`, 'election')
    .option('--mode <mode>', 'sim (deterministic simulator) | real (worker threads over TCP on loopback)', 'sim')
    .option('--nodes <n[,n…]>', 'cluster size; a list sweeps sizes, one suite each (e.g. 3,5,7,9)', '5')
    .option('--latency <dist>', 'one-way link latency: 15ms | uniform:10ms-20ms | normal:15ms,3ms | lognormal:10ms,0.5 | exp:5ms', 'uniform:5ms-10ms')
    .option('--client-latency <dist>', 'sim: client ↔ node latency (default: as --latency; real mode clients connect directly on loopback)')
    .option('--link-latency <a-b=dist>', 'latency of the links between nodes a and b (1-based, both ways; repeatable)', collect, [])
    .option('--bandwidth <bytes>', 'per-link bandwidth in bytes per second, e.g. 10mb (default unlimited)')
    .option('--loss <share>', 'share of messages lost, e.g. 1% or 0.01', '0')
    .option('--dup <share>', 'share of messages duplicated', '0')
    .option('--reorder <share>', 'share of messages that may overtake earlier ones', '0')
    .option('--election-timeout <MIN-MAX>', 'randomized election timeout range, e.g. 150-300ms; a comma list sweeps ranges', '150-300ms')
    .option('--heartbeat <d>', 'heartbeat interval (default: half the minimum election timeout, as in the Raft paper)')
    .option('--pre-vote', 'enable pre-vote (Raft thesis §9.6)')
    .option('--no-check-quorum', 'leaders do not step down when they lose their majority (and votes ignore leases)')
    .option('--batch <on|off>', 'batch appends (one in flight per follower) or send each entry at once; "on,off" runs both', 'on')
    .option('--max-batch <n>', 'most entries in one append', '256')
    .option('--faults <schedule>', `fault schedule, e.g. "crash-leader@5s; partition 1,2|3,4,5@10s-20s; loss=1%" (faults scenario default: "${DEFAULT_FAULTS}")`)
    .option('--service-time <PER_MSG[,PER_ENTRY]>', 'sim: node CPU per message and per log entry, e.g. 20us,2us (0 = infinitely fast nodes)', '20us,2us')
    .option('--trials <n>', 'election: leader crashes to measure', '100')
    .option('--concurrency <n>', 'client sessions (closed loop: all busy; open loop: the pool serving --rate)', '32')
    .option('--rate <ops/s>', 'open loop: commands per second (latency and faults scenarios default to 500)')
    .option('--keys <n>', 'distinct keys', '100')
    .option('--reads <share>', 'share of commands that are reads', '0.5')
    .option('--cas <share>', 'share of commands that are compare-and-set', '0')
    .option('--value-size <bytes>', 'bytes per written value', '64')
    .option('--lin-max-ops <n>', 'check linearizability when the history has at most this many commands', '20000');
}

/** Every bench flag at its default, as commander would give them: the MCP server starts from these. */
export function consensusBenchDefaults(): Record<string, unknown> {
  return addBenchOptions(new Command('bench')).opts();
}

export interface ConsensusBenchRun {
  durationUs: number;
  warmupUs: number;
  intervalUs: number;
  iterations?: number;
  seed: number;
  signal: AbortSignal;
  progress: ProgressSink;
  startedAt: Date;
  tags?: Record<string, string>;
}

/**
 * Runs `bench --protocol raft` from its raw flags (validated here, UsageError naming the flag) and
 * returns one RunResult with a suite per swept setting. Shared by the CLI and the MCP server.
 */
export async function runConsensusBench(raw: Record<string, unknown>, o: ConsensusBenchRun): Promise<{ result: RunResult; aborted: boolean }> {
  const protocol = String(raw.protocol ?? 'raft');
  if (!(PROTOCOLS as readonly string[]).includes(protocol)) throw new UsageError(`--protocol: unknown protocol "${protocol}"; known: ${PROTOCOLS.join(', ')}`);
  const scenario = String(raw.scenario) as Scenario;
  if (!SCENARIOS.includes(scenario)) throw new UsageError(`--scenario: unknown scenario "${scenario}"; known: ${SCENARIOS.join(', ')}`);
  const mode = String(raw.mode);
  if (mode !== 'sim' && mode !== 'real') throw new UsageError(`--mode: expected sim or real, got "${mode}"`);
  const plan = parsePlan(raw, scenario, o.seed);
  const workload = parseWorkload(raw, scenario, o.durationUs, o.warmupUs, o.iterations);
  const trials = parseIntFlag('--trials', String(raw.trials), 1, 1_000_000);
  const suites: SuiteResult[] = [];
  let aborted = false;
  for (const item of plan) {
    if (o.signal.aborted) {
      aborted = true;
      break;
    }
    const run: ScenarioRun = { intervalUs: o.intervalUs, signal: o.signal, progress: o.progress };
    if (item.label) run.label = item.label;
    o.progress.log(`▶ raft ${scenario} · ${mode} · ${item.setup.nodes} nodes${item.label ? ` · ${item.label}` : ''} · seed ${o.seed}`);
    const r =
      mode === 'real'
        ? await runRealScenario(item.setup, scenario, { trials, workload }, run)
        : scenario === 'election'
          ? await runElectionScenario(item.setup, { trials }, run)
          : await runWorkloadScenario(item.setup, workload, run);
    suites.push(r.suite);
    if (r.aborted) {
      aborted = true;
      break;
    }
  }
  aborted ||= o.signal.aborted;
  const first = plan[0]?.setup;
  const result = buildRunResult({
    startedAt: o.startedAt,
    finishedAt: new Date(),
    partial: aborted,
    config: {
      command: 'bench',
      protocol,
      scenario,
      mode,
      nodes: plan.map((p) => p.setup.nodes).filter((n, i, a) => a.indexOf(n) === i),
      latency: String(raw.latency),
      electionTimeout: String(raw.electionTimeout),
      heartbeatUs: first?.heartbeatUs,
      preVote: first?.preVote,
      checkQuorum: first?.checkQuorum,
      batch: String(raw.batch),
      ...(first?.faults?.text ? { faults: first.faults.text } : {}),
      ...(scenario === 'election' ? { trials } : { concurrency: workload.concurrency, rate: workload.rate ?? null, keys: workload.keys, reads: workload.readRatio }),
      durationUs: o.durationUs,
      warmupUs: o.warmupUs,
      intervalUs: o.intervalUs,
      seed: o.seed,
      ...(o.iterations !== undefined ? { iterations: o.iterations } : {}),
    },
    suites,
    ...(o.tags ? { tags: o.tags } : {}),
  });
  return { result, aborted };
}

interface PlanItem {
  setup: RaftSetup;
  label?: string;
}

function parseShareFlag(flag: string, raw: string): number {
  const v = parseShare(raw.trim());
  if (v === undefined) throw new UsageError(`${flag}: expected a share such as 1% or 0.01 (0 to 1), got "${raw}"`);
  return v;
}

/** "150-300ms", "150ms-300ms", "0.15-0.3s" → [min, max] µs. */
export function parseTimeoutRange(flag: string, raw: string): [number, number] {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(us|µs|ms|s)?\s*-\s*(\d+(?:\.\d+)?)\s*(us|µs|ms|s)?\s*$/.exec(raw);
  if (!m) throw new UsageError(`${flag}: expected MIN-MAX such as 150-300ms, got "${raw}"`);
  const unit = m[4] ?? m[2] ?? 'ms';
  const lo = parseDurationUs(flag, `${m[1]}${m[2] ?? unit}`);
  const hi = parseDurationUs(flag, `${m[3]}${unit}`);
  if (lo <= 0) throw new UsageError(`${flag}: the minimum must be above zero in "${raw}"`);
  if (hi < lo) throw new UsageError(`${flag}: the maximum is below the minimum in "${raw}"`);
  return [lo, hi];
}

function parseLatencyFlag(flag: string, raw: string): LatencySpec {
  try {
    return parseLatency(raw, flag);
  } catch (e) {
    if (e instanceof LatencyParseError) throw new UsageError(e.message);
    throw e;
  }
}

function parsePlan(raw: Record<string, unknown>, scenario: Scenario, seed: number): PlanItem[] {
  const sizes = String(raw.nodes)
    .split(',')
    .map((s) => parseIntFlag('--nodes', s, 1, 999));
  const latency = parseLatencyFlag('--latency', String(raw.latency));
  const clientLatency = raw.clientLatency === undefined ? undefined : parseLatencyFlag('--client-latency', String(raw.clientLatency));
  const ranges = String(raw.electionTimeout)
    .split(',')
    .map((r) => parseTimeoutRange('--election-timeout', r));
  const batches = String(raw.batch)
    .split(',')
    .map((b) => {
      const t = b.trim();
      if (t !== 'on' && t !== 'off') throw new UsageError(`--batch: expected on, off or on,off, got "${String(raw.batch)}"`);
      return t === 'on';
    });
  const heartbeatRaw = raw.heartbeat === undefined ? undefined : String(raw.heartbeat);
  const heartbeatFlagUs = heartbeatRaw === undefined ? undefined : parsePositiveDurationUs('--heartbeat', heartbeatRaw);
  const loss = parseShareFlag('--loss', String(raw.loss));
  const duplicate = parseShareFlag('--dup', String(raw.dup));
  const reorder = parseShareFlag('--reorder', String(raw.reorder));
  const maxBatch = parseIntFlag('--max-batch', String(raw.maxBatch), 1, 1_000_000);
  const bandwidth = raw.bandwidth === undefined ? undefined : parseBytes('--bandwidth', String(raw.bandwidth), 1024 ** 4);
  if (bandwidth !== undefined && bandwidth <= 0) throw new UsageError('--bandwidth: expected a size above zero');
  const processing = parseServiceTime(String(raw.serviceTime));
  const faultText = raw.faults === undefined ? (scenario === 'faults' ? DEFAULT_FAULTS : undefined) : String(raw.faults);
  const plan: PlanItem[] = [];
  for (const nodes of sizes) {
    const linkLatency = parseLinkLatency((raw.linkLatency as string[] | undefined) ?? [], nodes);
    let faults: FaultSchedule | undefined;
    if (faultText !== undefined) {
      try {
        faults = parseFaultSchedule(faultText, nodes);
      } catch (e) {
        if (e instanceof FaultScheduleError) throw new UsageError(sizes.length > 1 ? `${e.message} (with --nodes ${nodes})` : e.message);
        throw e;
      }
    }
    for (const range of ranges) {
      const heartbeatUs = heartbeatFlagUs ?? Math.max(1, Math.floor(range[0] / 2));
      if (heartbeatUs >= range[0]) throw new UsageError(`--heartbeat: ${heartbeatRaw} is not below the minimum election timeout (${range[0] / 1000} ms); followers would time out between heartbeats`);
      for (const batch of batches) {
        const setup: RaftSetup = {
          nodes,
          seed,
          latency,
          loss,
          duplicate,
          reorder,
          electionTimeoutUs: range,
          heartbeatUs,
          preVote: raw.preVote === true,
          checkQuorum: raw.checkQuorum !== false,
          batch,
          maxEntriesPerAppend: maxBatch,
        };
        if (linkLatency.size > 0) setup.linkLatency = linkLatency;
        if (clientLatency) setup.clientLatency = clientLatency;
        if (bandwidth !== undefined) setup.bandwidthBytesPerSec = bandwidth;
        if (faults) setup.faults = faults;
        if (processing) setup.processing = processing;
        const parts: string[] = [];
        if (ranges.length > 1) parts.push(`et=${formatTimeoutRange(range)}`);
        if (batches.length > 1) parts.push(`batch=${batch ? 'on' : 'off'}`);
        const item: PlanItem = { setup };
        if (parts.length > 0) item.label = parts.join(':');
        plan.push(item);
      }
    }
  }
  return plan;
}

function parseServiceTime(raw: string): { perMessageUs: number; perEntryUs: number } | undefined {
  const parts = raw.split(',');
  if (parts.length > 2) throw new UsageError(`--service-time: expected PER_MSG or PER_MSG,PER_ENTRY such as 20us,2us, got "${raw}"`);
  const perMessageUs = parseDurationUs('--service-time', (parts[0] as string).trim());
  const perEntryUs = parts[1] === undefined ? 0 : parseDurationUs('--service-time', parts[1].trim());
  return perMessageUs === 0 && perEntryUs === 0 ? undefined : { perMessageUs, perEntryUs };
}

function parseLinkLatency(specs: string[], nodes: number): Map<string, LatencySpec> {
  const out = new Map<string, LatencySpec>();
  for (const s of specs) {
    const m = /^\s*(\d+)\s*-\s*(\d+)\s*=\s*(.+)$/.exec(s);
    if (!m) throw new UsageError(`--link-latency: expected A-B=DIST such as 1-2=30ms, got "${s}"`);
    const a = Number(m[1]);
    const b = Number(m[2]);
    for (const n of [a, b]) if (n < 1 || n > nodes) throw new UsageError(`--link-latency "${s}": node ${n} does not exist (nodes are 1..${nodes})`);
    if (a === b) throw new UsageError(`--link-latency "${s}": a link joins two different nodes`);
    const spec = parseLatencyFlag(`--link-latency "${s}"`, m[3] as string);
    out.set(`${a - 1}>${b - 1}`, spec);
    out.set(`${b - 1}>${a - 1}`, spec);
  }
  return out;
}

function parseWorkload(raw: Record<string, unknown>, scenario: Scenario, durationUs: number, warmupUs: number, iterations: number | undefined): WorkloadOptions {
  const readRatio = parseShareFlag('--reads', String(raw.reads));
  const casRatio = parseShareFlag('--cas', String(raw.cas));
  if (readRatio + casRatio > 1) throw new UsageError(`--reads ${String(raw.reads)} and --cas ${String(raw.cas)} add up to more than 1`);
  const rate =
    raw.rate !== undefined ? parsePositiveNumber('--rate', String(raw.rate)) : scenario === 'latency' || scenario === 'faults' ? 500 : undefined;
  const w: WorkloadOptions = {
    scenario: (scenario === 'election' ? 'throughput' : scenario) as WorkloadScenario,
    durationUs,
    warmupUs,
    concurrency: parseIntFlag('--concurrency', String(raw.concurrency), 1, 100_000),
    keys: parseIntFlag('--keys', String(raw.keys), 1, 10_000_000),
    readRatio,
    casRatio,
    valueBytes: parseBytes('--value-size', String(raw.valueSize)),
    linearizabilityMaxOps: parseIntFlag('--lin-max-ops', String(raw.linMaxOps), 0),
  };
  if (rate !== undefined) w.rate = rate;
  if (iterations !== undefined) w.iterations = iterations;
  return w;
}
