/**
 * Comparable runs only: the history holds runs of many setups (sqlite and memory, 4 and 8 agents,
 * `--quick` and 60 s). compare, trends, anomalies and alerts look at one configuration fingerprint
 * at a time (src/results/env.ts); `--across` opts out. Fingerprints come from each stored run
 * (or are derived from its config for runs recorded before fingerprints existed), read once per
 * run and cached for the command's lifetime.
 */
import type { Fingerprint, RunResult } from '../core/result.js';
import { fingerprintOfMetric, fingerprintOfRun, suiteFingerprint } from './env.js';
import type { HistoryStore, SeriesPoint } from './history/store.js';

export class FingerprintIndex {
  private readonly runs = new Map<string, RunResult>();
  constructor(private readonly history: HistoryStore) {}

  private run(id: string): RunResult {
    let r = this.runs.get(id);
    if (!r) {
      r = this.history.getRun(id);
      // The histograms are the bulk of a stored run and no fingerprint needs them.
      for (const s of r.suites) for (const op of s.operations) op.histogram = '';
      this.runs.set(id, r);
    }
    return r;
  }

  ofRun(id: string): Fingerprint {
    return fingerprintOfRun(this.run(id));
  }

  ofMetric(id: string, metric: string): Fingerprint | undefined {
    return fingerprintOfMetric(this.run(id), metric);
  }
}

/** The history's runs, newest first, each read only when asked for. */
export function* runsNewestFirst(history: HistoryStore): Generator<RunResult> {
  for (const summary of history.listRuns().reverse()) yield history.getRun(summary.id);
}

/**
 * The latest run holding a suite of a configuration fingerprint, looked up lazily (newest first)
 * and remembered for the command's lifetime; undefined when the history has none.
 */
export function latestRunOfConfiguration(history: HistoryStore): (fingerprint: string) => RunResult | undefined {
  const found = new Map<string, RunResult | undefined>();
  return (fingerprint) => {
    if (found.has(fingerprint)) return found.get(fingerprint);
    let hit: RunResult | undefined;
    for (const run of runsNewestFirst(history)) {
      if (run.suites.some((s) => (s.fingerprint?.id ?? suiteFingerprint(run, s).id) === fingerprint)) {
        hit = run;
        break;
      }
    }
    found.set(fingerprint, hit);
    return hit;
  };
}

export interface WithinFingerprint {
  points: SeriesPoint[];
  /** The fingerprint the points share (that of the newest point); undefined with `across`. */
  fingerprint?: Fingerprint;
  /** Points left out because another configuration produced them. */
  excluded: number;
}

/** The points of a metric's series that share the newest point's fingerprint (all of them with `across`). */
export function seriesWithinFingerprint(index: FingerprintIndex, metric: string, points: readonly SeriesPoint[], across = false): WithinFingerprint {
  const newest = points[points.length - 1];
  if (across || !newest) return { points: [...points], excluded: 0 };
  const ref = index.ofMetric(newest.runId, metric);
  if (!ref) return { points: [...points], excluded: 0 };
  const kept = points.filter((p) => index.ofMetric(p.runId, metric)?.id === ref.id);
  return { points: kept, fingerprint: ref, excluded: points.length - kept.length };
}

/** One line saying what was compared with what, for every command's output. */
export function scopeNote(fingerprint: Fingerprint | undefined, excluded: number, across: boolean): string {
  if (across) return 'warning: --across: runs of different configurations are compared with each other; differences may come from the setup, not the code';
  if (!fingerprint) return '';
  return `compared within configuration ${fingerprint.id}${excluded > 0 ? ` (${excluded} run(s) of other configurations left out; --across includes them)` : ''}`;
}

/** What `history` lists beside a run's id and time: enough to see which runs are alike. */
export interface RunListing {
  backend: string;
  agents: number | null;
  durationUs: number | null;
  /** Every check of every suite passed (null when the run has no checks). */
  passed: boolean | null;
  fingerprint: string;
}

export function runListing(run: RunResult): RunListing {
  const backends = [...new Set(run.suites.map((s) => s.backend))];
  const checks = run.suites.flatMap((s) => s.checks);
  const agents = run.config.agents;
  const duration = run.config.durationUs;
  return {
    backend: backends.join(',') || (typeof run.config.backend === 'string' ? run.config.backend : ''),
    agents: typeof agents === 'number' ? agents : null,
    durationUs: typeof duration === 'number' ? duration : null,
    passed: checks.length === 0 ? null : checks.every((c) => c.passed),
    fingerprint: fingerprintOfRun(run).id,
  };
}
