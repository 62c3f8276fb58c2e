/**
 * The real-transport host: one protocol node in a worker thread, fed by TCP (peers arrive through
 * the fault proxy, clients connect directly), timed by the real clock (1 tick = 1 µs), running the
 * same Ready/advance loop as the simulator host — state made durable before the messages that
 * depend on it leave. The protocol comes in through an adapter (today Raft's, raft-adapter.ts).
 */
import { createConnection, createServer, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import type { ClientRequest } from '../kv/messages.js';
import type { Outbound } from '../protocol.js';
import { readFrames, writeFrame } from './frames.js';
import { raftAdapter, type RaftReport, type RaftWorkerData, type RealAdapter } from './raft-adapter.js';

export type NodeWorkerData = RaftWorkerData;

export type ToWorker = { type: 'peers'; ports: number[] } | { type: 'dump' };
export type FromWorker = { type: 'ready'; port: number } | { type: 'warn'; message: string } | RaftReport;

const nowUs = (): number => Math.round((performance.timeOrigin + performance.now()) * 1000);

/** The adapter for the protocol named in the worker's data. */
function adapterFor(d: NodeWorkerData, post: (m: FromWorker) => void): RealAdapter {
  switch (d.protocol) {
    case 'raft':
      return raftAdapter(d, post);
  }
}

function main(): void {
  const d = workerData as NodeWorkerData;
  const port = parentPort;
  if (!port) throw new Error('node-worker: must run in a worker thread');
  const adapter = adapterFor(d, (m) => port.postMessage(m));
  const node = adapter.node;

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
    if (elapsed > 0) node.tick(elapsed, now);
  };

  const sendAll = (out: readonly Outbound[]): void => {
    for (const o of out) {
      const s = o.toClient ? clientSockets.get(o.to) : peerSocket(o.to);
      if (s && !s.destroyed) writeFrame(s, o.message);
    }
  };

  // The Ready loop: what may go at once goes; the write is made durable (synchronously, so the
  // loop needs no second Ready in flight); then what depended on it goes and the node advances.
  const flush = (): void => {
    while (node.hasReady()) {
      const r = node.ready(nowUs());
      sendAll(r.now);
      if (r.persist) adapter.persist(r);
      sendAll(r.afterPersist);
      node.advance(r, nowUs());
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
        const f = frame as { type: string } & Partial<ClientRequest>;
        catchUp();
        // A client's request: answers go back on the socket it came from.
        if (f.type === 'req' && f.client !== undefined) clientSockets.set(f.client, socket);
        node.step(f, nowUs());
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
      port.postMessage(adapter.dump() satisfies FromWorker);
    }
  });
}

main();
