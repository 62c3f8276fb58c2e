import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteBackend } from '../../src/targets/sqlite/index.js';
import { describeBackendContract } from './contract/index.js';

// A fresh database file per test; the bus polls every 1 ms as in production.
describeBackendContract('sqlite', ({ now }) => SqliteBackend.open(join(mkdtempSync(join(tmpdir(), 'swarmperf-sqlite-')), 'coordination.db'), { now }));
