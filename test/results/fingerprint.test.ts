import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findAnomalies } from '../../src/results/anomalies.js';
import { addFingerprints, durationClass, fingerprintDifferences, fingerprintOfRun, runFingerprint, suiteFingerprint, sweepSuiteName } from '../../src/results/env.js';
import { openHistory } from '../../src/results/history/index.js';
import { metricMatcher } from '../../src/results/metrics.js';
import { computeTrends } from '../../src/results/trends.js';
import { parseRunResult } from '../../src/core/result.js';
import { syntheticRun } from './fixtures.js';

function variant(seed: number, backend: string, agents: number, medianUs: number): ReturnType<typeof syntheticRun> {
  const r = syntheticRun({ seed, ops: [{ name: 'claim', medianUs, sigma: 0.05, samples: 500 }] });
  r.config = { ...r.config, backend, agents, durationUs: 10_000_000 };
  for (const s of r.suites) s.backend = backend;
  return r;
}

describe('configuration fingerprint', () => {
  it('differs by backend, agents, duration class and host; not by seed', () => {
    const a = variant(1, 'memory', 4, 100);
    const b = variant(2, 'memory', 4, 100);
    expect(runFingerprint(a).id).toBe(runFingerprint(b).id);
    expect(runFingerprint(variant(3, 'sqlite', 4, 100)).id).not.toBe(runFingerprint(a).id);
    expect(runFingerprint(variant(3, 'sqlite?busyWait=spin', 4, 100)).id).not.toBe(runFingerprint(variant(3, 'sqlite', 4, 100)).id);
    expect(fingerprintDifferences(runFingerprint(a), runFingerprint(variant(4, 'memory', 8, 100)))).toEqual(['agents: 4 → 8']);
    const quick = variant(5, 'memory', 4, 100);
    quick.config.durationUs = 2_000_000;
    expect(fingerprintDifferences(runFingerprint(a), runFingerprint(quick))).toEqual(['durationClass: short(5-30s) → quick(<5s)']);
    const other = variant(6, 'memory', 4, 100);
    other.env = { ...other.env, hostname: 'elsewhere' };
    expect(fingerprintDifferences(runFingerprint(a), runFingerprint(other))[0]).toMatch(/^host: /);
    expect(durationClass(undefined)).toBeNull();
  });

  it('is stored on the run and each suite, and the schema accepts it', () => {
    const r = variant(1, 'memory', 4, 100);
    addFingerprints(r);
    expect(r.fingerprint).toEqual(runFingerprint(r));
    expect(r.suites[0]!.fingerprint).toEqual(suiteFingerprint(r, r.suites[0]!));
    expect(r.suites[0]!.fingerprint!.parts).toMatchObject({ suite: 'tasks', backend: 'memory', agents: 4 });
    expect(fingerprintOfRun(parseRunResult(JSON.parse(JSON.stringify(r))))).toEqual(r.fingerprint);
  });

  it('sweep members get distinct suite names that metric globs and names handle', () => {
    expect(sweepSuiteName('consensus.raft', { nodes: 5 })).toBe('consensus.raft[nodes=5]');
    expect(sweepSuiteName('consensus.raft', { nodes: 5, batch: 'on' })).toBe('consensus.raft[batch=on,nodes=5]');
    expect(sweepSuiteName('consensus.raft', { electionTimeout: '150-300ms', ratio: 0.5 })).toBe('consensus.raft[electionTimeout=150-300ms,ratio=0_5]');
    expect(sweepSuiteName('consensus.raft', {})).toBe('consensus.raft');
    expect(metricMatcher('consensus.raft[nodes=5].propose.p99')('consensus.raft[nodes=5].propose.p99')).toBe(true);
    expect(metricMatcher('consensus.raft[nodes=5].propose.p99')('consensus.raft[nodes=7].propose.p99')).toBe(false);
  });
});

describe('runs compared only with their like', () => {
  it('trends keep the newest run\'s configuration; --across strings all runs together', () => {
    const h = openHistory(join(mkdtempSync(join(os.tmpdir(), 'swarmperf-fp-')), 'history.db'));
    try {
      // memory runs at ~100 µs and sqlite runs at ~1000 µs, interleaved: one series would look like chaos
      for (let i = 0; i < 16; i++) h.record(i % 2 === 0 ? variant(i, 'memory', 4, 100) : variant(i, 'sqlite', 8, 1000));
      const [within] = computeTrends(h, { metric: 'tasks.claim.p50' });
      expect(within!.points).toHaveLength(8);
      expect(within!.excluded).toBe(8);
      expect(within!.fingerprint!.parts).toMatchObject({ backend: 'sqlite', agents: 8 });
      expect(within!.points.every((p) => p.value > 500)).toBe(true);
      const [across] = computeTrends(h, { metric: 'tasks.claim.p50', across: true });
      expect(across!.points).toHaveLength(16);
      expect(across!.fingerprint).toBeUndefined();
    } finally {
      h.close();
    }
  });

  it('anomalies judge a run against its own configuration, not against another backend', () => {
    const h = openHistory(join(mkdtempSync(join(os.tmpdir(), 'swarmperf-fp-anom-')), 'history.db'));
    try {
      for (let i = 0; i < 8; i++) h.record(variant(i, 'memory', 4, 100));
      // an sqlite run (10× slower) after eight memory runs: across configurations it is "anomalous"
      h.record(variant(99, 'sqlite', 4, 1000));
      expect(findAnomalies(h, { metric: 'tasks.claim.p50', across: true })).toHaveLength(1);
      expect(findAnomalies(h, { metric: 'tasks.claim.p50' })).toEqual([]);
      // and a slow memory run is still caught within its own configuration
      h.record(variant(100, 'memory', 4, 300));
      const own = findAnomalies(h, { metric: 'tasks.claim.p50' });
      expect(own).toHaveLength(1);
      expect(own[0]).toMatchObject({ worse: true, historySize: 8 });
      const memoryRun = variant(0, 'memory', 4, 100);
      expect(own[0]!.fingerprint).toBe(suiteFingerprint(memoryRun, memoryRun.suites[0]!).id);
    } finally {
      h.close();
    }
  });
});
