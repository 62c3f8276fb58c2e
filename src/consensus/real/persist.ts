/**
 * Durable Raft state for a real node: an append-only file of JSON lines (term/vote changes, log
 * appends and truncations), written synchronously before the node's messages go out, so a worker
 * killed at any point restarts with every promise it made. Replayed on start.
 */
import { appendFileSync, existsSync, fsyncSync, openSync, closeSync, readFileSync } from 'node:fs';
import { RaftLog } from '../raft/log.js';
import { newPersistentState, type PersistentState } from '../raft/node.js';
import type { Entry } from '../raft/types.js';

type Record = { t: number; v: number } | { a: Entry } | { x: number };

export class FilePersister {
  private pending: string[] = [];
  private lastTerm = -1;
  private lastVote = -2;

  constructor(
    private readonly path: string,
    private readonly fsync = false,
  ) {}

  /** Loads the state written so far (empty state for a new file) and starts listening to its log. */
  load(): PersistentState {
    const state = newPersistentState();
    if (existsSync(this.path)) {
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
    }
    this.lastTerm = state.term;
    this.lastVote = state.votedFor;
    this.attach(state.log);
    return state;
  }

  private attach(log: RaftLog): void {
    log.listener = {
      appended: (e) => this.pending.push(JSON.stringify({ a: e })),
      truncated: (i) => this.pending.push(JSON.stringify({ x: i })),
    };
  }

  /** Writes what changed since the last call; call before sending the node's messages. */
  flush(state: PersistentState): void {
    if (state.term !== this.lastTerm || state.votedFor !== this.lastVote) {
      this.pending.push(JSON.stringify({ t: state.term, v: state.votedFor }));
      this.lastTerm = state.term;
      this.lastVote = state.votedFor;
    }
    if (this.pending.length === 0) return;
    const text = this.pending.join('\n') + '\n';
    this.pending = [];
    if (this.fsync) {
      const fd = openSync(this.path, 'a');
      try {
        appendFileSync(fd, text);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } else appendFileSync(this.path, text);
  }
}
