/** The five coordination suites, in the order `swarmperf run` runs them. */
import type { SuiteDefinition } from '../types.js';
import { busSuite } from './bus.js';
import { electionSuite } from './election.js';
import { memorySuite } from './memory.js';
import { registrySuite } from './registry.js';
import { tasksSuite } from './tasks.js';

export const coordinationSuites: SuiteDefinition[] = [registrySuite, tasksSuite, memorySuite, electionSuite, busSuite];
export { runRegistrySuite } from './registry.js';
export { runTasksSuite } from './tasks.js';
export { runMemorySuite } from './memory.js';
export { runElectionSuite } from './election.js';
export { runBusSuite } from './bus.js';
