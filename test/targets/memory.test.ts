import { describeBackendContract } from './contract/index.js';
import { MemoryBackend } from '../../src/targets/memory/index.js';

describeBackendContract('memory', ({ now }) => Promise.resolve(new MemoryBackend({ now })));
