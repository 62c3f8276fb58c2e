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
import { openBackend } from '../../targets/backend.js';
import type { Backend } from '../../targets/ports.js';
import { isParentMessage, type AgentMessage, type AgentSpec, type TimingPlan } from './protocol.js';
import { runAgentRole, type AgentRole } from './runtime.js';

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

/** The role named in the spec, from the role module the suite named (the harness knows no suite). */
async function loadRole(spec: AgentSpec): Promise<AgentRole> {
  if (spec.roleModule === undefined) throw new Error(`agents: unknown role "${spec.role}": no role module was given`);
  const mod = (await import(spec.roleModule)) as { getRole?: (name: string) => AgentRole };
  if (typeof mod.getRole !== 'function') throw new Error(`agents: ${spec.roleModule} exports no getRole()`);
  return mod.getRole(spec.role);
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
      let backend: Backend | undefined;
      await profiling?.ready;
      try {
        const role = await loadRole(spec);
        backend = await openBackend(spec.backend, spec.dataDir);
        let final: AgentMessage | undefined;
        await runAgentRole(role, spec, backend, { send: (m) => (m.type === 'report' || m.type === 'failed' ? (final = m) : send(m)), plan, signal: abort.signal }, true);
        await backend.close();
        backend = undefined;
        await profiling?.finish();
        // The report goes last, after the backend is closed, then the channel closes and the process ends.
        if (final) send(final, () => process.disconnect());
      } catch (err) {
        if (backend) await Promise.resolve(backend.close()).catch(() => {});
        await profiling?.finish();
        send({ type: 'failed', message: err instanceof Error ? err.message : String(err) }, () => process.disconnect());
      }
    })();
  }
});
