/** The agent roles a worker can run, by name: one per coordination suite. */
import { busAgent } from '../coordination/bus-agent.js';
import { electionAgent } from '../coordination/election-agent.js';
import { memoryAgent } from '../coordination/memory-agent.js';
import { registryAgent } from '../coordination/registry-agent.js';
import { tasksAgent } from '../coordination/tasks-agent.js';
import type { AgentRole } from './runtime.js';

const ROLES: Record<string, AgentRole> = {
  registry: registryAgent,
  tasks: tasksAgent,
  memory: memoryAgent,
  election: electionAgent,
  bus: busAgent,
};

export function getRole(name: string): AgentRole {
  const role = ROLES[name];
  if (!role) throw new Error(`agents: unknown role "${name}"; known: ${Object.keys(ROLES).join(', ')}`);
  return role;
}
