import { describeBackendContract } from './contract/index.js';
import { describeNamespaceIsolation, describeServer, freshBackendFactory, describeSuitesOn } from './servers.js';

await describeServer('etcd', () => {
  describeBackendContract('etcd', freshBackendFactory('etcd'));
  describeSuitesOn('etcd');

  describeNamespaceIsolation('etcd', 'reset() deletes only its own prefix; ids and epochs keep growing', { epochs: true });
});
