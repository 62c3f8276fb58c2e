/** The five coordination suites, in the order `swarmperf run` runs them. */
import type { SuiteDefinition } from '../types.js';
import { busSuite } from './bus.js';
import { electionSuite } from './election.js';
import { memorySuite } from './memory.js';
import { registrySuite } from './registry.js';
import { tasksSuite } from './tasks.js';

export const coordinationSuites: SuiteDefinition[] = [registrySuite, tasksSuite, memorySuite, electionSuite, busSuite];
export { runRegistrySuite, registryParams, type RegistryParams } from './registry.js';
export { runTasksSuite, tasksParams, type TasksParams } from './tasks.js';
export { runMemorySuite, memoryParams, type MemoryParams } from './memory.js';
export { runElectionSuite, electionParams, type ElectionParams } from './election.js';
export { runBusSuite, busParams, type BusParams } from './bus.js';
