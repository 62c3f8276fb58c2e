/**
 * The `cpu-hotspot` finding: the function that took the most CPU in a run's measuring processes
 * (the agents when there are any, else the main process, else every process given), with the caller it was under — "62 % of
 * agent CPU in `JSON.parse` under `JsonDocuments.read`". It is added by an enricher when the run
 * was profiled (RunResult.profiles); a run without profiles gets none.
 *
 * Quiet unless it means something: at least MIN_SAMPLES_CPU_US of CPU time sampled (a handful of
 * samples names a function by chance) and a share of at least MIN_SHARE.
 */
import { join } from 'node:path';
import type { Finding, RunResult } from '../core/result.js';
import { processGroup, readProfiles, type LabelledProfile } from './cpuprofile.js';
import { buildFlameTree, frameLabel, topFunctions, type FlameNode } from './tree.js';

export const HOTSPOT_KIND = 'cpu-hotspot';
/** Below this share of CPU no single function is "the" hotspot. */
export const MIN_SHARE = 0.2;
/** 100 ms of CPU: about 100 samples at the default 1 ms interval. */
export const MIN_CPU_US = 100_000;
/** From this share on, one function is worth the reader's attention before anything else about CPU. */
export const WARNING_SHARE = 0.5;

const pct = (share: number): string => `${Math.round(share * 100)} %`;

/** The hotspot finding of a set of profiles, or undefined when no function stands out. */
export function hotspotFinding(profiles: readonly LabelledProfile[], profileRef?: string): Finding | undefined {
  const agents = profiles.filter((p) => processGroup(p.process) === 'agent');
  const mains = profiles.filter((p) => processGroup(p.process) === 'main');
  // Profiles of another program (`profile --cmd`, a file from `node --cpu-prof`): all of them.
  const [chosen, group] = agents.length > 0 ? [agents, 'agent'] : mains.length > 0 ? [mains, 'main'] : [profiles, 'process'];
  if (chosen.length === 0) return undefined;
  const tree: FlameNode = buildFlameTree(chosen);
  const top = topFunctions(tree);
  const first = top.entries[0];
  if (!first || top.cpuUs < MIN_CPU_US) return undefined;
  const share = first.selfUs / top.cpuUs;
  if (share < MIN_SHARE) return undefined;
  const where = first.mainCaller ? ` under \`${frameLabel(first.mainCaller)}\`` : '';
  const second = top.entries[1];
  return {
    kind: HOTSPOT_KIND,
    severity: share >= WARNING_SHARE ? 'warning' : 'info',
    component: `${group}/${first.frame.name}`,
    evidence: `${pct(share)} of ${group} CPU in \`${frameLabel(first.frame)}\`${where} (self ${(first.selfUs / 1000).toFixed(0)} ms of ${(top.cpuUs / 1000).toFixed(0)} ms sampled over ${chosen.length} process${chosen.length === 1 ? '' : 'es'}${second ? `; next: \`${second.frame.name}\` ${pct(second.selfUs / top.cpuUs)}` : ''})`,
    recommendation: `make \`${first.frame.name}\` cheaper or call it less${first.mainCaller ? ` from \`${first.mainCaller.name}\`` : ''}; the flamegraph shows the whole stack`,
    figures: [
      { name: 'cpuShare', value: share, unit: 'ratio' },
      { name: 'selfUs', value: Math.round(first.selfUs), unit: 'us' },
      { name: 'totalUs', value: Math.round(first.totalUs), unit: 'us' },
      { name: 'cpuUs', value: Math.round(top.cpuUs), unit: 'us' },
      { name: 'processes', value: chosen.length, unit: 'count' },
    ],
    ...(profileRef ? { command: `swarmperf profile ${profileRef} --format svg --out flame.svg` } : {}),
  };
}

/** The enricher: recomputes the hotspot finding from the run's profiles (enriching twice gives the same result). */
export function cpuHotspotEnricher(result: RunResult, ctx: { dataDir: string; warn: (message: string) => void }): void {
  if (!result.profiles) return;
  const others = (result.findings ?? []).filter((f) => f.kind !== HOTSPOT_KIND);
  let finding: Finding | undefined;
  try {
    finding = hotspotFinding(readProfiles(join(ctx.dataDir, result.profiles.dir)), result.id);
  } catch (err) {
    ctx.warn(`cpu-hotspot: profiles of run ${result.id} not read: ${err instanceof Error ? err.message : String(err)}`);
  }
  result.findings = finding ? [...others, finding] : others;
}
