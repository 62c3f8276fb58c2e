/**
 * profile_run: a profiled run's CPU profiles (recorded with `--profile`) as `swarmperf profile`
 * shows them: the top functions by self and total time with the cpu-hotspot finding, or the
 * flamegraph SVG, or speedscope JSON. Binary and raw formats (pprof, .cpuprofile) stay on the CLI.
 */
import { join } from 'node:path';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { UsageError } from '../../core/errors.js';
import { renderTopTable, toSpeedscope } from '../../profile/export.js';
import { renderFlamegraphSvg } from '../../profile/flamegraph.js';
import { hotspotFinding } from '../../profile/hotspot.js';
import { selectProfiles } from '../../profile/select.js';
import { buildFlameTree, frameLabel, topFunctions } from '../../profile/tree.js';
import type { ServerContext } from '../context.js';
import { guarded, ok } from './common.js';
import { runRef } from './analysis.js';

export function registerProfileTools(server: McpServer, ctx: ServerContext): void {
  server.registerTool(
    'profile_run',
    {
      title: 'CPU profile of a run',
      description:
        'The CPU profiles of a run recorded with --profile (the main process and every agent): the functions that took the most CPU by self and total time, with their caller and the cpu-hotspot finding; or the flamegraph as SVG, or speedscope JSON.',
      inputSchema: z.strictObject({
        run: runRef,
        format: z.enum(['top', 'svg', 'speedscope']).default('top').describe('top (default), svg (flamegraph) or speedscope (JSON)'),
        process: z.string().min(1).max(100).regex(/^[A-Za-z0-9_-]+$/).optional().describe('only one process group (main, agent) or one process (agent-0-1234)'),
        limit: z.number().int().min(1).max(200).default(20).describe('rows of the top table (default 20)'),
      }),
    },
    ({ run, format, process, limit }) =>
      guarded('profile_run', () => {
        const r = ctx.getRun(run);
        if (!r.profiles) throw new UsageError(`run ${r.id} was not profiled; record one with \`swarmperf run --profile\``);
        const profiles = selectProfiles(join(ctx.config.dataDir, r.profiles.dir), process);
        const tree = buildFlameTree(profiles);
        if (format === 'svg') {
          const svg = renderFlamegraphSvg(tree, `CPU flamegraph — run ${r.id}`);
          return ok(svg, { runId: r.id, format, svg });
        }
        if (format === 'speedscope') {
          const file = toSpeedscope(profiles, r.id, 'swarmperf');
          return ok(JSON.stringify(file), { runId: r.id, format, speedscope: file });
        }
        const top = topFunctions(tree);
        const finding = hotspotFinding(profiles, r.id);
        const text = renderTopTable(top, limit) + (finding ? `\nfinding (${finding.severity}) ${finding.kind}: ${finding.evidence}\n` : '');
        return ok(text, {
          runId: r.id,
          format,
          cpuUs: Math.round(top.cpuUs),
          processes: profiles.map((p) => p.process),
          top: top.entries.slice(0, limit).map((e) => ({
            function: frameLabel(e.frame),
            selfUs: Math.round(e.selfUs),
            totalUs: Math.round(e.totalUs),
            ...(e.mainCaller ? { under: frameLabel(e.mainCaller) } : {}),
          })),
          ...(finding ? { finding } : {}),
        });
      }),
  );
}
