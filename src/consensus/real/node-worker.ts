/**
 * One real Raft server in a worker thread: the same RaftHost as in the simulator, fed by TCP
 * (peers arrive through the fault proxy, clients connect directly), timed by the real clock
 * (1 tick = 1 µs), its term, vote and log written to a file before any message leaves.
 */
import { createConnection, createServer, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { Rng } from '../../measure/rng.js';
import type { ClientRequest } from '../kv/messages.js';
import { RaftNode } from '../raft/node.js';
import type { Outbound } from '../protocol.js';
import { RaftHost } from '../raft-kv/server.js';
import type { Entry, RaftMessage } from '../raft/types.js';
import { readFrames, writeFrame } from './frames.js';
import { FilePersister } from './persist.js';

export interface NodeWorkerData {
  id: number;
  members: number[];
  electionTimeoutUs: [number, number];
  heartbeatUs: number;
  preVote: boolean;
  checkQuorum: boolean;
  batch: boolean;
  maxEntriesPerAppend: number;
  seed: number;
  dataPath: string;
  fsync: boolean;
}

export type ToWorker = { type: 'peers'; ports: number[] } | { type: 'dump' };
export type FromWorker =
  | { type: 'ready'; port: number }
  | { type: 'leader'; node: number; term: number; atUs: number; terms?: number[] }
  | { type: 'applied'; node: number; entries: Array<{ entry: Entry; atUs: number }> }
  | { type: 'dump'; node: number; entries: Entry[]; writes: number; writeUs: number }
  | { type: 'warn'; message: string };

const nowUs = (): number => Math.round((performance.timeOrigin + performance.now()) * 1000);

function main(): void {
  const d = workerData as NodeWorkerData;
  const port = parentPort;
  if (!port) throw new Error('node-worker: must run in a worker thread');
  const persister = new FilePersister(d.dataPath, d.fsync);
  const state = persister.load();
  const node = new RaftNode(
    {
      id: d.id,
      members: d.members,
      electionTimeoutTicks: d.electionTimeoutUs,
      heartbeatTicks: d.heartbeatUs,
      preVote: d.preVote,
      checkQuorum: d.checkQuorum,
      batch: d.batch,
      maxEntriesPerAppend: d.maxEntriesPerAppend,
      // A restart draws new timeouts: seed from the time, like a real server would.
      rng: new Rng((d.seed ^ Math.floor(performance.now() * 1000)) >>> 0),
    },
    state,
  );
  let appliedBatch: Array<{ entry: Entry; atUs: number }> = [];
  const host = new RaftHost(node, {
    leaderElected: (id, term, atUs) => {
      const msg: FromWorker = { type: 'leader', node: id, term, atUs };
      if (node.log.lastIndex <= 20_000) msg.terms = node.log.all().map((e) => e.term);
      port.postMessage(msg);
    },
    applied: (id, entry, atUs) => {
      appliedBatch.push({ entry, atUs });
      if (appliedBatch.length === 1) setTimeout(flushApplied, 5);
    },
  });
  const flushApplied = (): void => {
    if (appliedBatch.length === 0) return;
    port.postMessage({ type: 'applied', node: d.id, entries: appliedBatch } satisfies FromWorker);
    appliedBatch = [];
  };

  let lastTick = nowUs();
  let timer: NodeJS.Timeout | undefined;
  const peers = new Map<number, Socket>();
  const clientSockets = new Map<number, Socket>();
  let peerPorts: number[] = [];

  const peerSocket = (to: number): Socket | undefined => {
    let s = peers.get(to);
    if (s && !s.destroyed) return s;
    const p = peerPorts[to];
    if (p === undefined) return undefined;
    s = createConnection({ host: '127.0.0.1', port: p });
    s.setNoDelay(true);
    s.on('error', () => peers.delete(to));
    s.on('close', () => peers.delete(to));
    peers.set(to, s);
    return s;
  };

  const catchUp = (): void => {
    const now = nowUs();
    const elapsed = now - lastTick;
    lastTick = now;
    if (elapsed > 0) host.tick(elapsed, now);
  };

  const sendAll = (out: Outbound[]): void => {
    for (const o of out) {
      const s = o.toClient ? clientSockets.get(o.to) : peerSocket(o.to);
      if (s && !s.destroyed) writeFrame(s, o.message);
    }
  };

  // The Ready loop: what may go at once goes; the write is made durable (synchronously, so the
  // loop needs no second Ready in flight); then what depended on it goes and the node advances.
  const flush = (): void => {
    while (host.hasReady()) {
      const r = host.ready(nowUs());
      sendAll(r.now);
      const raft = r.raft;
      if (raft.persist) persister.write(raft.persist.hard, raft.persist.ops);
      sendAll(r.afterPersist);
      host.advance(r, nowUs());
    }
    if (timer) clearTimeout(timer);
    timer = setTimeout(onTimer, Math.max(1, Math.ceil(node.ticksUntilTimer() / 1000)));
  };

  const onTimer = (): void => {
    timer = undefined;
    catchUp();
    flush();
  };

  const server = createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    readFrames(
      socket,
      (frame) => {
        const f = frame as RaftMessage | ClientRequest;
        catchUp();
        if (f.type === 'req') {
          clientSockets.set(f.client, socket);
          host.clientRequest(f, nowUs());
        } else host.step(f, nowUs());
        flush();
      },
      (message) => port.postMessage({ type: 'warn', message: `node ${d.id + 1}: ${message}` } satisfies FromWorker),
    );
  });
  server.listen(0, '127.0.0.1', () => {
    const addr = server.address();
    port.postMessage({ type: 'ready', port: typeof addr === 'object' && addr ? addr.port : 0 } satisfies FromWorker);
  });

  port.on('message', (msg: ToWorker) => {
    if (msg.type === 'peers') {
      peerPorts = msg.ports;
      for (const s of peers.values()) s.destroy();
      peers.clear();
      flush();
    } else if (msg.type === 'dump') {
      flushApplied();
      port.postMessage({ type: 'dump', node: d.id, entries: [...node.log.all()], writes: persister.writes, writeUs: persister.writeUs } satisfies FromWorker);
    }
  });
}

main();
