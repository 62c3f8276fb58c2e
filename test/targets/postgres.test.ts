import { describeBackendContract, describeTaskStoreContract } from './contract/index.js';
import { describeNamespaceIsolation, describeServer, freshBackendFactory, describeSuitesOn } from './servers.js';

await describeServer('postgres', () => {
  describeBackendContract('postgres (claim=skip-locked)', freshBackendFactory('postgres'));
  describeSuitesOn('postgres');
  // The variant changes only claim(): its port's contract is the one to hold it to.
  describeTaskStoreContract('postgres (claim=update-returning)', freshBackendFactory('postgres', 'claim=update-returning'));

  describeNamespaceIsolation('postgres', 'reset() empties only its own schema; the task sequence survives it', { epochs: false });
});
