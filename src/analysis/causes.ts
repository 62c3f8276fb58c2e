/**
 * Findings as causes with an impact figure: where the operations' time went (one operation's
 * share, time waiting for locks), what the host did beside swarmperf's own processes, and the
 * protocol behaviour of simulated (virtual-time) runs. Each finding names the operations it
 * touches, carries its evidence as typed figures, and says which knob to turn and, where swarmperf
 * can test it, the command that does.
 */
import { mean } from '../measure/stats.js';
import type { Figure, Finding, OperationResult, RunResult, SuiteResult } from '../core/result.js';
import { formatUs } from '../core/units.js';
import { BOTTLENECK_THRESHOLDS as T } from './thresholds.js';

type Severity = Finding['severity'];

const pct = (share: number): string => `${(share * 100).toFixed(share < 0.1 ? 2 : 1)} %`;
const fixed = (v: number, d = 1): string => String(Number(v.toFixed(d)));

/** Severity from the share of time a cause explains: the impact decides, not the raw figure. */
export function severityFromImpact(share: number): Severity {
  if (share >= T.impactShare.critical) return 'critical';
  if (share >= T.impactShare.warning) return 'warning';
  return 'info';
}

/** Total time an operation took, µs: the measured breakdown's total, else count × mean latency. */
export function operationTimeUs(op: OperationResult): number {
  return op.breakdown?.totalUs ?? op.count * op.latencyUs.mean;
}

/**
 * A simulator run in virtual time: its latencies are simulated, so the host process (CPU, event
 * loop, GC of the simulator) says nothing about the system simulated.
 */
export function isVirtualTime(run: RunResult, suite: SuiteResult): boolean {
  if (suite.virtualTime !== undefined) return suite.virtualTime;
  if (run.config.command === 'bench' && run.config.mode !== 'real') return true;
  return suite.metrics?.simulatedSeconds !== undefined;
}

/** The suite's command for advice: `swarmperf run SUITE` with the knob applied. */
function runCommand(run: RunResult, suite: SuiteResult, flags: string): string | undefined {
  if (run.config.command !== 'run' && run.config.command !== 'mcp benchmark_run') return undefined;
  return `swarmperf run ${suite.name} ${flags}`.trim();
}

/** One operation takes most of all operation time: that is where an optimisation pays. */
export function dominantOperation(run: RunResult, suite: SuiteResult): Finding | undefined {
  const ops = suite.operations.filter((o) => o.count > 0);
  if (ops.length < 2) return undefined;
  const total = ops.reduce((a, o) => a + operationTimeUs(o), 0);
  const count = ops.reduce((a, o) => a + o.count, 0);
  if (!(total > 0)) return undefined;
  const top = ops.reduce((a, o) => (operationTimeUs(o) > operationTimeUs(a) ? o : a));
  const share = operationTimeUs(top) / total;
  if (share < T.dominantShare) return undefined;
  const countShare = top.count / count;
  // Where the time goes is information, not a problem: some operation always takes most of it.
  // It ranks first when nothing is wrong, and names what to optimise.
  const severity: Severity = 'info';
  const figures: Figure[] = [
    { name: 'timeShare', value: share, unit: 'ratio' },
    { name: 'countShare', value: countShare, unit: 'ratio' },
    { name: 'meanUs', value: top.latencyUs.mean, unit: 'us' },
    { name: 'p99Us', value: top.latencyUs.p99, unit: 'us' },
  ];
  return {
    kind: 'dominant-operation',
    severity,
    component: `${suite.name}/${top.name}`,
    evidence: `${top.name} takes ${pct(share)} of all operation time in ${suite.name} (${pct(countShare)} of the operations, mean ${formatUs(top.latencyUs.mean)}, p99 ${formatUs(top.latencyUs.p99)})`,
    recommendation: `make ${top.name} cheaper or rarer: an index or a cache for lookups, batching for writes; ${countShare > share ? 'it is frequent rather than slow, so per-call overhead (serialisation, round trips) counts most' : 'each call is slower than the others, so profile one call'}`,
    impact: { share, of: 'operation-time' },
    operations: [top.name],
    figures,
    knob: `${top.name}: an index, a cache or batching`,
  };
}

