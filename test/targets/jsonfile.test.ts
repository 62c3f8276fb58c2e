import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonFileBackend } from '../../src/targets/jsonfile/index.js';
import { describeBackendContract } from './contract/index.js';

describeBackendContract('jsonfile', ({ now }) => JsonFileBackend.open(mkdtempSync(join(tmpdir(), 'swarmperf-jsonfile-')), { now, pollMs: 1 }));
