/**
 * `swarmperf agent --control nats://HOST:4222`: an agent on this host for runs coordinated
 * elsewhere (`swarmperf run … --remote-agents N --control …` there). It waits on the control
 * server, runs each suite's agent role it is given against the run's backend, and serves run after
 * run until stopped (Ctrl-C / SIGTERM: a run under way stops its load and reports first) or --runs.
 */
import type { Command } from 'commander';
import { swarmperfVersion } from '../../core/version.js';
import { defineParams, intParam, textParam } from '../../core/params.js';
import { checkControlGroup, openControlChannel, parseControlUrl } from '../../targets/control/channel.js';
import { DEFAULT_CONTROL_GROUP } from '../../suites/agents/remote-pool.js';
import { serveRemoteAgent } from '../../suites/agents/remote-agent.js';
import { roleModuleUrl } from '../../suites/coordination/roles.js';
import { withInterrupt } from '../interrupt.js';
import { UsageError } from '../../core/errors.js';
import { addParamOptions } from '../params.js';

export const AGENT_PARAMS = defineParams({
  control: textParam({ help: 'control server of the run to join: nats://HOST:PORT or redis://HOST:PORT (required)', placeholder: '<url>', maxLength: 1024, check: (label, t) => parseControlUrl(label, t).url }),
  controlGroup: textParam({ help: 'control group (the run\'s --control-group)', default: DEFAULT_CONTROL_GROUP, maxLength: 40, check: checkControlGroup }),
  name: textParam({ help: 'how this host is named in results', defaultNote: 'the host name', maxLength: 255, check: (label, t) => checkHostName(label, t) }),
  runs: intParam({ help: 'end after this many runs (one per suite)', defaultNote: 'serve until stopped', min: 1, max: 1_000_000 }),
});

function checkHostName(label: string, t: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(t)) throw new UsageError(`${label}: control characters are not allowed, got ${JSON.stringify(t)}`);
  return t;
}

export function registerAgentCommand(program: Command): void {
  const cmd = program
    .command('agent')
    .description('join runs coordinated on another host as an agent on this one (`run --remote-agents N --control URL` there)')
    .option('--quiet', 'print nothing but errors');
  addParamOptions(cmd, AGENT_PARAMS);
  cmd.action(async (raw: Record<string, unknown>) => {
    const p = AGENT_PARAMS.parse(raw);
    if (p.control === undefined) throw new UsageError('--control: required: the control server of the run to join, nats://HOST:PORT or redis://HOST:PORT');
    const quiet = raw.quiet === true;
    const log = (line: string): void => {
      if (!quiet) process.stderr.write(`swarmperf agent: ${line}\n`);
    };
    const channel = await openControlChannel(parseControlUrl('--control', p.control));
    try {
      const r = await withInterrupt(log, 'a run under way reports what it measured first', (signal) =>
        serveRemoteAgent({
          channel,
          group: p.controlGroup,
          ...(p.name !== undefined ? { name: p.name } : {}),
          ...(p.runs !== undefined ? { runs: p.runs } : {}),
          roleModule: roleModuleUrl(),
          version: swarmperfVersion(),
          signal,
          log,
        }),
      );
      log(`served ${r.runs} run${r.runs === 1 ? '' : 's'}`);
      if (r.stuck !== undefined) {
        process.stderr.write(`swarmperf agent: ${r.stuck}; exiting\n`);
        // The stuck call holds the event loop open: end the process, as the harness ends a hung worker.
        process.exit(1);
      }
      process.exitCode = r.interrupted ? 130 : 0;
    } finally {
      await channel.close().catch(() => {});
    }
  });
}
