/**
 * The agent roles a worker can run, by name: one per coordination suite. The agents harness is the
 * lower layer and knows no suite: it is handed this module's location (ROLE_MODULE) and loads it in
 * each worker process, and in-process agents get their role function directly.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AgentRole } from '../agents/runtime.js';
import { busAgent } from './bus-agent.js';
import { electionAgent } from './election-agent.js';
import { memoryAgent } from './memory-agent.js';
import { registryAgent } from './registry-agent.js';
import { tasksAgent } from './tasks-agent.js';

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

/**
 * The compiled module workers import to find their role. Workers always run from dist/ (tests and
 * benchmarks run the parent from src/ via tsx), so from src/ this points at the built copy.
 */
export function roleModuleUrl(): string {
  const own = new URL(import.meta.url);
  if (own.pathname.endsWith('.js')) return own.href;
  const built = new URL('../../../dist/suites/coordination/roles.js', import.meta.url);
  if (!existsSync(fileURLToPath(built))) throw new Error('agents: dist/suites/coordination/roles.js is missing; build first (npx tsc -p tsconfig.build.json)');
  return built.href;
}
