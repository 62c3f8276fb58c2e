/**
 * Protocol runs for the dashboard's consensus page: one row per suite of every `bench` run (a sweep
 * gives one suite per member), with its cluster size, headline operation figures and the suite's own
 * metrics (messagesPerOp, election times, rounds to convergence …) so pages can plot them against n.
 */
import type { SuiteResult } from '../../core/result.js';
import type { DashboardData } from './data.js';
import { isElectionOperation, latencyCdf } from '../model.js';

export interface ConsensusRow {
  runId: string;
  startedAt: string;
  suite: string;
  protocol: string;
  scenario: string;
  mode: string;
  nodes: number | null;
  operations: Array<{ name: string; throughput: number; p50: number; p99: number; count: number }>;
  metrics: Record<string, number>;
  /** Time to a new leader as a distribution (fraction of elections done within each time), for runs that measured elections. */
  electionCdf?: Array<{ valueUs: number; fraction: number }>;
}

/** Most recent protocol runs read in full; older ones are left out of the page (the history keeps them). */
const MAX_RUNS = 300;

function nodesOf(workers: Array<Record<string, unknown>> | undefined, label: string, config: Record<string, unknown>): number | null {
  const fromWorkers = workers?.find((w) => typeof w.nodes === 'number')?.nodes;
  if (typeof fromWorkers === 'number') return fromWorkers;
  const fromLabel = /(\d+)-nodes|nodes=(\d+)/.exec(label);
  if (fromLabel) return Number(fromLabel[1] ?? fromLabel[2]);
  return typeof config.nodes === 'number' ? config.nodes : null;
}

function electionCdfOf(suite: SuiteResult): Pick<ConsensusRow, 'electionCdf'> {
  const election = suite.operations.find((o) => isElectionOperation(suite.name, o.name) && o.count > 0);
  return election ? { electionCdf: latencyCdf(election) } : {};
}

export function consensusRows(history: DashboardData): ConsensusRow[] {
  const runs = history.runs().filter((r) => r.suites.some((s) => s.startsWith('consensus')));
  const rows: ConsensusRow[] = [];
  for (const item of runs.slice(-MAX_RUNS)) {
    const run = history.run(item.id);
    if (!run) continue;
    for (const suite of run.suites) {
      if (!suite.name.startsWith('consensus')) continue;
      const protocol = /^consensus\.([a-z0-9_-]+)/i.exec(suite.name)?.[1] ?? suite.name;
      rows.push({
        runId: run.id,
        startedAt: run.startedAt,
        suite: suite.name,
        protocol,
        scenario: typeof run.config.scenario === 'string' ? run.config.scenario : '',
        mode: typeof run.config.mode === 'string' ? run.config.mode : '',
        nodes: nodesOf(suite.workers, `${suite.backend} ${suite.name}`, run.config),
        operations: suite.operations.map((o) => ({ name: o.name, throughput: o.throughput, p50: o.latencyUs.p50, p99: o.latencyUs.p99, count: o.count })),
        metrics: suite.metrics ?? {},
        ...electionCdfOf(suite),
      });
    }
  }
  return rows;
}
