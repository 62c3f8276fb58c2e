/**
 * The registry agents' reports stay small however long the run: the fate of every agent a worker
 * created costs 2 bits (a third of a byte as base64), not the ~14 bytes of its id in a JSON list
 * (some 60–70 bytes in a Set in memory).
 */
import { describe, expect, it } from 'vitest';
import { MemoryBackend } from '../../src/targets/memory/index.js';
import { runSuiteAgents, withSuiteBackend } from '../../src/suites/coordination/common.js';
import type { RegistryAgentLog } from '../../src/suites/coordination/registry-agent.js';
import { SeqFate, SeqFates } from '../../src/suites/invariants/seq-fates.js';
import { suiteOptions } from './helpers.js';

describe('registry agent report', () => {
  it('costs about a third of a byte a registration, and decodes to what the agent counted', async () => {
    const o = suiteOptions({ agents: 2, iterations: 20_000, durationUs: 600_000_000, warmupUs: 0 });
    const r = await withSuiteBackend(o, new MemoryBackend(), (sb) =>
      runSuiteAgents(o, sb, { role: 'registry', label: 'registry', params: { staleMs: 60_000, maxLive: 24, mix: { register: 15, heartbeat: 50, deregister: 12, list: 15, reapStale: 8 }, abandonPercent: 20 } }),
    );
    expect(r.outcomes).toHaveLength(2);
    for (const outcome of r.outcomes) {
      const report = outcome.report;
      if (!report) throw new Error(`agent ${outcome.agentId} did not report`);
      // What the parent gets: the report as it travels over IPC or a control channel.
      const log = JSON.parse(JSON.stringify(report.log)) as RegistryAgentLog;
      const registered = report.counters.registered ?? 0;
      expect(registered).toBeGreaterThan(1000);
      const fates = SeqFates.decode(log.fates);
      expect(log.owner).toBe(outcome.agentId);
      expect(fates.count(SeqFate.deregistered)).toBe(report.counters.deregistered);
      expect(fates.count(SeqFate.abandoned)).toBe(report.counters.abandoned);
      // All but the live agents (at most maxLive + the agent itself, with their heartbeat times):
      // a fixed few hundred bytes plus 2 bits a registration, base64.
      const withoutLive = JSON.stringify({ ...log, live: [] }).length;
      expect(withoutLive).toBeLessThanOrEqual(400 + Math.ceil(registered / 4 / 3) * 4);
      expect(log.live.length).toBeLessThanOrEqual(25);
    }
  });
});
