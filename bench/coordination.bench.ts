/**
 * Coordination suites, side by side in one run (the machine is shared and noisy, so only ratios
 * within this run mean much):
 *   1. every suite on memory vs sqlite with 1, 4 and 8 agents: total ops/s and the worst p99;
 *   2. SQLite claim throughput of the tasks suite with 4 agent processes, as a ratio to a bare
 *      better-sqlite3 `UPDATE … RETURNING` claim loop in one process (goal ≥ 0.5×), for the
 *      suite's default claim + complete cycle and its claim-only mode (`--complete off`), each
 *      also against its like-for-like bare loop (claim + complete vs claim only) — once per SQLite
 *      busy-wait strategy (`busyWait=sqlite`: SQLite's sleeping busy handler; `busyWait=spin`: the
 *      adapter's short jittered pauses), interleaved, with each run's per-agent fairness (min/max
 *      operations per agent).
 * Agents fork from dist/ (`npm run bench` builds first). Bounded: about 1–2 minutes.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RealClock } from '../src/measure/clock.js';
import { silentProgress } from '../src/report/progress.js';
import { formatRate, formatUs } from '../src/core/units.js';
import type { SuiteResult } from '../src/core/result.js';
import { coordinationSuites } from '../src/suites/coordination/index.js';
import { runTasksSuite, tasksParams } from '../src/suites/coordination/tasks.js';
import type { SuiteRunOptions } from '../src/suites/types.js';
import { BUSY_WAITS, type BusyWait } from '../src/targets/sqlite/connection.js';

const DURATION_US = Number(process.env.BENCH_DURATION_US ?? 1_000_000);
const root = mkdtempSync(join(tmpdir(), 'swarmperf-bench-coord-'));

function options(backend: string, agents: number, durationUs = DURATION_US): SuiteRunOptions {
  return {
    clock: new RealClock(),
    durationUs,
    warmupUs: 200_000,
    intervalUs: 1_000_000,
    seed: 1,
    quick: true,
    agents,
    backend,
    dataDir: mkdtempSync(join(root, 'run-')),
    signal: new AbortController().signal,
    progress: silentProgress,
  };
}

function summary(r: SuiteResult): { opsPerSec: number; p99Us: number; ok: boolean } {
  const seconds = DURATION_US / 1e6;
  const count = r.operations.filter((op) => op.name !== 'failover').reduce((s, op) => s + op.count, 0);
  const p99Us = Math.max(0, ...r.operations.filter((op) => op.name !== 'failover').map((op) => op.latencyUs.p99));
  return { opsPerSec: count / seconds, p99Us, ok: r.checks.every((c) => c.passed) };
}

/** A bare claim loop: one process, one connection, the same pragmas as the sqlite backend. */
function bareClaimLoop(tasks: number, withComplete: boolean, durationUs: number): number {
  const dir = mkdtempSync(join(root, 'bare-'));
  const db = new Database(join(dir, 'bare.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE tasks (seq INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL, priority REAL NOT NULL, status TEXT NOT NULL,
    claimed_by TEXT, result TEXT NOT NULL DEFAULT 'null', version INTEGER NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
    CREATE INDEX tasks_claim_order ON tasks(status, priority DESC, seq);`);
  const insert = db.prepare("INSERT INTO tasks (title, priority, status, version, created_at, updated_at) VALUES (?, ?, 'pending', 1, ?, ?)");
  db.transaction(() => {
    for (let i = 0; i < tasks; i++) insert.run(`t${i}`, i % 10, Date.now(), Date.now());
  })();
  const claim = db.prepare(
    "UPDATE tasks SET status = 'claimed', claimed_by = ?, version = version + 1, updated_at = ? WHERE seq = (SELECT seq FROM tasks WHERE status = 'pending' ORDER BY priority DESC, seq LIMIT 1) RETURNING *",
  );
  const complete = db.prepare("UPDATE tasks SET status = 'completed', result = ?, version = version + 1, updated_at = ? WHERE seq = ? AND status = 'claimed'");
  const t0 = performance.now();
  let n = 0;
  for (;;) {
    const row = claim.get('bare', Date.now()) as { seq: number } | undefined;
    if (!row) break;
    n++;
    if (withComplete) complete.run('{"by":"bare"}', Date.now(), row.seq);
    if (performance.now() - t0 > durationUs / 1000) break;
  }
  const rate = n / ((performance.now() - t0) / 1000);
  db.close();
  return rate;
}

/** Table 1: every coordination suite on memory vs sqlite with 1, 4 and 8 agents. */
async function suitesTable(): Promise<void> {
  console.log('### Suites: memory vs sqlite, 1 / 4 / 8 agents (total ops/s · worst p99; ✗ = a check failed)\n');
  const counts = [1, 4, 8];
  console.log(`| suite | ${counts.flatMap((n) => [`memory ×${n}`, `sqlite ×${n}`]).join(' | ')} |`);
  console.log(`|---|${counts.flatMap(() => ['---:', '---:']).join('|')}|`);
  for (const suite of coordinationSuites) {
    const cells: string[] = [];
    for (const n of counts) {
      for (const backend of ['memory', 'sqlite']) {
        const r = summary(await suite.run(options(backend, n), suite.params.parse({}, { quick: true })));
        cells.push(`${formatRate(r.opsPerSec)} · ${formatUs(r.p99Us)}${r.ok ? '' : ' ✗'}`);
      }
    }
    console.log(`| ${suite.name} | ${cells.join(' | ')} |`);
  }
}

async function main(): Promise<void> {
  console.log(`Machine: ${process.platform} ${process.arch}, Node ${process.version}; ${DURATION_US / 1e6} s measured per cell, seed 1.\n`);
  // BENCH_CLAIMS_ONLY=1 skips the suites table (about a minute) to repeat the claim table alone.
  if (process.env.BENCH_CLAIMS_ONLY !== '1') await suitesTable();
  console.log('\n### SQLite claim throughput: tasks suite, 4 agent processes vs a bare UPDATE … RETURNING loop\n');
  // Queues sized so they outlast the measured window (claimEmpty 0) yet drain afterwards: a run
  // whose drain times out FAILS its "no claimable task left" check rather than skipping it.
  const claimUs = 2_000_000;
  type AgentRun = { rate: number; p99Us: number; maxUs: number; conflicts: number; empty: number; ok: boolean; failed: string[]; perAgent: number[] };
  const agentRun = async (busyWait: BusyWait, complete: 'on' | 'off', queue: number): Promise<AgentRun> => {
    const extra = { mix: 'claim=100', queue: String(queue), depPercent: '0', complete, drainTimeout: '60s' };
    const r = await runTasksSuite(options(`sqlite?busyWait=${busyWait}`, 4, claimUs), undefined, tasksParams.parse(extra, { quick: true }));
    const op = r.operations.find((o) => o.name === 'claim');
    const failed = r.checks.filter((c) => !c.passed).map((c) => `${c.name}: ${c.detail}`);
    // Per-agent operation counts: SQLite's sleep-based busy handler is not fair, so one agent can
    // starve while the others take the lock — visible here, and it stretches the merged window.
    const perAgent = (r.workers ?? []).map((w) => Number(w.operations ?? 0));
    return { rate: op?.throughput ?? 0, p99Us: op?.latencyUs.p99 ?? 0, maxUs: op?.latencyUs.max ?? 0, conflicts: r.metrics?.claimConflicts ?? 0, empty: r.metrics?.claimEmpty ?? 0, ok: failed.length === 0, failed, perAgent };
  };
  // The strategies run back to back within each mode, so a noisy neighbour tends to hit both alike.
  const withCompleteBy = {} as Record<BusyWait, AgentRun>;
  const claimOnlyBy = {} as Record<BusyWait, AgentRun>;
  for (const w of BUSY_WAITS) withCompleteBy[w] = await agentRun(w, 'on', 100_000);
  for (const w of BUSY_WAITS) claimOnlyBy[w] = await agentRun(w, 'off', 200_000);
  const bare = bareClaimLoop(200_000, false, claimUs);
  const bareWithComplete = bareClaimLoop(200_000, true, claimUs);
  const ratio = (n: number, d: number): string => `${(n / d).toFixed(2)}×`;
  const goal = (n: number): string => `${ratio(n, bare)} ${n / bare >= 0.5 ? '(goal ≥ 0.5× met)' : '(goal ≥ 0.5× NOT met)'}`;
  const mark = (r: { ok: boolean }): string => (r.ok ? '' : ' ✗');
  // Fairness: the least busy agent's operations over the busiest's (1.00 = equal shares, 0 = one starved).
  const fairness = (perAgent: number[]): string => (perAgent.length === 0 ? 'n/a' : (Math.min(...perAgent) / Math.max(1, ...perAgent)).toFixed(2));
  console.log('| measure | claims/s | ratio to bare claim-only loop | ratio to like-for-like bare loop | fairness (min/max ops per agent) |');
  console.log('|---|---:|---:|---:|---:|');
  console.log(`| bare loop, 1 process, claim only | ${formatRate(bare)} | 1.00× | 1.00× | — |`);
  console.log(`| bare loop, 1 process, claim + complete | ${formatRate(bareWithComplete)} | ${ratio(bareWithComplete, bare)} | 1.00× | — |`);
  for (const w of BUSY_WAITS) {
    const withComplete = withCompleteBy[w];
    console.log(`| tasks suite, 4 agents, \`busyWait=${w}\`, claim + complete each (\`--complete on\`) | ${formatRate(withComplete.rate)}${mark(withComplete)} | ${goal(withComplete.rate)} | ${ratio(withComplete.rate, bareWithComplete)} (vs bare claim + complete) | ${fairness(withComplete.perAgent)} |`);
  }
  for (const w of BUSY_WAITS) {
    const claimOnly = claimOnlyBy[w];
    console.log(`| tasks suite, 4 agents, \`busyWait=${w}\`, claim only (\`--complete off\`) | ${formatRate(claimOnly.rate)}${mark(claimOnly)} | ${goal(claimOnly.rate)} | ${ratio(claimOnly.rate, bare)} (vs bare claim only) | ${fairness(claimOnly.perAgent)} |`);
  }
  console.log(`\nspin / sqlite: claim + complete ${ratio(withCompleteBy.spin.rate, withCompleteBy.sqlite.rate)}, claim only ${ratio(claimOnlyBy.spin.rate, claimOnlyBy.sqlite.rate)}`);
  for (const w of BUSY_WAITS) {
    for (const [name, r] of [['claim + complete', withCompleteBy[w]], ['claim only', claimOnlyBy[w]]] as const) {
      console.log(
        `\nbusyWait=${w}, ${name}: claim p99 ${formatUs(r.p99Us)}, max ${formatUs(r.maxUs)} (a starved agent's wait shows here, not in p99), claim conflicts (busy retries; under spin every short pause counts) ${r.conflicts}, claims that found the queue empty ${r.empty} (each agent's last drain claim is one), operations per agent ${r.perAgent.join(' / ')}, checks ${r.ok ? 'all passed' : `FAILED: ${r.failed.join('; ')}`}`,
      );
    }
  }
  rmSync(root, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
