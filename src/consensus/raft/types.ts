/** Raft's messages and log entries: plain data, so they cross a simulated or a real wire unchanged. */

export const NONE = -1;

export interface Entry {
  readonly term: number;
  readonly index: number;
  /** The client command, or null for the no-op a new leader appends to commit earlier terms. */
  readonly command: unknown;
}

export interface VoteRequest {
  type: 'vote';
  from: number;
  to: number;
  term: number;
  lastLogIndex: number;
  lastLogTerm: number;
  /** Pre-vote (Raft thesis §9.6): asks "would you vote for me?" without anyone changing term. */
  pre: boolean;
}

export interface VoteResponse {
  type: 'voteResp';
  from: number;
  to: number;
  term: number;
  granted: boolean;
  pre: boolean;
}

export interface AppendRequest {
  type: 'append';
  from: number;
  to: number;
  term: number;
  prevIndex: number;
  prevTerm: number;
  entries: readonly Entry[];
  commit: number;
}

export interface AppendResponse {
  type: 'appendResp';
  from: number;
  to: number;
  term: number;
  success: boolean;
  /** On success the follower's match index; on rejection the prevIndex that was rejected. */
  index: number;
  /** On rejection, where the leader should try next (the follower's last index or the start of a conflicting term, minus one). */
  hint: number;
}

export type RaftMessage = VoteRequest | VoteResponse | AppendRequest | AppendResponse;

export type RaftRole = 'follower' | 'precandidate' | 'candidate' | 'leader';

/** Approximate wire size of a message (a compact binary encoding), for bandwidth and bytesPerOp. */
export function messageBytes(m: RaftMessage, commandBytes: (c: unknown) => number): number {
  const header = 32;
  if (m.type !== 'append') return header;
  let n = header + 16;
  for (const e of m.entries) n += 16 + (e.command === null ? 0 : commandBytes(e.command));
  return n;
}
