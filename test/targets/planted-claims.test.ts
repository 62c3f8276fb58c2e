/**
 * The claim check can fail: for every server backend, a claim with a planted bug — read the best
 * pending task, then write it as claimed in a SECOND round trip, the race each adapter's atomic
 * claim exists to prevent — hands one task to several workers, and the same check that passes on
 * the real adapter's claim (each task to exactly one worker, as in the TaskStore contract) catches
 * it. The planted claims use each server's raw client on the adapter's own key layout.
 */
import { connect } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { Etcd3 } from 'etcd3';
import { Redis } from 'ioredis';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openBackend } from '../../src/targets/backend.js';
import type { Backend } from '../../src/targets/ports.js';
import type { ServerKind } from '../../src/targets/remote/spec.js';
import { cleaningUp, describeServer, freshNamespace, SERVER_URL } from './servers.js';

/** A claim: the id of the task this worker was given, or null. */
type Claim = (worker: string) => Promise<string | null>;

interface Planted {
  claim: Claim;
  close(): Promise<void>;
}

const TASKS = 30;
const CLAIMERS = 45;

/** Tasks handed to more than one worker. */
function doubleClaims(results: Array<{ worker: string; id: string | null }>): string[] {
  const byTask = new Map<string, string[]>();
  for (const r of results) if (r.id !== null) byTask.set(r.id, [...(byTask.get(r.id) ?? []), r.worker]);
  return [...byTask].filter(([, workers]) => workers.length > 1).map(([id, workers]) => `${id} claimed by ${workers.join(' and ')}`);
}

async function claimConcurrently(claims: Claim[]): Promise<string[]> {
  const results = await Promise.all(Array.from({ length: CLAIMERS }, async (_, i) => ({ worker: `w${i}`, id: await (claims[i % claims.length] as Claim)(`w${i}`) })));
  return doubleClaims(results);
}

/** The same claim, done the wrong way: read, then write in a second round trip. */
async function plantedClaim(kind: ServerKind, ns: string): Promise<Planted> {
  if (kind === 'redis') {
    const redis = new Redis(SERVER_URL.redis);
    const p = `swarmperf:{${ns}}:`;
    return {
      claim: async (worker) => {
        const [member] = await redis.zrange(`${p}tasks:pending`, '0', '0');
        if (member === undefined) return null;
        const seq = Number(member);
        await redis.multi().zrem(`${p}tasks:pending`, member).hset(`${p}task:${seq}`, 'status', 'claimed', 'claimedBy', worker).exec();
        return `task-${seq}`;
      },
      close: async () => void (await redis.quit()),
    };
  }
  if (kind === 'postgres') {
    const pool = new pg.Pool({ connectionString: SERVER_URL.postgres, options: `-c search_path=swarmperf_${ns}`, max: 4 });
    return {
      claim: async (worker) => {
        const { rows } = await pool.query<{ seq: string }>("SELECT seq FROM tasks WHERE status = 'pending' ORDER BY priority DESC, seq LIMIT 1");
        if (!rows[0]) return null;
        await pool.query("UPDATE tasks SET status = 'claimed', claimed_by = $1 WHERE seq = $2", [worker, rows[0].seq]);
        return `task-${rows[0].seq}`;
      },
      close: () => pool.end(),
    };
  }
  if (kind === 'nats') {
    const nc = await connect({ servers: SERVER_URL.nats });
    const kv = await new Kvm(nc).open(`swarmperf_${ns}`);
    return {
      claim: async (worker) => {
        const keys: string[] = [];
        for await (const k of await kv.keys('t.>')) keys.push(k);
        const tasks = (await Promise.all(keys.map((k) => kv.get(k)))).flatMap((e) => (e && e.operation === 'PUT' ? [e.json<{ seq: number; status: string; priority: number }>()] : []));
        const best = tasks.filter((t) => t.status === 'pending').sort((a, b) => b.priority - a.priority || a.seq - b.seq)[0];
        if (!best) return null;
        await kv.put(`t.${best.seq}`, JSON.stringify({ ...best, status: 'claimed', claimedBy: worker })); // no revision check
        return `task-${best.seq}`;
      },
      close: () => nc.close(),
    };
  }
  const client = new Etcd3({ hosts: SERVER_URL.etcd.replace(/^etcd:/, 'http:') });
  const ns_ = client.namespace(`swarmperf/${ns}/`);
  return {
    claim: async (worker) => {
      const res = await ns_.getAll().prefix('t/').exec();
      const tasks = res.kvs.map((kv) => JSON.parse(kv.value.toString()) as { seq: number; status: string; priority: number });
      const best = tasks.filter((t) => t.status === 'pending').sort((a, b) => b.priority - a.priority || a.seq - b.seq)[0];
      if (!best) return null;
      await ns_.put(`t/${best.seq}`).value(JSON.stringify({ ...best, status: 'claimed', claimedBy: worker })).exec(); // no mod_revision compare
      return `task-${best.seq}`;
    },
    close: async () => client.close(),
  };
}

async function openShared(kind: ServerKind, ns: string, n: number): Promise<Backend[]> {
  return Promise.all(Array.from({ length: n }, () => openBackend(`${SERVER_URL[kind]}?ns=${ns}`, '/unused')));
}

async function seed(backend: Backend): Promise<void> {
  for (let i = 0; i < TASKS; i++) await backend.tasks.create({ title: `t${i}`, priority: i % 3 });
}

for (const kind of ['redis', 'postgres', 'nats', 'etcd'] as const) {
  await describeServer(kind, () => {
    describe('planted non-atomic claim', () => {
      it('the real claim gives every task to exactly one of many concurrent workers on 3 connections', async () => {
        const ns = freshNamespace();
        const backends = await openShared(kind, ns, 3);
        try {
          await seed(backends[0] as Backend);
          const claims = backends.map((b): Claim => async (w) => (await b.tasks.claim(w))?.id ?? null);
          expect(await claimConcurrently(claims)).toEqual([]);
          expect(await (backends[0] as Backend).tasks.list('pending')).toEqual([]);
        } finally {
          for (const b of backends.slice(1)) await b.close();
          await cleaningUp(backends[0] as Backend).close();
        }
      });

      it('a read-then-write claim is caught handing one task to two workers', async () => {
        const ns = freshNamespace();
        const [owner] = await openShared(kind, ns, 1);
        const planted = await Promise.all([plantedClaim(kind, ns), plantedClaim(kind, ns), plantedClaim(kind, ns)]);
        try {
          await seed(owner as Backend);
          const violations = await claimConcurrently(planted.map((p) => p.claim));
          expect(violations.length).toBeGreaterThan(0);
          expect(violations[0]).toMatch(/^task-\d+ claimed by w\d+ and w\d+/);
        } finally {
          for (const p of planted) await p.close();
          await cleaningUp(owner as Backend).close();
        }
      });
    });
  });
}
