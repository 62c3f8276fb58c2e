/**
 * Agent-registry invariants, over what the agents did and the registry's state at the end (after
 * the parent re-heartbeats the live agents and reaps the stale ones):
 *   - deregistered agents gone;
 *   - stale (abandoned) agents reaped;
 *   - live agents kept: never reaped while fresh, present at the end, not returned by the reaper;
 *   - nothing else left in the registry.
 */
import type { CheckResult } from '../../core/result.js';
import { checkFrom } from './common.js';

export interface RegistryEndState {
  /** Agents their owners still run (heartbeated by the parent just before the final reap). */
  live: string[];
  deregistered: string[];
  /** Registered and never heartbeated again. */
  abandoned: string[];
  /** Every id the registry lists before the final reap (deregistered ones must be gone already). */
  listBeforeReap: string[];
  /** What the final reapStale returned. */
  reapedAtEnd: string[];
  /** Every id the registry lists after the final reap. */
  finalList: string[];
  /** Live agents found reaped during the run although heartbeated less than the stale age before. */
  reapedWhileFresh: Array<{ id: string; sinceHeartbeatMs: number }>;
}

export function checkRegistry(s: RegistryEndState): CheckResult[] {
  const final = new Set(s.finalList);
  const live = new Set(s.live);
  const reaped = new Set(s.reapedAtEnd);
  const before = new Set(s.listBeforeReap);
  const dereg = s.deregistered.filter((id) => final.has(id) || before.has(id)).map((id) => `${id} is still listed after deregister`);
  const stale = s.abandoned.filter((id) => final.has(id)).map((id) => `${id} was never heartbeated yet is still listed after reapStale`);
  const kept: string[] = [
    ...s.reapedWhileFresh.map((r) => `${r.id} was reaped ${r.sinceHeartbeatMs} ms after its last heartbeat`),
    ...s.live.filter((id) => reaped.has(id)).map((id) => `${id} was reaped right after a heartbeat`),
    ...s.live.filter((id) => !final.has(id)).map((id) => `${id} is live but missing from the list`),
  ];
  const unknown = s.finalList.filter((id) => !live.has(id)).map((id) => `${id} is listed but neither live nor expected`);
  return [
    checkFrom('deregistered agents gone', dereg, `${s.deregistered.length} deregistered agents, none listed`),
    checkFrom('stale agents reaped', stale, `${s.abandoned.length} abandoned agents, all reaped`),
    checkFrom('live agents kept', kept, `${s.live.length} live agents listed and never reaped while fresh`),
    checkFrom('no leftover agents', unknown, `registry holds exactly the ${s.live.length} live agents`),
  ];
}