/** Time spent waiting for a lock or a busy handler, measured by the backend (breakdown.lockWaitUs). */
export function lockWait(run: RunResult, suite: SuiteResult): Finding | undefined {
  const waiting = suite.operations.filter((o) => (o.breakdown?.lockWaitUs ?? 0) > 0);
  if (waiting.length === 0) return undefined;
  const total = suite.operations.reduce((a, o) => a + operationTimeUs(o), 0);
  const wait = waiting.reduce((a, o) => a + (o.breakdown?.lockWaitUs ?? 0), 0);
  if (!(total > 0)) return undefined;
  const share = Math.min(1, wait / total);
  const byOp = [...waiting].sort((a, b) => (b.breakdown?.lockWaitUs ?? 0) - (a.breakdown?.lockWaitUs ?? 0));
  const perOp = byOp.map((o) => `${o.name} ${pct((o.breakdown?.lockWaitUs ?? 0) / Math.max(1, operationTimeUs(o)))} of its time${o.breakdown?.lockWaits !== undefined ? ` (${o.breakdown.lockWaits} waits)` : ''}`);
  const sqlite = suite.backend.startsWith('sqlite');
  const agents = typeof run.config.agents === 'number' ? run.config.agents : undefined;
  const knob = sqlite ? 'sqlite?busyWait=spin (sub-millisecond busy retries) or fewer agents' : 'a shorter critical section, finer-grained locks, or fewer agents';
  const command = sqlite ? runCommand(run, suite, `--backend 'sqlite?busyWait=spin'${agents ? ` --agents ${agents}` : ''}`) : agents && agents > 1 ? runCommand(run, suite, `--agents ${Math.max(1, Math.floor(agents / 2))}`) : undefined;
  const f: Finding = {
    kind: 'lock-wait',
    severity: severityFromImpact(share),
    component: byOp.length === 1 ? `${suite.name}/${(byOp[0] as OperationResult).name}` : suite.name,
    evidence: `waiting for a lock took ${pct(share)} of all operation time (${formatUs(wait)} of ${formatUs(total)}): ${perOp.join(', ')}`,
    recommendation: `operations queue behind one lock: hold it for less time, split it, or lower the contention; try ${knob}`,
    impact: { share, of: 'operation-time' },
    operations: byOp.map((o) => o.name),
    figures: [
      { name: 'lockWaitShare', value: share, unit: 'ratio' },
      { name: 'lockWaitUs', value: wait, unit: 'us' },
      { name: 'operationTimeUs', value: total, unit: 'us' },
    ],
    knob,
  };
  if (command) f.command = command;
  return f;
}

function ownCpuPct(suite: SuiteResult, cores: number): number {
  const byTime = new Map<number, number>();
  for (const s of suite.resources.samples) byTime.set(s.t, (byTime.get(s.t) ?? 0) + s.cpuUserPct + s.cpuSystemPct);
  return byTime.size === 0 || cores <= 0 ? 0 : mean([...byTime.values()]) / cores;
}

/**
 * The host, from the host (/proc/stat, /proc/loadavg, /proc/pressure): busy cores, the run queue
 * and CPU pressure, beside what swarmperf's own processes used. Latencies measured on a saturated
 * host include waiting for a core.
 */
