/**
 * The entry of one agent process (forked by the harness from dist/suites/agents/worker.js). It
 * waits for `start`, opens the backend from the spec with its own connection, runs its role and
 * sends the report back over IPC, then exits.
 *
 * Ctrl-C in a terminal reaches the whole process group, this worker included: SIGINT/SIGTERM only
 * stop the load (as the parent's `stop` does), so what was measured still reaches the parent. If
 * the parent goes away (IPC disconnects), the worker exits at once.
 */
import { profileFromEnv } from '../../profile/cpuprofile.js';
import { isParentMessage, type AgentMessage, type TimingPlan } from './protocol.js';
import { runAgentSpec } from './run-spec.js';

if (typeof process.send !== 'function') {
  process.stderr.write('swarmperf agent worker: must be started by the swarmperf harness (child_process.fork)\n');
  process.exit(2);
}

const abort = new AbortController();
let releasePlan: (plan: TimingPlan) => void = () => {};
const plan = new Promise<TimingPlan>((resolve) => (releasePlan = resolve));
let started = false;

function send(message: AgentMessage, then?: () => void): void {
  if (!process.connected) return;
  process.send?.(message, undefined, {}, () => then?.());
}

process.on('SIGINT', () => abort.abort());
process.on('SIGTERM', () => abort.abort());
process.on('disconnect', () => process.exit(0));

process.on('message', (raw: unknown) => {
  if (!isParentMessage(raw)) return;
  if (raw.type === 'go') releasePlan(raw.plan);
  else if (raw.type === 'stop') abort.abort();
  else if (raw.type === 'start' && !started) {
    started = true;
    const spec = raw.spec;
    // --profile: the parent put the run's profile folder in our environment; the profile is
    // written before the report goes, so it is complete when the parent sees this process end.
    const profiling = profileFromEnv(`agent-${spec.index}-${process.pid}`, (m) => process.stderr.write(`${m}\n`));
    void (async () => {
      await profiling?.ready;
      const final = await runAgentSpec(spec, spec.roleModule, { send: (m) => send(m), plan, signal: abort.signal });
      await profiling?.finish();
      // The report goes last, after the backend is closed, then the channel closes and the process ends.
      send(final, () => process.disconnect());
    })();
  }
});
