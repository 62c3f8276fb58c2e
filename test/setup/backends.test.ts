/**
 * The backend registry: the built-in kinds declare their tuning once (query name, unit, range, help)
 * and parseBackendSpec reads the declaration; a kind registered from the composition root is
 * parsed, opened and listed like the built-in ones.
 */
import { describe, expect, it } from 'vitest';
import { defineParams, intParam } from '../../src/core/params.js';
import { UsageError } from '../../src/core/errors.js';
import { getBackend, isSharedAcrossProcesses, listBackends, openBackend, parseBackendSpec, registerBackend, type BackendDefinition } from '../../src/targets/backend.js';
import { MemoryBackend } from '../../src/targets/memory/index.js';

describe('backend registry', () => {
  it('the built-in kinds declare their tuning with query names, units and help', () => {
    expect(listBackends().map((b) => b.kind)).toEqual(expect.arrayContaining(['memory', 'sqlite', 'jsonfile']));
    const sqlite = getBackend('sqlite')!;
    expect(sqlite.tuning.shape.busyTimeoutMs?.flag).toBe('busyTimeout');
    expect(sqlite.tuning.shape.busyTimeoutMs?.unit).toBe('ms');
    expect(sqlite.tuning.shape.busyWait?.values).toEqual(['sqlite', 'spin']);
    for (const b of listBackends()) for (const p of Object.values(b.tuning.shape)) expect(p.help.length).toBeGreaterThan(5);
  });

  it('a registered kind is parsed (its own tuning checked), opened and listed', async () => {
    let opened: { location: string | undefined; tuning: Record<string, number | string> } | undefined;
    const scratch: BackendDefinition = {
      kind: 'scratch-test',
      description: 'a memory backend under another name (test)',
      tuning: defineParams({ poolSize: intParam({ flag: 'pool', help: 'connections in the pool', min: 1, max: 64 }) }),
      location: 'dir',
      defaultLocation: (dataDir) => `${dataDir}/scratch`,
      sharedAcrossProcesses: false,
      open: (location, tuning) => {
        opened = { location, tuning };
        return Promise.resolve(new MemoryBackend());
      },
    };
    registerBackend(scratch);
    registerBackend(scratch); // the same definition again is harmless
    expect(parseBackendSpec('scratch-test?pool=8', '/data')).toEqual({ kind: 'scratch-test', location: '/data/scratch', tuning: { poolSize: 8 } });
    expect(() => parseBackendSpec('scratch-test?pool=99', '/data')).toThrow(/pool in "scratch-test\?pool=99": expected a whole number from 1 to 64/);
    expect(() => parseBackendSpec('scratch-test?size=1', '/data')).toThrow(/unknown scratch-test option "size".*known: pool/);
    expect(() => parseBackendSpec('nosuch', '/data')).toThrow(/unknown backend "nosuch"; expected .*scratch-test, scratch-test:DIR/);
    expect(isSharedAcrossProcesses('scratch-test')).toBe(false);
    const b = await openBackend('scratch-test?pool=2', '/data');
    expect(opened).toEqual({ location: '/data/scratch', tuning: { poolSize: 2 } });
    await b.close();
    expect(() => registerBackend({ ...scratch })).toThrow(/registered twice/);
    expect(() => parseBackendSpec('memory?x=1', '/data')).toThrow(UsageError);
  });
});
