/**
 * registry: agents register, heartbeat, deregister, list and reap under churn. At the end the
 * parent waits until every abandoned agent is stale, heartbeats the agents their owners still run,
 * reaps, and checks the registry holds exactly the live agents: deregistered ones gone, stale ones
 * reaped, live ones kept.
 */
import type { CheckResult, SuiteResult } from '../../core/result.js';
import type { Backend } from '../../targets/ports.js';
import { addExample, mergeExamples } from '../invariants/common.js';
import { checkRegistry } from '../invariants/registry.js';
import { SeqFates } from '../invariants/seq-fates.js';
import { skipped } from '../invariants/common.js';
import { defineParams, durationParam, intParam, mixParam, type ParamValues } from '../../core/params.js';
import type { SuiteDefinition, SuiteRunOptions } from '../types.js';
import { assembleSuiteResult, runSuiteAgents, withSuiteBackend } from './common.js';
import type { RunAgentsResult } from '../agents/harness.js';
import { REGISTRY_OPS, type RegistryAgentLog } from './registry-agent.js';

const OP_TO_BACKEND: Record<string, string[]> = {
  register: ['registry.register'],
  heartbeat: ['registry.heartbeat'],
  deregister: ['registry.deregister'],
  list: ['registry.list'],
  reapStale: ['registry.reapStale'],
};

export const registryParams = defineParams({
  staleAfter: durationParam({ help: 'heartbeat age after which an agent is stale and reaped', default: '1s', quick: '300ms', unit: 'ms', min: 20, max: 3_600_000 }),
  maxLive: intParam({ help: 'live agents each worker keeps registered at most', default: 24, min: 1, max: 100_000 }),
  registryMix: mixParam({ help: 'operation weights', names: REGISTRY_OPS, default: 'register=15,heartbeat=50,deregister=12,list=15,reapStale=8' }),
});
export type RegistryParams = ParamValues<typeof registryParams.shape>;

export async function runRegistrySuite(o: SuiteRunOptions, injected?: Backend, params: RegistryParams = registryParams.parse({}, { quick: o.quick })): Promise<SuiteResult> {
  const staleMs = params.staleAfter;
  const maxLive = params.maxLive;
  const mix = params.registryMix;
  return withSuiteBackend(o, injected, async (sb) => {
    const r = await runSuiteAgents(o, sb, { role: 'registry', label: 'registry', params: { staleMs, maxLive, mix, abandonPercent: 20 } });
    const logs = logsOnThisClock(r);
    // Times of agents on other hosts are known to ± their clock uncertainty: the allowance grows by both ends'.
    const slackMs = 2 + (2 * Math.max(0, ...r.outcomes.map((a) => a.clock?.uncertaintyUs ?? 0))) / 1000;
    const complete = !r.aborted && r.outcomes.every((a) => a.report !== undefined);
    const lastReapMs = Math.max(0, ...logs.map((l) => l.lastReapMs));
    let live = logs.flatMap((l) => l.live).map((a) => a.id);
    const checks: CheckResult[] = [];
    let liveReapedLate = 0;
    const leaked = mergeExamples(logs.map((l) => l.listedAfterDeregister));
    checks.push(
      leaked.count === 0
        ? { name: 'list never shows deregistered agents', passed: true, detail: 'no list under churn returned an agent after its deregistration' }
        : { name: 'list never shows deregistered agents', passed: false, detail: `${leaked.count} times a list returned an agent after its deregistration: ${leaked.examples.slice(0, 3).join(', ')}` },
    );
    if (complete) {
      // Every abandoned agent is at least staleMs old after this wait; then the live ones get a
      // fresh heartbeat so a correct reaper takes exactly the abandoned ones.
      await new Promise((resolve) => setTimeout(resolve, staleMs + 50));
      // A live agent may have been reaped after its owner's last look: legitimately if some reap
      // ran more than the stale age after its last heartbeat; otherwise it was reaped while fresh.
      const lastHeartbeat = new Map(logs.flatMap((l) => l.live).map((a) => [a.id, a.lastHeartbeatMs]));
      const reapedWhileFresh = mergeExamples(logs.map((l) => l.reapedWhileFresh));
      const survivors: string[] = [];
      let reapedLate = 0;
      for (const id of live) {
        if (await sb.backend.registry.heartbeat(id)) survivors.push(id);
        else {
          const last = lastHeartbeat.get(id) ?? 0;
          if (last < lastReapMs - staleMs + slackMs) reapedLate++;
          else addExample(reapedWhileFresh, { id, sinceHeartbeatMs: lastReapMs - last });
        }
      }
      live = survivors;
      liveReapedLate = reapedLate;
      const listBeforeReap = (await sb.backend.registry.list()).map((a) => a.id);
      const reapedAtEnd = await sb.backend.registry.reapStale(staleMs);
      const finalList = (await sb.backend.registry.list()).map((a) => a.id);
      checks.push(
        ...checkRegistry({
          live,
          fates: new Map(logs.map((l) => [l.owner, SeqFates.decode(l.fates)])),
          listBeforeReap,
          reapedAtEnd,
          finalList,
          reapedWhileFresh,
        }),
      );
    } else {
      for (const name of ['deregistered agents gone', 'stale agents reaped', 'live agents kept', 'no leftover agents']) checks.push(skipped(name, 'the run was interrupted'));
    }
    const metrics = {
      registered: r.counters.registered ?? 0,
      deregistered: r.counters.deregistered ?? 0,
      abandoned: r.counters.abandoned ?? 0,
      reapedDuringRun: r.counters.reaped ?? 0,
      liveReapedAfterMissedHeartbeat: (r.counters.liveReaped ?? 0) + liveReapedLate,
      liveAgentsAtEnd: live.length,
      staleAfterMs: staleMs,
    };
    return assembleSuiteResult('registry', sb, r, checks, metrics, OP_TO_BACKEND);
  });
}

/**
 * The agents' logs with every wall-clock time on this host's clock: an agent on another host wrote
 * its times on its own, which the measured offset moves onto ours (the end-state check compares one
 * agent's last heartbeat with another's last reap).
 */
function logsOnThisClock(r: RunAgentsResult): RegistryAgentLog[] {
  return r.outcomes.flatMap((a) => {
    if (!a.report) return [];
    const log = a.report.log as RegistryAgentLog;
    const shiftMs = (a.clock?.wallOffsetUs ?? 0) / 1000;
    if (shiftMs === 0) return [log];
    return [{ ...log, lastReapMs: log.lastReapMs === 0 ? 0 : log.lastReapMs - shiftMs, live: log.live.map((l) => ({ id: l.id, lastHeartbeatMs: l.lastHeartbeatMs - shiftMs })) }];
  });
}

export const registrySuite: SuiteDefinition<typeof registryParams.shape> = {
  name: 'registry',
  remoteAgents: true,
  description: 'agent registry under churn: register, heartbeat, deregister, list, reapStale; deregistered gone, stale reaped',
  runByDefault: true,
  params: registryParams,
  run: (o, params) => runRegistrySuite(o, undefined, params),
};
