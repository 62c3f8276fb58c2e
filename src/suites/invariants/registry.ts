/**
 * Agent-registry invariants, over what the agents did and the registry's state at the end (after
 * the parent re-heartbeats the live agents and reaps the stale ones):
 *   - deregistered agents gone;
 *   - stale (abandoned) agents reaped;
 *   - live agents kept: never reaped while fresh, present at the end, not returned by the reaper;
 *   - nothing else left in the registry.
 * The agents' own histories come as one fate record each (2 bits per agent they created), never as
 * lists of ids: the checks walk what the registry lists and look each id up in its owner's record,
 * so the memory they take follows the registry's size, not the run's length.
 */
import type { CheckResult } from '../../core/result.js';
import { checkFromCount, Examples, type CountedExamples } from './common.js';
import { parseOwnedId, SeqFate, type SeqFates } from './seq-fates.js';

export interface RegistryEndState {
  /** Agents their owners still run (heartbeated by the parent just before the final reap). */
  live: string[];
  /** Each owner agent's record of what became of the agents `<owner>/a<seq>` it created. */
  fates: ReadonlyMap<string, SeqFates>;
  /** Every id the registry lists before the final reap (deregistered ones must be gone already). */
  listBeforeReap: string[];
  /** What the final reapStale returned. */
  reapedAtEnd: string[];
  /** Every id the registry lists after the final reap. */
  finalList: string[];
  /** Live agents found reaped during the run although heartbeated less than the stale age before. */
  reapedWhileFresh: CountedExamples<{ id: string; sinceHeartbeatMs: number }>;
}

export function checkRegistry(s: RegistryEndState): CheckResult[] {
  const final = new Set(s.finalList);
  const live = new Set(s.live);
  const reaped = new Set(s.reapedAtEnd);
  const fateOf = (id: string): SeqFate => {
    const owned = parseOwnedId(id);
    return owned ? (s.fates.get(owned.owner)?.get(owned.seq) ?? SeqFate.other) : SeqFate.other;
  };
  let deregisteredCount = 0;
  let abandonedCount = 0;
  for (const record of s.fates.values()) {
    deregisteredCount += record.count(SeqFate.deregistered);
    abandonedCount += record.count(SeqFate.abandoned);
  }

  const dereg = new Examples();
  for (const id of new Set([...s.listBeforeReap, ...s.finalList])) if (fateOf(id) === SeqFate.deregistered) dereg.add(() => `${id} is still listed after deregister`);
  const stale = new Examples();
  for (const id of final) if (fateOf(id) === SeqFate.abandoned) stale.add(() => `${id} was never heartbeated yet is still listed after reapStale`);
  const kept = new Examples();
  kept.addCounted(s.reapedWhileFresh, (r) => `${r.id} was reaped ${r.sinceHeartbeatMs} ms after its last heartbeat`);
  for (const id of s.live) if (reaped.has(id)) kept.add(() => `${id} was reaped right after a heartbeat`);
  for (const id of s.live) if (!final.has(id)) kept.add(() => `${id} is live but missing from the list`);
  const unknown = new Examples();
  for (const id of s.finalList) if (!live.has(id)) unknown.add(() => `${id} is listed but neither live nor expected`);

  return [
    checkFromCount('deregistered agents gone', dereg.count, dereg.items, `${deregisteredCount} deregistered agents, none listed`),
    checkFromCount('stale agents reaped', stale.count, stale.items, `${abandonedCount} abandoned agents, all reaped`),
    checkFromCount('live agents kept', kept.count, kept.items, `${s.live.length} live agents listed and never reaped while fresh`),
    checkFromCount('no leftover agents', unknown.count, unknown.items, `registry holds exactly the ${s.live.length} live agents`),
  ];
}
