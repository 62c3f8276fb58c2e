/** Shared by the coordination-suite tests: suite options, short and bounded. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RealClock } from '../../src/measure/clock.js';
import { silentProgress } from '../../src/report/progress.js';
import type { CheckResult, SuiteResult } from '../../src/core/result.js';
import type { SuiteRunOptions } from '../../src/suites/types.js';
import type { ParamSet, ParamShape, ParamValues } from '../../src/core/params.js';

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'swarmperf-suites-'));
}

export function suiteOptions(overrides: Partial<SuiteRunOptions> = {}): SuiteRunOptions {
  return {
    clock: new RealClock(),
    durationUs: 600_000,
    warmupUs: 100_000,
    intervalUs: 200_000,
    seed: 42,
    quick: true,
    agents: 3,
    backend: 'memory',
    dataDir: overrides.dataDir ?? tempDir(),
    signal: new AbortController().signal,
    progress: silentProgress,
    ...overrides,
  };
}

export function failedChecks(r: SuiteResult): string[] {
  return r.checks.filter((c) => !c.passed).map((c) => c.name);
}

export function check(r: SuiteResult, name: string): CheckResult {
  const c = r.checks.find((x) => x.name === name);
  if (!c) throw new Error(`no check named "${name}" in ${r.checks.map((x) => x.name).join(', ')}`);
  return c;
}

/** A suite's typed parameters from flag-style values, as `swarmperf run --quick` would parse them. */
export function flags<S extends ParamShape>(set: ParamSet<S>, raw: Record<string, unknown> = {}): ParamValues<S> {
  return set.parse(raw, { quick: true });
}
