/**
 * Which coordination servers are up, and fresh namespaces on them for tests. A test file for a
 * server adapter calls `describeServer(kind, body)`: when the server is not reachable its tests are
 * reported as SKIPPED with the command that starts it — except under CI=true, where an unreachable
 * server is a failure (CI starts every service first).
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { openBackend } from '../../src/targets/backend.js';
import type { Backend } from '../../src/targets/ports.js';
import type { ServerKind } from '../../src/targets/remote/spec.js';
import type { MakeBackend } from './contract/harness.js';

export const SERVER_URL: Record<ServerKind, string> = {
  redis: process.env.SWARMPERF_TEST_REDIS ?? 'redis://127.0.0.1:6379',
  postgres: process.env.SWARMPERF_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test',
  nats: process.env.SWARMPERF_TEST_NATS ?? 'nats://127.0.0.1:4222',
  etcd: process.env.SWARMPERF_TEST_ETCD ?? 'etcd://127.0.0.1:2379',
};

const START = 'bash scripts/services.sh start';

/** Whether something accepts TCP connections at the URL's host and port (1 s at most). */
export function reachable(url: string): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: u.hostname, port: Number(u.port) });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** A namespace no other test (or run) uses. */
export function freshNamespace(): string {
  return `t${randomBytes(6).toString('hex')}`;
}

/** The spec of a fresh namespace on the server, with extra tuning after `&`. */
export function freshSpec(kind: ServerKind, tuning = ''): string {
  return `${SERVER_URL[kind]}?ns=${freshNamespace()}${tuning ? `&${tuning}` : ''}`;
}

/** Removes everything the backend put on the server (its own namespace only) when it closes. */
export function cleaningUp(backend: Backend): Backend {
  const close = backend.close.bind(backend);
  const destroy = (backend as { destroy?: () => Promise<void> }).destroy?.bind(backend);
  return Object.assign(backend, {
    close: async () => {
      await destroy?.();
      await close();
    },
  });
}

/**
 * A contract-suite factory: every call gets a namespace no open backend uses, emptied by reset().
 * Namespaces are recycled (creating a PostgreSQL schema or NATS buckets costs far more than a
 * test), and all of them are removed from the server after the file's tests.
 */
export function freshBackendFactory(kind: ServerKind, tuning = ''): MakeBackend {
  const idle: string[] = [];
  const used: string[] = [];
  afterAll(async () => {
    for (const ns of used.splice(0)) {
      const b = await openBackend(`${SERVER_URL[kind]}?ns=${ns}`, '/unused');
      await cleaningUp(b).close();
    }
  });
  return async ({ now }) => {
    let ns = idle.pop();
    if (ns === undefined) used.push((ns = freshNamespace()));
    const backend = await openBackend(`${SERVER_URL[kind]}?ns=${ns}${tuning ? `&${tuning}` : ''}`, '/unused', { now });
    await backend.reset();
    const close = backend.close.bind(backend);
    const name = ns;
    return Object.assign(backend, {
      close: async () => {
        await backend.reset();
        await close();
        idle.push(name);
      },
    });
  };
}

export async function describeServer(kind: ServerKind, body: () => void): Promise<void> {
  const url = SERVER_URL[kind];
  if (await reachable(url)) {
    describe(kind, body);
    return;
  }
  if (process.env.CI === 'true') {
    describe(kind, () => {
      it(`${kind} server reachable at ${url}`, () => {
        throw new Error(`${kind} server not reachable at ${url} under CI=true; start it with: ${START}`);
      });
    });
    return;
  }
  describe.skip(`${kind} at ${url} is not reachable — start it with: ${START}`, body);
}

/**
 * The five coordination suites, briefly, with agents as separate processes against the server
 * (every invariant checked), on a fresh namespace removed afterwards. Agents are forked from
 * dist/, which `npm test` builds first.
 */
export function describeSuitesOn(kind: ServerKind, tuning = ''): void {
  describe(`the five suites · ${kind}${tuning ? ` (${tuning})` : ''}`, () => {
    for (const suite of ['tasks', 'memory', 'election', 'bus', 'registry'] as const) {
      it(`${suite}: agents as processes, every check passes`, async () => {
        const { runSuiteOn } = await import('./suite-runner.js');
        const namespace = freshNamespace();
        const spec = `${SERVER_URL[kind]}?ns=${namespace}${tuning ? `&${tuning}` : ''}`;
        try {
          await runSuiteOn(suite, spec);
        } finally {
          await cleaningUp(await openBackend(spec, '/unused')).close();
        }
      });
    }
  });
}

/**
 * reset() of one namespace leaves every other namespace on the same server alone, and what must
 * only grow (task ids; with `epochs`, leader epochs) keeps growing across it.
 */
export function describeNamespaceIsolation(kind: ServerKind, title: string, options: { epochs: boolean }): void {
  describe('namespaces', () => {
    it(title, async () => {
      const mine = cleaningUp(await openBackend(freshSpec(kind), '/unused'));
      const other = cleaningUp(await openBackend(freshSpec(kind), '/unused'));
      try {
        await other.memory.store('ns', 'k', 'theirs');
        await mine.memory.store('ns', 'k', 'mine');
        const before = await mine.tasks.create({ title: 'mine', priority: 1 });
        const lease = options.epochs ? (await mine.election.campaign('a', 60_000))! : undefined;
        await mine.reset();
        expect(await mine.memory.retrieve('ns', 'k')).toBeNull();
        expect((await other.memory.retrieve('ns', 'k'))?.value).toBe('theirs');
        expect((await mine.tasks.create({ title: 'again', priority: 1 })).id).not.toBe(before.id);
        if (lease) expect((await mine.election.campaign('b', 60_000))!.epoch).toBeGreaterThan(lease.epoch);
      } finally {
        await mine.close();
        await other.close();
      }
    });
  });
}
