/**
 * selftest: in-process operations of known cost, so the whole pipeline (load model → recorder →
 * RunResult → renderers) runs end to end on any machine with nothing to set up. Each operation's
 * result is checked, so even the self test cannot be fast and wrong.
 */
import { createHash } from 'node:crypto';
import type { Workload } from '../load/types.js';
import { sleep } from '../measure/clock.js';
import { Rng } from '../measure/rng.js';
import { closedLoopExecutor } from '../runner/executors.js';
import { runSuite } from '../runner/suite.js';
import type { CheckResult, SuiteResult } from '../core/result.js';
import { NO_PARAMS, type SuiteDefinition, type SuiteRunOptions } from './types.js';

const SHA_INPUT = Buffer.alloc(1024, 7);
const SHA_EXPECTED = createHash('sha256').update(SHA_INPUT).digest('hex');

export const selftestSuite: SuiteDefinition<typeof NO_PARAMS.shape> = {
  name: 'selftest',
  params: NO_PARAMS,
  description: 'in-process operations of known cost (noop, sha256 of 1 KiB, sort of 1000 numbers, 1 ms sleep)',
  runByDefault: false,
  async run(o: SuiteRunOptions): Promise<SuiteResult> {
    const rng = new Rng(o.seed);
    let wrongResults = 0;
    const ops = ['noop', 'sha256-1k', 'sort-1k', 'sleep-1ms'] as const;
    const workload: Workload = {
      next(iteration) {
        const name = ops[iteration % ops.length] as (typeof ops)[number];
        switch (name) {
          case 'noop':
            return { name, run: () => undefined };
          case 'sha256-1k':
            return {
              name,
              run: () => {
                if (createHash('sha256').update(SHA_INPUT).digest('hex') !== SHA_EXPECTED) wrongResults++;
              },
            };
          case 'sort-1k':
            return {
              name,
              run: () => {
                const a = Float64Array.from({ length: 1000 }, () => rng.next()).sort();
                for (let i = 1; i < a.length; i++) if ((a[i - 1] as number) > (a[i] as number)) wrongResults++;
              },
            };
          case 'sleep-1ms':
            return { name, run: () => sleep(o.clock, 1000, o.signal) };
        }
      },
    };
    const concurrency = Math.max(1, o.agents);
    const { suite } = await runSuite({
      suite: 'selftest',
      backend: 'in-process',
      label: `selftest (${concurrency} workers)`,
      executor: closedLoopExecutor(workload, { concurrency, warmupUs: o.warmupUs, durationUs: o.durationUs, ...(o.iterations !== undefined ? { iterations: o.iterations } : {}) }),
      clock: o.clock,
      warmupUs: o.warmupUs,
      durationUs: o.durationUs,
      intervalUs: o.intervalUs,
      seed: o.seed,
      signal: o.signal,
      progress: o.progress,
      sampler: { intervalMs: o.quick ? 250 : 1000 },
      judge: (m) => {
        const sleepOp = m.operations.find((op) => op.name === 'sleep-1ms');
        const checks: CheckResult[] = [
          { name: 'results correct', passed: wrongResults === 0, detail: wrongResults === 0 ? 'every sha256 and sort result verified' : `${wrongResults} wrong results` },
          {
            name: 'sleep not shorter than asked',
            passed: !sleepOp || sleepOp.count === 0 || sleepOp.latencyUs.min >= 999,
            detail: sleepOp && sleepOp.count > 0 ? `min sleep ${sleepOp.latencyUs.min} µs for 1000 µs asked` : 'no sleep ran',
          },
        ];
        return { checks };
      },
    });
    return suite;
  },
};
