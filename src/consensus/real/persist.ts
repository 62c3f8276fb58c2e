/**
 * Durable Raft state for a real node: an append-only file of JSON lines (term/vote changes, log
 * appends and truncations), written — and with `fsync` on, fsync'ed — before the messages that
 * depend on it go out, so a worker killed at any point restarts with every promise it made.
 * Replayed on start. Each write's duration is kept, so real mode reports its fsync latency.
 */
import { appendFileSync, closeSync, existsSync, fsyncSync, openSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { LogOp } from '../raft/log.js';
import { newPersistentState, type HardState, type PersistentState } from '../raft/node.js';
import type { Entry } from '../raft/types.js';

type Record = { t: number; v: number } | { a: Entry } | { x: number };

export class FilePersister {
  writes = 0;
  writeUs = 0;

  constructor(
    private readonly path: string,
    private readonly fsync = false,
  ) {}

  /** Loads the state written so far (empty state for a new file). */
  load(): PersistentState {
    const state = newPersistentState();
    if (!existsSync(this.path)) return state;
    const log = state.log;
    for (const line of readFileSync(this.path, 'utf8').split('\n')) {
      if (line === '') continue;
      let r: Record;
      try {
        r = JSON.parse(line) as Record;
      } catch {
        break; // a torn last line from a kill mid-write: everything before it stands
      }
      if ('t' in r) {
        state.term = r.t;
        state.votedFor = r.v;
      } else if ('a' in r) {
        if (r.a.index <= log.lastIndex) log.truncateFrom(r.a.index);
        log.append(r.a);
      } else if ('x' in r) log.truncateFrom(r.x);
    }
    return state;
  }

  /** Writes one Ready's changes; call before sending the messages that depend on them. */
  write(hard: HardState | undefined, ops: readonly LogOp[]): void {
    const lines: string[] = [];
    if (hard) lines.push(JSON.stringify({ t: hard.term, v: hard.votedFor }));
    for (const op of ops) lines.push(JSON.stringify('append' in op ? { a: op.append } : { x: op.truncateFrom }));
    if (lines.length === 0) return;
    const text = lines.join('\n') + '\n';
    const t0 = performance.now();
    if (this.fsync) {
      const fd = openSync(this.path, 'a');
      try {
        appendFileSync(fd, text);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } else appendFileSync(this.path, text);
    this.writes++;
    this.writeUs += (performance.now() - t0) * 1000;
  }
}
