/**
 * Environment fingerprint (the machine) and configuration fingerprint (the setup): together they
 * tell whether two runs are comparable. compare, trends, anomalies and alerts compare within one
 * configuration fingerprint by default.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import os from 'node:os';
import type { EnvFingerprint, Fingerprint, RunResult, SuiteResult } from '../core/result.js';
import { swarmperfVersion } from '../core/version.js';

let cached: EnvFingerprint | undefined;

export { swarmperfVersion };

function git(args: string[], cwd: string): string | undefined {
  try {
    return execFileSync('git', args, { cwd, stdio: ['ignore', 'pipe', 'ignore'], timeout: 2000 }).toString().trim();
  } catch {
    return undefined;
  }
}

/** Fingerprint of this machine and, when run inside a git checkout, its sha, branch and dirty flag. */
export function envFingerprint(cwd = process.cwd()): EnvFingerprint {
  if (cached) return cached;
  const cpus = os.cpus();
  const env: EnvFingerprint = {
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    arch: process.arch,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryBytes: os.totalmem(),
    hostname: os.hostname(),
    swarmperfVersion: swarmperfVersion(),
  };
  const sha = git(['rev-parse', 'HEAD'], cwd);
  if (sha) {
    env.gitSha = sha;
    const branch = git(['rev-parse', '--abbrev-ref', 'HEAD'], cwd);
    if (branch) env.gitBranch = branch;
    env.gitDirty = (git(['status', '--porcelain', '--untracked-files=no'], cwd) ?? '') !== '';
  }
  cached = env;
  return env;
}

// ─── configuration fingerprint ──────────────────────────────────────────────────────────────

type Part = string | number | boolean | null;

/** Host identity for comparability: the same parts history's envHash uses (machine, OS, Node). */
export function hostFingerprint(env: EnvFingerprint): string {
  const key = [env.os, env.arch, env.cpuModel, env.cores, env.memoryBytes, env.hostname, env.node].join('|');
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/**
 * Duration classes rather than exact durations: a 10 s and a 12 s run of the same setup are
 * comparable, a 2 s `--quick` run (still warming up) and a 60 s run are not.
 */
export function durationClass(durationUs: unknown): string | null {
  if (typeof durationUs !== 'number' || !Number.isFinite(durationUs)) return null;
  const s = durationUs / 1e6;
  if (s < 5) return 'quick(<5s)';
  if (s < 30) return 'short(5-30s)';
  if (s < 300) return 'medium(30s-5min)';
  return 'long(≥5min)';
}

const part = (v: unknown): Part => {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return JSON.stringify(v);
};

/** The run-level parts of the fingerprint from a run's config and env (suite added by the caller). */
function configParts(run: Pick<RunResult, 'config' | 'env'>): Record<string, Part> {
  const c = run.config;
  const loadModel = c.model ?? c.loadModel ?? (c.rate !== undefined && c.rate !== null ? 'open' : c.concurrency !== undefined ? 'closed' : null);
  return {
    command: part(c.command),
    agents: part(c.agents),
    mode: part(c.mode),
    nodes: part(c.nodes),
    protocol: part(c.protocol),
    scenario: part(c.scenario),
    loadModel: part(loadModel),
    rate: part(c.rate),
    concurrency: part(c.concurrency),
    durationClass: durationClass(c.durationUs),
    host: hostFingerprint(run.env),
    // A profiled run is not comparable with an unprofiled one (the sampler's signals change lock
    // waits, bench/profile-overhead.bench.ts); the key is absent otherwise so older ids stay the same.
    ...(c.profileIntervalUs !== undefined ? { profiled: true } : {}),
    // Agents on other hosts add network round trips to the store: a different setup. Absent
    // otherwise, so the ids of single-host runs stay the same.
    ...(typeof c.remoteAgents === 'number' && c.remoteAgents > 0 ? { remoteAgents: c.remoteAgents } : {}),
  };
}

function fingerprintOf(parts: Record<string, Part>): Fingerprint {
  const canonical = JSON.stringify(Object.keys(parts).sort().map((k) => [k, parts[k]]));
  return { id: createHash('sha256').update(canonical).digest('hex').slice(0, 10), parts };
}

/** Fingerprint of one suite's measurement: its name and backend (tuning included) plus the run's setup. */
export function suiteFingerprint(run: Pick<RunResult, 'config' | 'env'>, suite: Pick<SuiteResult, 'name' | 'backend'>): Fingerprint {
  return fingerprintOf({ suite: suite.name, backend: suite.backend, ...configParts(run) });
}

/** Fingerprint of a whole run: its suites (sorted) and backends plus its setup. */
export function runFingerprint(run: Pick<RunResult, 'config' | 'env' | 'suites'>): Fingerprint {
  const suites = [...new Set(run.suites.map((s) => s.name))].sort().join(',');
  const backends = [...new Set(run.suites.map((s) => s.backend))].sort().join(',');
  return fingerprintOf({ suite: suites, backend: backends || part(run.config.backend), ...configParts(run) });
}

/** The run's stored fingerprint, or the one derived now (runs recorded before fingerprints existed). */
export function fingerprintOfRun(run: RunResult): Fingerprint {
  return run.fingerprint ?? runFingerprint(run);
}

/** The stored or derived fingerprint of the suite that owns a metric (`suite.op.stat`), if any. */
export function fingerprintOfMetric(run: RunResult, metric: string): Fingerprint | undefined {
  let owner: SuiteResult | undefined;
  for (const s of run.suites) if (metric.startsWith(s.name + '.') && (!owner || s.name.length > owner.name.length)) owner = s;
  if (!owner) return undefined;
  return owner.fingerprint ?? suiteFingerprint(run, owner);
}

/** Puts the fingerprints on a run and its suites (an enricher: runs before the sinks keep it). */
export function addFingerprints(run: RunResult): void {
  for (const s of run.suites) s.fingerprint = suiteFingerprint(run, s);
  run.fingerprint = runFingerprint(run);
}

/** The parts in which two fingerprints differ, e.g. ["agents: 4 → 8", "backend: memory → sqlite"]. */
export function fingerprintDifferences(a: Fingerprint, b: Fingerprint): string[] {
  const keys = [...new Set([...Object.keys(a.parts), ...Object.keys(b.parts)])].sort();
  return keys.filter((k) => a.parts[k] !== b.parts[k]).map((k) => `${k}: ${String(a.parts[k] ?? '—')} → ${String(b.parts[k] ?? '—')}`);
}

// The sweep-member naming lives in core/ so that consensus/ (below results/) can call it.
export { sweepSuiteName } from '../core/sweep.js';
