/**
 * The end of every client-load scenario, in the simulator and over real transports alike:
 * availability (leader presence and 100 ms windows with a success), time to recover from each
 * fault, and linearizability of the history. One implementation, so sim and real mode report the
 * same figures computed the same way.
 */
import type { CheckResult } from '../../core/result.js';
import type { Recorder } from '../../measure/recorder.js';
import type { FaultRecord } from '../../sim/faults.js';
import { checkLinearizability } from '../checkers/linearizability.js';
import type { HistoryOp } from '../kv/messages.js';

export interface TailInput {
  /** Availability and recovery are reported for the faults scenario. */
  withFaults: boolean;
  recorder: Recorder;
  startUs: number;
  stopUs: number;
  /** Successful commands: when sent (first attempt) and when answered. */
  successes: ReadonlyArray<{ callUs: number; atUs: number }>;
  faults: readonly FaultRecord[];
  /** Share of samples in which a majority followed a live leader (protocols with a leader). */
  leaderAvailability?: number;
  history: readonly HistoryOp[];
  linearizabilityMaxOps: number;
  log(line: string): void;
}

export interface TailOutput {
  metrics: Record<string, number>;
  checks: CheckResult[];
  /** One row per fault start/end with its recovery time. */
  faultRows: Array<Record<string, unknown>>;
}

export function scenarioTail(t: TailInput): TailOutput {
  const metrics: Record<string, number> = {};
  const checks: CheckResult[] = [];
  if (t.history.length <= t.linearizabilityMaxOps) {
    const lin = checkLinearizability([...t.history]);
    metrics.linearizabilityOps = t.history.length;
    if (lin.verdict !== 'unknown') checks.push({ name: 'linearizability', passed: lin.verdict === 'ok', detail: lin.detail });
    else t.log(`linearizability: inconclusive (${lin.detail}); not reported as a check`);
  } else {
    t.log(`linearizability: history of ${t.history.length} operations is above --lin-max-ops ${t.linearizabilityMaxOps}; not checked`);
  }
  const faultRows: Array<Record<string, unknown>> = [];
  if (t.withFaults) {
    if (t.leaderAvailability !== undefined) metrics.availabilityLeader = t.leaderAvailability;
    metrics.availabilityRequests = windowAvailability(
      t.successes.map((s) => s.atUs),
      t.startUs,
      t.stopUs,
      100_000,
    );
    const recoveries = faultRecoveries(t.faults, t.successes);
    for (const r of recoveries) if (r.recoveryUs !== undefined && r.atUs >= t.startUs) t.recorder.record('recovery', r.recoveryUs, r.atUs + r.recoveryUs);
    metrics.faults = recoveries.length;
    metrics.recoveryMaxUs = recoveries.reduce((a, r) => Math.max(a, r.recoveryUs ?? 0), 0);
    metrics.unrecoveredFaults = recoveries.filter((r) => r.recoveryUs === undefined).length;
    for (const r of recoveries) faultRows.push({ fault: r.text, phase: r.phase, atUs: r.atUs, nodes: r.nodes.map((n) => n + 1), recoveryUs: r.recoveryUs ?? null });
  }
  return { metrics, checks, faultRows };
}

/** Share of windows (of `windowUs`) in [startUs, endUs) in which at least one command succeeded. */
export function windowAvailability(successTimes: readonly number[], startUs: number, endUs: number, windowUs: number): number {
  const n = Math.max(1, Math.ceil((endUs - startUs) / windowUs));
  const hit = new Uint8Array(n);
  for (const t of successTimes) {
    if (t < startUs || t >= endUs) continue;
    hit[Math.floor((t - startUs) / windowUs)] = 1;
  }
  return hit.reduce((a, b) => a + b, 0) / n;
}

export interface Recovery {
  text: string;
  phase: 'start' | 'end';
  atUs: number;
  nodes: number[];
  /** Fault start/end → first success of a command sent after it; undefined if none succeeded. */
  recoveryUs: number | undefined;
}

/**
 * Time to recover from each fault event: from the moment it began (or healed) to the first
 * success of a command *sent after* that moment. Commands already in flight are left out: a reply
 * that was on the wire when the leader crashed says nothing about whether the cluster still works.
 */
export function faultRecoveries(faults: readonly FaultRecord[], successes: ReadonlyArray<{ callUs: number; atUs: number }>): Recovery[] {
  return faults
    .filter((f) => f.kind !== 'rate' || f.phase === 'start')
    .map((f) => {
      let first = Number.POSITIVE_INFINITY;
      for (const s of successes) if (s.callUs >= f.atUs && s.atUs < first) first = s.atUs;
      return { text: f.text, phase: f.phase, atUs: f.atUs, nodes: f.nodes, recoveryUs: Number.isFinite(first) ? first - f.atUs : undefined };
    });
}
