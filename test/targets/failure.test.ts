/**
 * Failure behaviour: the server stops answering for about a second in the middle of a run — a
 * private redis-server this test starts itself, paused with SIGSTOP and resumed with SIGCONT; for
 * every backend, a loopback proxy that stalls all of the run's connections — while three workers
 * claim tasks and store memory entries. Errors are counted by reason and the recovery time (from
 * the moment the server answers again to the first operation that succeeds) is reported; the
 * invariants must still hold: no task claimed twice, no acknowledged memory write lost. Nothing
 * here asserts how long anything took.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { openBackend } from '../../src/targets/backend.js';
import type { Backend } from '../../src/targets/ports.js';
import type { ServerKind } from '../../src/targets/remote/spec.js';
import { waitFor } from './contract/harness.js';
import { cleaningUp, describeServer, freshNamespace, reachable, SERVER_URL } from './servers.js';
import { StallProxy } from './stall-proxy.js';

interface Outage {
  /** Stops the server answering; resolves once it does. */
  begin(): void;
  /** Lets it answer again. */
  end(): void;
}

interface Figures {
  operations: number;
  errorsByReason: Record<string, number>;
  recoveryMs: number | null;
  doubleClaims: string[];
  lostWrites: string[];
}

const TASKS = 100;
const OUTAGE_MS = 1000;

/** Three workers claim+complete and store entries through `subject`; the outage hits mid-run. */
async function runThroughOutage(subject: Backend, verify: Backend, outage: Outage): Promise<Figures> {
  for (let i = 0; i < TASKS; i++) await verify.tasks.create({ title: `t${i}`, priority: i % 5 });
  const claims = new Map<string, string[]>();
  const acked = new Map<string, string>();
  const errorsByReason: Record<string, number> = {};
  let operations = 0;
  let resumedAt = 0;
  let recoveredAt = 0;
  let outageDone = false;
  let stop = false;
  const succeeded = (): void => {
    operations++;
    if (resumedAt > 0 && recoveredAt === 0) recoveredAt = performance.now();
  };
  const worker = async (w: string): Promise<void> => {
    for (let n = 0; !stop; n++) {
      try {
        const task = await subject.tasks.claim(w);
        succeeded();
        if (task) {
          claims.set(task.id, [...(claims.get(task.id) ?? []), w]);
          await subject.tasks.complete(task.id, { by: w });
          succeeded();
        }
        const key = `${w}/${n}`;
        await subject.memory.store('acked', key, `v${n}`);
        acked.set(key, `v${n}`); // acknowledged: must be readable afterwards
        succeeded();
      } catch (err) {
        const reason = errorReason(err);
        errorsByReason[reason] = (errorsByReason[reason] ?? 0) + 1;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  };
  const workers = ['w1', 'w2', 'w3'].map(worker);
  // The outage starts once the workers are busy, and the run ends once they work again after it.
  await waitFor(() => operations >= 30, 'workers to get going', 20_000);
  outage.begin();
  await new Promise((r) => setTimeout(r, OUTAGE_MS));
  outage.end();
  resumedAt = performance.now();
  await waitFor(() => recoveredAt > 0, 'the first operation after the outage', 30_000);
  const after = operations;
  await waitFor(() => operations >= after + 30, 'work to continue after the outage', 30_000);
  stop = true;
  outageDone = true;
  await Promise.all(workers);
  const lostWrites: string[] = [];
  for (const [key, value] of acked) {
    const [ns, k] = ['acked', key];
    if ((await verify.memory.retrieve(ns, k))?.value !== value) lostWrites.push(key);
  }
  const doubleClaims = [...claims].filter(([, ws]) => ws.length > 1).map(([id, ws]) => `${id} claimed by ${ws.join(' and ')}`);
  // The store agrees: every task we saw claimed is claimed by the worker we recorded.
  for (const [id, ws] of claims) {
    const t = await verify.tasks.get(id);
    if (t && t.claimedBy !== ws[0]) doubleClaims.push(`${id}: store says ${t.claimedBy}, worker ${ws[0]} was told it had it`);
  }
  expect(outageDone).toBe(true);
  return { operations, errorsByReason, recoveryMs: recoveredAt > 0 ? recoveredAt - resumedAt : null, doubleClaims, lostWrites };
}

/** The error's code, else its class name (etcd3's GRPC errors have no code). */
function errorReason(err: unknown): string {
  const e = err as { code?: unknown; name?: string; constructor?: { name?: string } };
  if (typeof e.code === 'string' && e.code !== '') return e.code;
  return e.name && e.name !== 'Error' ? e.name : (e.constructor?.name ?? 'Error');
}

function report(label: string, f: Figures): void {
  const errors = Object.entries(f.errorsByReason).map(([r, n]) => `${r} ×${n}`).join(', ') || 'none';
  process.stdout.write(`[failure] ${label}: ${f.operations} ops, errors ${errors}, recovery ${f.recoveryMs === null ? 'n/a' : `${f.recoveryMs.toFixed(1)} ms`} after a ${OUTAGE_MS} ms outage\n`);
}

function holdsInvariants(f: Figures): void {
  expect(f.doubleClaims).toEqual([]);
  expect(f.lostWrites).toEqual([]);
  expect(f.recoveryMs).not.toBeNull();
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

for (const kind of ['redis', 'postgres', 'nats', 'etcd'] as const satisfies readonly ServerKind[]) {
  await describeServer(kind, () => {
    // stall: connections held open, nothing answered (a paused server). cut: every connection reset,
    // and new ones held until the end (a restarting server): in-flight operations fail and reconnect.
    it.each(['stall', 'cut'] as const)('connections %s for ~1 s (loopback proxy): no invariant broken, recovery reported', async (mode) => {
      const proxy = await StallProxy.start(SERVER_URL[kind]);
      const ns = freshNamespace();
      const subject = await openBackend(`${proxy.url(SERVER_URL[kind])}?ns=${ns}`, '/unused');
      const verify = await openBackend(`${SERVER_URL[kind]}?ns=${ns}`, '/unused');
      try {
        const begin = mode === 'stall' ? () => proxy.stall() : () => (proxy.stall(), proxy.cut());
        const f = await runThroughOutage(subject, verify, { begin, end: () => proxy.resume() });
        report(`${kind} (proxy ${mode})`, f);
        holdsInvariants(f);
      } finally {
        await subject.close();
        await cleaningUp(verify).close();
        await proxy.close();
      }
    }, 90_000);
  });
}

// SIGSTOP/SIGCONT only ever reach the redis-server this test started (by its own pid).
const redisBinary = await reachable(SERVER_URL.redis);
describe.skipIf(!redisBinary)('redis-server paused with SIGSTOP (a private server started by this test)', () => {
  let server: ChildProcess | undefined;
  afterAll(() => {
    server?.kill('SIGCONT');
    server?.kill('SIGTERM');
  });

  it('no double claim, no lost acknowledged write; recovery reported', async () => {
    const port = await freePort();
    server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const url = `redis://127.0.0.1:${port}`;
    for (let i = 0; i < 100 && !(await reachable(url)); i++) await new Promise((r) => setTimeout(r, 50));
    const subject = await openBackend(`${url}?ns=paused`, '/unused');
    const verify = await openBackend(`${url}?ns=paused`, '/unused');
    const pid = server.pid as number;
    try {
      const f = await runThroughOutage(subject, verify, { begin: () => process.kill(pid, 'SIGSTOP'), end: () => process.kill(pid, 'SIGCONT') });
      report('redis (SIGSTOP)', f);
      holdsInvariants(f);
    } finally {
      await subject.close();
      await verify.close();
    }
  }, 90_000);
});
