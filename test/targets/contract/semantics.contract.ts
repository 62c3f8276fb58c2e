import { afterEach, describe, expect, it } from 'vitest';
import { checkSemantics } from '../../../src/targets/contract/semantics.js';
import type { Backend } from '../../../src/targets/ports.js';
import type { MakeBackend } from './harness.js';

/**
 * The coordination semantics `swarmperf contract` reports (src/targets/contract/semantics.ts),
 * run by every adapter's contract suite: the CLI and the tests use the same checks. They wait on
 * real time (TTL and lease expiry), so the adapter gets the wall clock here, not the fake one.
 */
export function describeSemanticsContract(name: string, make: MakeBackend): void {
  describe(`coordination semantics · ${name}`, () => {
    const opened: Backend[] = [];
    afterEach(async () => {
      for (const b of opened.splice(0)) await b.close();
    });

    it('atomic claim, lease fencing, ordered delivery, TTL, glob search and concurrent writes all hold', async () => {
      const backend = await make({ now: Date.now });
      opened.push(backend);
      const results = await checkSemantics(backend, { concurrency: 16, rounds: 2, ttlMs: 100 });
      expect(results.filter((r) => r.status !== 'holds')).toEqual([]);
      expect(results).toHaveLength(6);
    });
  });
}
