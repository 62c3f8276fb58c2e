/** Every port contract, for adapters that implement all five. */
import { describeMessageBusContract } from './bus.contract.js';
import { describeLeaderElectionContract } from './election.contract.js';
import type { MakeBackend } from './harness.js';
import { describeMemoryStoreContract } from './memory.contract.js';
import { describeAgentRegistryContract } from './registry.contract.js';
import { describeSemanticsContract } from './semantics.contract.js';
import { describeTaskStoreContract } from './tasks.contract.js';

export { describeAgentRegistryContract, describeLeaderElectionContract, describeMemoryStoreContract, describeMessageBusContract, describeTaskStoreContract };
export type { MakeBackend };

export function describeBackendContract(name: string, make: MakeBackend): void {
  describeAgentRegistryContract(name, make);
  describeTaskStoreContract(name, make);
  describeMemoryStoreContract(name, make);
  describeLeaderElectionContract(name, make);
  describeMessageBusContract(name, make);
  describeSemanticsContract(name, make);
}
