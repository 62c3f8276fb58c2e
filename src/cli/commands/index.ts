/**
 * Every CLI command, in the order `--help` lists them. Each command's module loads only when that
 * command runs (or its help is asked for): `swarmperf --version`, `--help` and small commands do
 * not pay for loading every command, the suites and the report renderers. `--help` lists the
 * descriptions below (a test keeps them equal to each command's own).
 *
 * `setup`: the command needs the registries (suites, sinks, enrichers, report formats) filled by
 * the composition root (src/setup.ts) before it registers its flags or runs.
 */
import { Help, type Command } from 'commander';

export interface CommandEntry {
  name: string;
  /** What --help shows after the name (options and arguments), as commander would. */
  usage: string;
  description: string;
  setup: boolean;
  load: () => Promise<(program: Command) => void>;
}

export const COMMANDS: readonly CommandEntry[] = [
  // Measure …
  { name: 'run', usage: '[options] [suites...]', setup: true, description: 'run benchmark suites (default: the coordination suites) and record the result', load: async () => (await import('./run.js')).registerRunCommand },
  { name: 'agent', usage: '[options]', setup: false, description: 'join runs coordinated on another host as an agent on this one (`run --remote-agents N --control URL` there)', load: async () => (await import('./agent.js')).registerAgentCommand },
  { name: 'load', usage: '[options] <url>', setup: true, description: 'load an HTTP endpoint at an arrival rate (--rate, --ramp) or a concurrency (--concurrency)', load: async () => (await import('./load.js')).registerLoadCommand },
  { name: 'stress', usage: '[options] <url>', setup: true, description: 'find the highest arrival rate an HTTP endpoint sustains within an SLO (steps the rate up until it breaks)', load: async () => (await import('./stress.js')).registerStressCommand },
  { name: 'bench', usage: '[options]', setup: true, description: 'benchmark consensus protocols in the deterministic simulator or over real TCP (see docs: consensus)', load: async () => (await import('./bench.js')).registerBenchCommand },
  { name: 'mcp-bench', usage: '[options]', setup: true, description: "benchmark any MCP server's tools (stdio or streamable HTTP): latency, throughput, errors, cold start", load: async () => (await import('./mcp-bench.js')).registerMcpBenchCommand },
  { name: 'tune', usage: '[options] [suite]', setup: true, description: 'search parameters of a suite, protocol or backend for the best settings under SLOs (grid or successive halving, repeats where noisy)', load: async () => (await import('./tune.js')).registerTuneCommand },
  { name: 'tools', usage: '', setup: false, description: "agents' tool-call timings: ingest logs, report where the time goes, record from hooks", load: async () => (await import('./tools.js')).registerToolsCommand },
  { name: 'contract', usage: '[options] <backend>', setup: false, description: 'check which coordination semantics a store keeps (atomic claim, lease fencing, ordered delivery, TTL, glob search); exit 1 when one fails', load: async () => (await import('./contract/index.js')).registerContractCommand },
  { name: 'memory', usage: '[options]', setup: false, description: 'store, retrieve, search and move shared agent memory on a backend (namespace/key)', load: async () => (await import('./memory.js')).registerMemoryCommand },
  // … keep and compare over time …
  { name: 'history', usage: '[options]', setup: false, description: 'list the runs recorded in the history (and show, import, export, remove them)', load: async () => (await import('./history.js')).registerHistoryCommand },
  { name: 'compare', usage: '[options] [base] [head]', setup: false, description: 'compare two runs metric by metric: change, 95 % interval and a statistical verdict', load: async () => (await import('./compare.js')).registerCompareCommand },
  { name: 'trends', usage: '[options]', setup: false, description: 'each metric over the recorded runs: change points (E-Divisive) and linear trend', load: async () => (await import('./trends.js')).registerTrendsCommand },
  { name: 'anomalies', usage: '[options]', setup: false, description: 'flag the latest values that are outliers against their own history (robust z-score, MAD)', load: async () => (await import('./anomalies.js')).registerAnomaliesCommand },
  { name: 'alerts', usage: '', setup: false, description: 'alert rules on metrics (e.g. "tasks.claim.p99 < 5ms"); `alerts check` gates CI', load: async () => (await import('./alerts.js')).registerAlertsCommand },
  // … explain and report.
  { name: 'bottlenecks', usage: '[options] [run]', setup: false, description: 'bottleneck findings of a run (default: the latest): what saturates, with the figures and what to do', load: async () => (await import('./bottlenecks.js')).registerBottlenecksCommand },
  { name: 'profile', usage: '[options] [run]', setup: false, description: 'a profiled run (run --profile) as a flamegraph (svg), .cpuprofile, speedscope, pprof, or top functions', load: async () => (await import('./profile.js')).registerProfileCommand },
  { name: 'report', usage: '[options] [run]', setup: true, description: 'render a run (default: the latest) as markdown, html, json, csv, bmf (Bencher), gab (github-action-benchmark) or prom', load: async () => (await import('./report.js')).registerReportCommand },
  { name: 'dashboard', usage: '[options]', setup: true, description: 'serve the live dashboard (overview, trends, runs, tools, consensus, live runs) and /metrics on 127.0.0.1', load: async () => (await import('./dashboard.js')).registerDashboardCommand },
  { name: 'mcp', usage: '[options]', setup: true, description: 'run the swarmperf MCP server (stdio, or streamable HTTP on 127.0.0.1 with --http)', load: async () => (await import('./mcp.js')).registerMcpCommand },
];

/**
 * The command an argument list names: the first word that is not an option (`help X` names X).
 * Options taking a value come after the command name, so the first word is the command.
 */
export function commandNamed(args: readonly string[]): string | undefined {
  const words = args.filter((a) => !a.startsWith('-'));
  if (words[0] === 'help') return words[1];
  return words[0];
}

/**
 * Registers the named command for real (its module loaded, setup run when it needs the
 * registries) and every other as a name and description only, for --help and "did you mean".
 */
export async function registerCommands(program: Command, args: readonly string[]): Promise<void> {
  const wanted = COMMANDS.find((c) => c.name === commandNamed(args));
  if (wanted?.setup) (await import('../../setup.js')).setup();
  const realRegister = wanted ? await wanted.load() : undefined;
  const stubs = new Map<Command, string>();
  for (const entry of COMMANDS) {
    if (entry === wanted && realRegister) realRegister(program);
    else stubs.set(program.command(entry.name).description(entry.description), `${entry.name}${entry.usage ? ` ${entry.usage}` : ''}`);
  }
  // A stub has no options or arguments of its own: --help shows the ones its module declares.
  const standard = new Help();
  program.configureHelp({ ...program.configureHelp(), subcommandTerm: (cmd: Command) => stubs.get(cmd) ?? standard.subcommandTerm(cmd) });
}

/** Every command registered for real (tests, documentation): loads every module. */
export async function registerAllCommands(program: Command): Promise<void> {
  (await import('../../setup.js')).setup();
  for (const entry of COMMANDS) (await entry.load())(program);
}
