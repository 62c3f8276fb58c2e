#!/usr/bin/env node
// A Maelstrom lin-kv node built on swarmperf's own Raft (the pure RaftNode state machine): every
// read, write and cas goes through the replicated log, so the store is linearizable as long as a
// majority can talk. Run it with
//
//   swarmperf bench --protocol external --mode real --workload lin-kv \
//     --node "node examples/maelstrom-raft-kv.mjs" --nodes 3 --faults "partition 1|2,3@2s-4s"
//
// Protocol: JSON lines on stdin/stdout. Raft's own messages travel as {type: "raft", m}; a node
// that does not lead forwards a client's request to the leader it knows ({type: "fwd"}); the entry
// carries the node and request it came from, and that node answers its client once the entry is
// applied there. No known leader → error 11 (temporarily unavailable: definitely not done); a
// forwarded request lost with a leader → the client times out (indefinite), as it must.
//
// --dir DIR keeps term, vote and log in DIR/<node id>.json (written before the messages that depend
// on them leave), so a crashed node restarts with its promises kept. Without it a restarted node
// starts empty — a Maelstrom node has no durable state — which Raft does not survive safely.
//
// This file imports from the repository's build (npm run build). In your own project:
//   import { RaftNode, Rng, KvStore } from 'swarmperf';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { KvStore } from '../dist/consensus/kv/store.js';
import { RaftLog } from '../dist/consensus/raft/log.js';
import { RaftNode } from '../dist/consensus/raft/node.js';
import { Rng } from '../dist/measure/rng.js';

const dirFlag = process.argv.indexOf('--dir');
const dir = dirFlag > 0 ? process.argv[dirFlag + 1] : undefined;

let me = '';
let ids = [];
let raft;
const kv = new KvStore();
/** Requests of this node's clients waiting for their entry to apply, by request number. */
const waiting = new Map();
let nextRef = 0;
let timer;
let lastTick = 0;
const nowUs = () => Math.round(performance.now() * 1000);

const send = (dest, body) => process.stdout.write(JSON.stringify({ src: me, dest, body }) + '\n');
const reply = (m, body) => send(m.src, { ...body, in_reply_to: m.body.msg_id });

const stateFile = () => join(dir, `${me}.json`);
function loadState() {
  if (!dir) return undefined;
  try {
    const s = JSON.parse(readFileSync(stateFile(), 'utf8'));
    return { term: s.term, votedFor: s.votedFor, log: new RaftLog(s.entries) };
  } catch {
    return undefined;
  }
}
function saveState() {
  if (!dir) return;
  const tmp = `${stateFile()}.tmp`;
  writeFileSync(tmp, JSON.stringify({ term: raft.term, votedFor: raft.votedFor, entries: raft.log.all() }));
  renameSync(tmp, stateFile());
}

/** A Maelstrom request as a KvStore command, tagged with where to answer it. */
function command(body, ref) {
  const key = String(body.key);
  const base = { client: ids.indexOf(me) * 1_000_000_000 + ref, seq: 1, key, origin: me, ref };
  if (body.type === 'read') return { ...base, op: 'get' };
  if (body.type === 'write') return { ...base, op: 'put', value: String(body.value) };
  return { ...base, op: 'cas', from: String(body.from), to: String(body.to) };
}

/** The Maelstrom answer to an applied command. */
function answer(cmd, result) {
  if (cmd.op === 'get') return result.value === null ? { type: 'error', code: 20, text: 'no such key' } : { type: 'read_ok', value: Number(result.value) };
  if (cmd.op === 'put') return { type: 'write_ok' };
  if (result.ok) return { type: 'cas_ok' };
  return result.value === null ? { type: 'error', code: 20, text: 'no such key' } : { type: 'error', code: 22, text: `expected ${cmd.from}, found ${result.value}` };
}

function propose(cmd) {
  if (raft.propose(cmd).ok) return true;
  if (raft.leader < 0) return false;
  send(ids[raft.leader], { type: 'fwd', cmd });
  return true;
}

// The Ready loop: durable state first, then messages, then the committed entries.
function flush() {
  while (raft.hasReady()) {
    const r = raft.ready();
    if (r.persist) saveState();
    for (const m of r.messages) send(ids[m.to], { type: 'raft', m });
    for (const e of r.committed) {
      const result = kv.apply(e.index, e.command);
      const cmd = e.command;
      if (result && cmd && cmd.origin === me && waiting.has(cmd.ref)) {
        reply(waiting.get(cmd.ref), answer(cmd, result));
        waiting.delete(cmd.ref);
      }
    }
    raft.advance(r);
  }
  clearTimeout(timer);
  timer = setTimeout(onTimer, Math.max(1, Math.ceil(raft.ticksUntilTimer() / 1000)));
}

function catchUp() {
  const now = nowUs();
  if (now > lastTick) raft.tick(now - lastTick);
  lastTick = now;
}

function onTimer() {
  catchUp();
  flush();
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const m = JSON.parse(line);
  const b = m.body;
  if (b.type === 'init') {
    me = b.node_id;
    ids = b.node_ids;
    if (dir) mkdirSync(dir, { recursive: true });
    raft = new RaftNode(
      {
        id: ids.indexOf(me),
        members: ids.map((_, i) => i),
        electionTimeoutTicks: [300_000, 600_000],
        heartbeatTicks: 75_000,
        checkQuorum: true,
        rng: new Rng((ids.indexOf(me) + 1) * 7919 + (process.pid % 1000)),
      },
      loadState(),
    );
    lastTick = nowUs();
    reply(m, { type: 'init_ok' });
    flush();
    return;
  }
  if (!raft) return reply(m, { type: 'error', code: 11, text: 'not initialised' });
  catchUp();
  switch (b.type) {
    case 'raft':
      raft.step(b.m);
      break;
    case 'fwd':
      raft.propose(b.cmd); // not the leader any more: dropped, the client times out (indefinite)
      break;
    case 'read':
    case 'write':
    case 'cas': {
      const ref = nextRef++;
      waiting.set(ref, m);
      if (!propose(command(b, ref))) {
        waiting.delete(ref);
        reply(m, { type: 'error', code: 11, text: 'no leader known' });
      }
      break;
    }
    default:
      reply(m, { type: 'error', code: 10, text: `unsupported ${b.type}` });
  }
  flush();
});
