/**
 * memory: agents share one memory store, each owning a namespace with the same key names, with
 * zipfian key popularity. Operations: store, retrieve, search by glob, search by query, list,
 * delete. Checked: every read during the run returned the last value written; every key reads
 * back its last value at the end; no scoped operation ever crossed a namespace; search by query
 * finds exactly what is stored.
 */
import type { CheckResult, SuiteResult } from '../../core/result.js';
import type { Backend } from '../../targets/ports.js';
import { checkNamespaceIsolation, checkReadback } from '../invariants/memory.js';
import { checkFrom } from '../invariants/common.js';
import { bytesParam, defineParams, intParam, mixParam, type ParamValues } from '../../core/params.js';
import type { SuiteDefinition, SuiteRunOptions } from '../types.js';
import { agentLogs, assembleSuiteResult, runSuiteAgents, withSuiteBackend } from './common.js';
import { MEMORY_OPS, valueNamespace, type MemoryAgentLog } from './memory-agent.js';

const OP_TO_BACKEND: Record<string, string[]> = {
  store: ['memory.store'],
  retrieve: ['memory.retrieve'],
  'search-glob': [],
  'search-query': [],
  list: ['memory.list'],
  delete: ['memory.delete'],
};

export const memoryParams = defineParams({
  keys: intParam({ help: 'keys across all agents', default: 10_000, quick: 2_000, min: 1, max: 10_000_000 }),
  valueSize: bytesParam({ help: 'size of each stored value', default: '256', min: 16, max: 16 * 1024 * 1024 }),
  zipf: intParam({ help: 'zipf exponent × 100 for key popularity (0 = uniform)', placeholder: '<s100>', default: 99, min: 0, max: 500 }),
  memoryMix: mixParam({ help: 'operation weights', names: MEMORY_OPS, default: 'store=25,retrieve=50,search-glob=5,search-query=5,list=10,delete=5' }),
});
export type MemoryParams = ParamValues<typeof memoryParams.shape>;

export async function runMemorySuite(o: SuiteRunOptions, injected?: Backend, params: MemoryParams = memoryParams.parse({}, { quick: o.quick })): Promise<SuiteResult> {
  const keys = params.keys;
  const valueSize = params.valueSize;
  const zipfS = params.zipf / 100;
  const mix = params.memoryMix;
  const keysPerAgent = Math.max(1, Math.ceil(keys / o.agents));
  return withSuiteBackend(o, injected, async (sb) => {
    const r = await runSuiteAgents(o, sb, { role: 'memory', label: 'memory', params: { keysPerAgent, valueSize, mix, zipfS }, finishGraceMs: 30_000 });
    const logs = agentLogs<MemoryAgentLog>(r);
    const complete = !r.aborted && logs.length === r.outcomes.length && logs.every((l) => l.complete);
    const checks: CheckResult[] = [
      checkFrom('every read returns the last value written', logs.flatMap((l) => l.staleReads), `${r.counters.retrieved ?? 0} reads during the run, each returned the last write`),
      checkReadback(logs.flatMap((l) => l.readback), complete),
    ];
    const exported = await sb.backend.memory.export();
    checks.push(
      checkNamespaceIsolation(
        logs.flatMap((l) => l.leaks),
        logs.reduce((s, l) => s + l.leakCount, 0),
        exported.map((e) => ({ namespace: e.namespace, fullKey: e.fullKey, writtenFor: valueNamespace(e.value) })),
      ),
      checkFrom('search by query finds exactly the stored keys', logs.flatMap((l) => l.searchMisses), 'every query search found the key if and only if it was stored'),
    );
    const metrics: Record<string, number> = {
      keys: keysPerAgent * o.agents,
      valueSizeBytes: valueSize,
      entriesAtEnd: exported.length,
      hitRate: (r.counters.found ?? 0) / Math.max(1, r.counters.retrieved ?? 0),
      searchResultsPerOp: (r.counters.searchResults ?? 0) / Math.max(1, sumCounts(r.merged.operations, ['search-glob', 'search-query', 'list'])),
      staleReads: r.counters.staleReads ?? 0,
      namespaceLeaks: r.counters.leaks ?? 0,
    };
    // The backend counts search contention under one name for both search kinds.
    const result = assembleSuiteResult('memory', sb, r, checks, metrics, OP_TO_BACKEND);
    const searchRetries = r.backendStats.retries['memory.search'] ?? 0;
    if (searchRetries > 0) result.metrics = { ...result.metrics, searchBusyRetries: searchRetries };
    return result;
  });
}

function sumCounts(ops: readonly { name: string; count: number }[], names: readonly string[]): number {
  return ops.filter((op) => names.includes(op.name)).reduce((s, op) => s + op.count, 0);
}

export const memorySuite: SuiteDefinition<typeof memoryParams.shape> = {
  name: 'memory',
  remoteAgents: true,
  description: 'shared memory: store, retrieve, search (glob, query), list, delete with zipfian keys; read-back and namespace isolation',
  runByDefault: true,
  params: memoryParams,
  run: (o, params) => runMemorySuite(o, undefined, params),
};
