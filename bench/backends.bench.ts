/**
 * Coordination backends side by side, in ONE process and one run (the machine is shared and noisy,
 * so ratios to the memory backend mean more than absolute figures): ops/s of memory.store,
 * memory.retrieve, tasks.create+claim+complete and bus.publish, and the invariants checked while
 * measuring (every claimed task unique, every retrieve returns what was stored).
 * Multi-process contention belongs to the coordination suites (`swarmperf run`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openBackend } from '../src/targets/backend.js';
import type { Backend } from '../src/targets/ports.js';

const BUDGET_MS = Number(process.env.BENCH_BACKEND_MS ?? 1500);
const specs = (dir: string): string[] => ['memory', `sqlite:${join(dir, 'bench.db')}`, `jsonfile:${join(dir, 'json')}`];

/** Runs `op` repeatedly for the budget (or `max` times); returns ops/s. */
async function measure(op: (i: number) => Promise<void>, max: number): Promise<number> {
  const start = performance.now();
  let i = 0;
  while (i < max && performance.now() - start < BUDGET_MS) await op(i++);
  return i / ((performance.now() - start) / 1000);
}

async function benchOne(backend: Backend, small: boolean): Promise<Record<string, number>> {
  const cap = small ? 400 : 200_000; // jsonfile rewrites a whole file per write: keep its files small
  const out: Record<string, number> = {};
  out.store = await measure((i) => Promise.resolve(backend.memory.store('bench', `key/${i % 500}`, `value-${i}`)).then(() => undefined), cap);
  out.retrieve = await measure(async (i) => {
    const e = await backend.memory.retrieve('bench', `key/${i % 100}`);
    if (!e) throw new Error(`invariant: bench/key/${i % 100} missing`);
  }, cap);
  const claimed = new Set<string>();
  out['create+claim+complete'] = await measure(async (i) => {
    await backend.tasks.create({ title: `t${i}`, priority: i % 5 });
    const t = await backend.tasks.claim('bench-worker');
    if (!t || claimed.has(t.id)) throw new Error('invariant: claim returned nothing or a task twice');
    claimed.add(t.id);
    if (!(await backend.tasks.complete(t.id, null))) throw new Error('invariant: complete failed');
  }, small ? 150 : cap);
  out.publish = await measure((i) => Promise.resolve(backend.bus.publish('bench', `m${i}`)).then(() => undefined), cap);
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'swarmperf-bench-backends-'));
const rows: [string, Record<string, number>][] = [];
try {
  for (const spec of specs(dir)) {
    const backend = await openBackend(spec, dir);
    rows.push([spec.split(':')[0] as string, await benchOne(backend, spec.startsWith('jsonfile'))]);
    await backend.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const ops = Object.keys(rows[0]![1]);
const base = rows[0]![1];
console.log(`| backend | ${ops.map((o) => `${o} ops/s (× memory)`).join(' | ')} |`);
console.log(`|---|${ops.map(() => '---:').join('|')}|`);
for (const [name, r] of rows) {
  console.log(`| ${name} | ${ops.map((o) => `${Math.round(r[o]!).toLocaleString('en-US')} (×${(r[o]! / base[o]!).toPrecision(2)})`).join(' | ')} |`);
}
console.log(`\nNode ${process.version}, one process, ${BUDGET_MS} ms per figure; invariants checked while measuring.`);
