/**
 * tune: the `swarmperf tune` search as an MCP tool, with the same parameters (src/tune/): a suite on
 * a backend kind or a protocol in the simulator, `params` as NAME=LO..HI or NAME=a,b,c, an objective,
 * SLOs and a budget. Every trial is recorded in the server's history tagged with the session; the
 * answer is the best settings with their interval, the Pareto front, what mattered and the command
 * that repeats the best run. One benchmark (here: one whole search) at a time.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { UsageError } from '../../core/parse.js';
import { formatUs } from '../../core/units.js';
import { parseDurationUs } from '../../core/parse.js';
import { formatTuneResult } from '../../report/tune.js';
import { planTune, runTune, type TuneRequest } from '../../tune/index.js';
import type { ServerContext } from '../context.js';
import { clientBackendSpec, mcpProgress } from './benchmark.js';
import { guarded, ok } from './common.js';

const words = (max: number, what: string) => z.array(z.string().min(1).max(500)).max(max).describe(what);

export function tuneInput() {
  return z.strictObject({
    suite: z.string().min(1).max(64).optional().describe('the suite to tune (e.g. tasks); or give protocol'),
    protocol: z.string().min(1).max(64).optional().describe('a consensus protocol to tune in the simulator (raft, pbft, gossip)'),
    scenario: z.string().min(1).max(64).optional().describe("the protocol scenario each trial runs (default: the protocol's first)"),
    backend: z.string().min(1).max(200).optional().describe('suites: backend kind with optional tuning (memory, sqlite, jsonfile; default the server\'s); its tuning names may be searched'),
    params: words(8, 'parameters to search, as `swarmperf tune --param`: "agents=1..16", "busyWait=sqlite,spin", "heartbeat=5ms..50ms"').min(1),
    set: words(32, 'parameters held fixed, as `--set`: "latency=lognormal:5ms,0.8"').optional(),
    maximize: z.string().min(1).max(200).optional().describe('metric to make largest: throughput, tasks.claim.throughput, availabilityLeader …'),
    minimize: z.string().min(1).max(200).optional().describe('metric to make smallest: p99, consensus.raft.election.mean …'),
    slo: words(8, 'constraints, as `--slo`: "tasks.claim.p99<5ms"').optional(),
    budget: z.string().min(1).max(32).optional().describe('wall time for the search, e.g. 2m (default 5m unless trials)'),
    trials: z.number().int().min(1).max(1000).optional().describe('most trials (runs)'),
    repeats: z.number().int().min(1).max(10).optional().describe('base repeats per configuration (default 1)'),
    seed: z.number().int().min(0).max(2 ** 32 - 101).optional().describe('seed of repeat 0 and of the sample'),
    duration: z.string().min(1).max(32).optional().describe("measured duration of each trial (default 3s for suites, the scenario's for protocols)"),
    warmup: z.string().min(1).max(32).optional().describe('warmup of each trial'),
    tags: z.record(z.string().min(1).max(64), z.string().max(256)).optional().describe('tags recorded with every trial'),
  });
}
export type TuneInput = z.infer<ReturnType<typeof tuneInput>>;

export function registerTuneTools(server: McpServer, ctx: ServerContext): void {
  server.registerTool(
    'tune',
    {
      title: 'Tune parameters',
      description:
        'Searches named parameters of a suite, a protocol (simulator) or a backend for the best settings toward an objective under SLOs (grid for small spaces, successive halving otherwise, repeats where noisy), as `swarmperf tune`. Every trial is recorded in the history tagged tune=<id>. Answers with the best settings and their 95 % interval, the Pareto front (throughput vs p99), which parameters mattered and the command that repeats the best run.',
      inputSchema: tuneInput(),
    },
    (input, extra) =>
      guarded('tune', async () => {
        const budgetUs = parseDurationUs('budget', input.budget ?? '5m');
        if (budgetUs > ctx.config.maxBenchmarkUs * 10) throw new UsageError(`budget: ${input.budget ?? '5m'} is over this server's limit (${formatUs(ctx.config.maxBenchmarkUs * 10)})`);
        const request: TuneRequest = {
          params: input.params,
          ...(input.suite !== undefined ? { suite: input.suite, backend: clientBackendSpec(input.backend ?? ctx.config.backend, ctx.config.dataDir) } : {}),
          ...(input.suite === undefined && input.backend !== undefined ? { backend: input.backend } : {}),
          ...pick(input, ['protocol', 'scenario', 'set', 'maximize', 'minimize', 'slo', 'budget', 'trials', 'repeats', 'seed', 'duration', 'warmup']),
        };
        const plan = await planTune(request);
        const trialUs = (input.duration ? parseDurationUs('duration', input.duration) : 0) + (input.warmup ? parseDurationUs('warmup', input.warmup) : 0);
        if (trialUs > ctx.config.maxBenchmarkUs) throw new UsageError(`duration + warmup is ${formatUs(trialUs)}; this server allows at most ${formatUs(ctx.config.maxBenchmarkUs)} per trial`);
        const slot = ctx.beginBenchmark(`tune ${plan.target.name}`);
        const controller = new AbortController();
        const onAbort = (): void => controller.abort();
        extra.signal.addEventListener('abort', onAbort, { once: true });
        const progress = mcpProgress(extra, (plan.budgetMs ?? 0) || 60_000);
        try {
          const result = await runTune(plan, {
            dataDir: ctx.config.dataDir,
            history: ctx.config.historyPath ?? false,
            tags: input.tags ?? {},
            signal: controller.signal,
            warn: (m) => ctx.config.log(`warning: ${m}`),
            log: (line) => progress.log(line),
          });
          return ok(formatTuneResult(result), result as unknown as Record<string, unknown>);
        } finally {
          extra.signal.removeEventListener('abort', onAbort);
          slot.release();
        }
      }),
  );
}

function pick<K extends keyof TuneInput>(input: TuneInput, keys: readonly K[]): Partial<Pick<TuneInput, K>> {
  const out: Partial<Pick<TuneInput, K>> = {};
  for (const k of keys) if (input[k] !== undefined) out[k] = input[k];
  return out;
}
