/**
 * Every coordination suite FAILS against an adapter with a planted bug, and passes against the
 * correct one: the checks cannot pass by construction. Agents run in-process here (the broken
 * adapters live in this process); process mode is covered in agents-process.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { MemoryBackend } from '../../src/targets/memory/index.js';
import { busParams, electionParams, memoryParams, registryParams, runBusSuite, runElectionSuite, runMemorySuite, runRegistrySuite, runTasksSuite, tasksParams } from '../../src/suites/coordination/index.js';
import { buggyElectionBackend, buggyTasksBackend, faultyBusBackend, forgetfulRegistryBackend, leakySearchBackend, lostWriteBackend } from './broken-backends.js';
import { check, failedChecks, flags, suiteOptions } from './helpers.js';

describe('tasks suite against planted bugs', () => {
  it('passes on a correct store (same workload, same seed)', async () => {
    const r = await runTasksSuite(suiteOptions(), new MemoryBackend());
    expect(failedChecks(r)).toEqual([]);
    expect(r.metrics?.claims).toBeGreaterThan(50);
  });

  it('a claim that is not atomic (read, yield, write) is caught as a double claim and fails the run', async () => {
    const r = await runTasksSuite(suiteOptions({ agents: 4 }), buggyTasksBackend({ nonAtomicClaim: true }));
    const c = check(r, 'no task claimed by two workers');
    expect(c.passed).toBe(false);
    expect(c.detail).toMatch(/task-\d+ claimed by agent-\d and agent-\d/);
  });

  it('a claim that ignores dependencies fails "dependencies respected"', async () => {
    const r = await runTasksSuite(suiteOptions(), buggyTasksBackend({ ignoreDependencies: true }), flags(tasksParams, { depPercent: '60' }));
    const c = check(r, 'dependencies respected');
    expect(c.passed).toBe(false);
    expect(c.detail).toMatch(/before its dependency|never completed/);
    expect(check(r, 'no task claimed by two workers').passed).toBe(true);
  });

  it('a claim that reports an empty queue while tasks are claimable fails "no claimable task left unclaimed"', async () => {
    const r = await runTasksSuite(suiteOptions(), buggyTasksBackend({ skipLowPriority: true }));
    const c = check(r, 'no claimable task left unclaimed');
    expect(c.passed).toBe(false);
    expect(c.detail).toMatch(/pending with every dependency completed/);
  });
});

describe('memory suite against planted bugs', () => {
  it('passes on a correct store', async () => {
    const r = await runMemorySuite(suiteOptions(), new MemoryBackend(), flags(memoryParams, { keys: '300' }));
    expect(failedChecks(r)).toEqual([]);
  });

  it('a search that ignores namespaces fails "namespaces isolated"', async () => {
    const r = await runMemorySuite(suiteOptions(), leakySearchBackend(), flags(memoryParams, { keys: '300' }));
    const c = check(r, 'namespaces isolated');
    expect(c.passed).toBe(false);
    expect(c.detail).toMatch(/search-(glob|query) scoped to agent-\d returned agent-\d\/k/);
  });

  it('a store that acknowledges writes it drops fails the read-back checks', async () => {
    const r = await runMemorySuite(suiteOptions(), lostWriteBackend(), flags(memoryParams, { keys: '300' }));
    expect(failedChecks(r)).toEqual(expect.arrayContaining(['every stored entry reads back its last written value']));
  });
});

describe('election suite against planted bugs', () => {
  const opts = () => suiteOptions({ durationUs: 1_500_000, warmupUs: 0 });
  const params = () => flags(electionParams, { leaseTtl: '120ms', failover: 'stop' });

  it('passes on a correct election', async () => {
    const r = await runElectionSuite(opts(), new MemoryBackend(), params());
    expect(failedChecks(r)).toEqual([]);
    expect(r.metrics?.cycles).toBeGreaterThanOrEqual(2);
    expect(r.operations.find((op) => op.name === 'failover')?.count).toBe(r.metrics?.cycles);
  });

  it('a lease that expires while its holder still renews lets two leases overlap', async () => {
    const r = await runElectionSuite(opts(), buggyElectionBackend({ expireFromAcquisition: true }), params());
    const c = check(r, 'no two live leases overlap');
    expect(c.passed).toBe(false);
    expect(c.detail).toMatch(/acquired \d+ ms before epoch \d+ .* expired/);
  });

  it('a store that refuses every campaign after the first leader fails "every failed leader was succeeded"', async () => {
    const r = await runElectionSuite(opts(), buggyElectionBackend({ grantOnce: true }), params());
    const c = check(r, 'every failed leader was succeeded');
    expect(c.status).toBe('failed');
    expect(c.detail).toMatch(/after its lease expired, was refused with nobody leading/);
  });

  it('an epoch handed out twice fails "at most one leader per epoch"', async () => {
    const r = await runElectionSuite(opts(), buggyElectionBackend({ reuseEpoch: true }), params());
    expect(check(r, 'at most one leader per epoch').passed).toBe(false);
  });
});

describe('bus suite against planted bugs', () => {
  const opts = () => suiteOptions();
  const params = () => flags(busParams, { publishRate: '300' });

  it('passes on a correct bus', async () => {
    const r = await runBusSuite(opts(), new MemoryBackend(), params());
    expect(failedChecks(r)).toEqual([]);
    expect(r.metrics?.messagesLost).toBe(0);
    expect(r.metrics?.delivered).toBe(r.metrics?.expectedDeliveries);
  });

  it('a bus that drops deliveries fails and counts the losses', async () => {
    const r = await runBusSuite(opts(), faultyBusBackend({ dropEvery: 29 }), params());
    expect(check(r, 'every message delivered to every subscriber').passed).toBe(false);
    expect(r.metrics?.messagesLost).toBeGreaterThan(0);
  });

  it('a bus that delivers twice (claiming exactly-once) fails and counts the duplicates', async () => {
    const r = await runBusSuite(opts(), faultyBusBackend({ duplicateEvery: 31 }), params());
    expect(check(r, 'no duplicate deliveries').passed).toBe(false);
    expect(r.metrics?.messagesDuplicated).toBeGreaterThan(0);
  });

  it('a bus that routes messages to a topic they were not published on fails with phantoms', async () => {
    const r = await runBusSuite(opts(), faultyBusBackend({ crossTalkEvery: 37 }), params());
    expect(check(r, 'no phantom messages').passed).toBe(false);
    expect(r.metrics?.messagesPhantom).toBeGreaterThan(0);
  });
});

describe('registry suite against planted bugs', () => {
  const opts = () => suiteOptions();
  const params = () => flags(registryParams, { staleAfter: '100ms' });

  it('passes on a correct registry', async () => {
    const r = await runRegistrySuite(opts(), new MemoryBackend(), params());
    expect(failedChecks(r)).toEqual([]);
  });

  it('a deregister that does not remove fails "deregistered agents gone"', async () => {
    const r = await runRegistrySuite(opts(), forgetfulRegistryBackend({ keepDeregistered: true }), params());
    expect(failedChecks(r)).toEqual(expect.arrayContaining(['deregistered agents gone', 'list never shows deregistered agents']));
    // Found by looking each listed id up in its owner's fate record, named by id.
    expect(check(r, 'deregistered agents gone').detail).toMatch(/agent-\d\/a\d+ is still listed after deregister/);
  });

  it('a reaper that reaps nothing fails "stale agents reaped"', async () => {
    const r = await runRegistrySuite(opts(), forgetfulRegistryBackend({ noReap: true }), params());
    expect(check(r, 'stale agents reaped').passed).toBe(false);
    expect(check(r, 'stale agents reaped').detail).toMatch(/agent-\d\/a\d+ was never heartbeated/);
  });
});
