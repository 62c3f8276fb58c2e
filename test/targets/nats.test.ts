import { describeBackendContract } from './contract/index.js';
import { describeNamespaceIsolation, describeServer, freshBackendFactory, describeSuitesOn } from './servers.js';

await describeServer('nats', () => {
  describeBackendContract('nats', freshBackendFactory('nats'));
  describeSuitesOn('nats');

  describeNamespaceIsolation('nats', 'reset() purges only its own bucket; ids and epochs keep growing', { epochs: true });
});
