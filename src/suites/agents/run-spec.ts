/**
 * One agent's life from its spec to its last message, the same for a forked worker (worker.ts,
 * over IPC) and an agent on another host (remote-agent.ts, over the control plane): find the role,
 * open the backend with a connection of its own, run the role, close the backend, and only then
 * hand back the final message (report or failed), so a closed agent has nothing left in flight.
 */
import { openBackend } from '../../targets/backend.js';
import type { Backend } from '../../targets/ports.js';
import type { AgentMessage, AgentSpec } from './protocol.js';
import { runAgentRole, type AgentRole, type AgentTransport } from './runtime.js';

/** The role named `name` from a module exporting getRole(name) (the harness knows no suite). */
export async function loadRole(roleModule: string | undefined, name: string): Promise<AgentRole> {
  if (roleModule === undefined) throw new Error(`agents: unknown role "${name}": no role module was given`);
  const mod = (await import(roleModule)) as { getRole?: (name: string) => AgentRole };
  if (typeof mod.getRole !== 'function') throw new Error(`agents: ${roleModule} exports no getRole()`);
  return mod.getRole(name);
}

export type FinalMessage = Extract<AgentMessage, { type: 'report' | 'failed' }>;

/**
 * Runs the spec; `transport.send` gets the live messages (ready, progress, event), the final one is
 * returned after the backend is closed.
 */
export async function runAgentSpec(spec: AgentSpec, roleModule: string | undefined, transport: AgentTransport): Promise<FinalMessage> {
  let backend: Backend | undefined;
  try {
    const role = await loadRole(roleModule, spec.role);
    backend = await openBackend(spec.backend, spec.dataDir);
    let final: FinalMessage | undefined;
    const capture = (m: AgentMessage): void => {
      if (m.type === 'report' || m.type === 'failed') final = m;
      else transport.send(m);
    };
    await runAgentRole(role, spec, backend, { send: capture, plan: transport.plan, signal: transport.signal }, true);
    const opened = backend;
    backend = undefined;
    await opened.close();
    return final ?? { type: 'failed', message: 'agent: the role ended without a report' };
  } catch (err) {
    if (backend) await Promise.resolve(backend.close()).catch(() => {});
    return { type: 'failed', message: err instanceof Error ? err.message : String(err) };
  }
}