export function hostSaturation(run: RunResult, suite: SuiteResult): Finding | undefined {
  const host = suite.resources.host ?? [];
  if (host.length === 0) return undefined;
  const cores = run.env.cores;
  const busy = mean(host.map((h) => h.cpuBusyPct));
  const runnable = host.filter((h) => h.runnable !== undefined).map((h) => h.runnable as number);
  const queue = runnable.length > 0 ? mean(runnable) : undefined;
  const pressure = host.filter((h) => h.cpuPressureSomePct !== undefined).map((h) => h.cpuPressureSomePct as number);
  const psi = pressure.length > 0 ? mean(pressure) : undefined;
  const own = Math.min(100, ownCpuPct(suite, cores));
  const others = Math.max(0, busy - own);
  let severity: Severity | undefined;
  if (busy > T.hostBusyPct.critical || (queue !== undefined && cores > 0 && queue >= 2 * cores)) severity = 'critical';
  else if (busy > T.hostBusyPct.warning || (queue !== undefined && cores > 0 && queue > cores)) severity = 'warning';
  if (!severity) return undefined;
  const competes = others >= T.hostOthersPct;
  const parts = [`the host was ${fixed(busy)} % busy over its ${cores} cores; swarmperf's processes had ${fixed(own)} %${competes ? ': something else competes for the CPU' : ''}`];
  if (queue !== undefined) parts.push(`run queue ${fixed(queue)} runnable tasks for ${cores} cores${queue > cores ? ' (more than cores: tasks wait for a core)' : ''}`);
  if (psi !== undefined) parts.push(`CPU pressure (some, avg10) ${fixed(psi)} %`);
  const agents = typeof run.config.agents === 'number' ? run.config.agents : undefined;
  const fewer = Math.max(1, cores - 1);
  const f: Finding = {
    kind: 'host-saturation',
    severity,
    component: suite.name,
    evidence: parts.join('; '),
    recommendation: competes
      ? 'another workload shares this machine: latencies include waiting for a core; run on a quiet machine (or pin the benchmark) before trusting the figures'
      : `swarmperf itself fills the machine: run fewer agents than cores${agents !== undefined && agents >= cores ? ` (${agents} agents on ${cores} cores)` : ''}, or put the load generator on another machine`,
    impact: { share: busy / 100, of: 'host-cpu' },
    operations: suite.operations.map((o) => o.name),
    figures: [
      { name: 'hostBusyPct', value: busy, unit: 'pct' },
      { name: 'ownCpuPct', value: own, unit: 'pct' },
      { name: 'othersCpuPct', value: others, unit: 'pct' },
      ...(queue !== undefined ? [{ name: 'runnable', value: queue, unit: 'count' }] : []),
      ...(psi !== undefined ? [{ name: 'cpuPressureSomePct', value: psi, unit: 'pct' }] : []),
      { name: 'cores', value: cores, unit: 'count' },
    ],
    knob: competes ? 'a quiet machine' : '--agents (fewer than cores)',
  };
  const command = competes ? undefined : runCommand(run, suite, `--agents ${fewer}`);
  if (command) f.command = command;
  return f;
}

/** Protocol behaviour of consensus runs (simulated or real): split votes, leader churn, messages per operation. */
export function protocolFindings(run: RunResult, suite: SuiteResult): Finding[] {
  const m = suite.metrics ?? {};
  const out: Finding[] = [];
  const trials = m.trials;
  const split = m.electionsWithSplitVote;
  if (trials !== undefined && split !== undefined && trials > 0) {
    const share = split / trials;
    if (share >= T.splitVoteShare) {
      out.push({
        kind: 'split-votes',
        severity: share >= 2 * T.splitVoteShare ? 'warning' : 'info',
        component: suite.name,
        evidence: `${split} of ${trials} elections needed more than one term (split votes, ${pct(share)})`,
        recommendation: 'candidates time out together: widen the randomised election timeout range (max ≥ 2× min)',
        impact: { share, of: 'operation-time' },
        figures: [{ name: 'splitVoteShare', value: share, unit: 'ratio' }],
        knob: '--election-timeout (a wider range)',
        command: 'swarmperf bench --protocol raft --scenario election --election-timeout 150-300ms,150-600ms',
      });
    }
  }
  const changes = m.leaderChanges;
  if (changes !== undefined && changes > 1 && run.config.faults === undefined) {
    out.push({
      kind: 'leader-churn',
      severity: 'warning',
      component: suite.name,
      evidence: `${changes} leader changes without injected faults`,
      recommendation: 'followers time out while the leader is alive: raise the election timeout relative to the heartbeat and network latency, or enable pre-vote and check-quorum',
      figures: [{ name: 'leaderChanges', value: changes, unit: 'count' }],
      knob: '--election-timeout, pre-vote',
    });
  }
  return out;
}
