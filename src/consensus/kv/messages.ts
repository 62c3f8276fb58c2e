/** What key-value clients and servers say to each other, whatever protocol orders the commands. */
import type { KvOp, KvResult } from './store.js';

export interface ClientRequest {
  type: 'req';
  client: number;
  seq: number;
  op: KvOp;
}

/**
 * When the leader (or primary) appended the command, saw it stored on a majority, committed it
 * and applied it. Times are on the host's clock: virtual µs in the simulator, epoch µs in real mode.
 */
export interface CommitPhases {
  appendedAt: number;
  replicatedAt: number;
  committedAt: number;
  appliedAt: number;
}

export interface ClientReply {
  type: 'reply';
  client: number;
  seq: number;
  ok: boolean;
  result?: KvResult;
  /** On failure: not-leader (with a hint) or lost (the entry was overwritten; retry). */
  error?: 'not-leader' | 'lost';
  leader?: number;
  phases?: CommitPhases;
}

/** Wire size of a client reply (for the bandwidth model). */
export const CLIENT_REPLY_BYTES = 32;

/** One command in a client history (the linearizability checker's input). */
export interface HistoryOp {
  client: number;
  op: KvOp;
  /** Invocation time (µs). */
  call: number;
  /** Response time (µs); undefined when the outcome is unknown. */
  ret?: number;
  /** Result when known. */
  result?: KvResult;
}

