/**
 * The seam every consensus or dissemination protocol plugs into, in the etcd-io/raft style: the
 * protocol is a pure state machine (no I/O, no clock); a host — the deterministic simulator or a
 * real transport — feeds it messages and time and carries out what it asks for.
 *
 *   step(message)   a message from a peer or a client arrives
 *   tick(n)         n ticks of logical time pass (swarmperf's hosts: 1 tick = 1 µs)
 *   propose(cmd)    a client command, if this node can take one now
 *   ready()         what the node wants done: state to make durable, messages to send (some only
 *                   after that state is durable, some at once), entries newly committed
 *   advance(ready)  the host did all of it (the write is durable, the messages are sent)
 *
 * A host never calls ready() with a Ready of the same node still unadvanced unless the protocol
 * says it may (`Ready.persist` absent) — so while a disk write is in flight the node keeps
 * stepping and its next Ready carries everything gathered meanwhile: group commit falls out of
 * the contract, as in etcd.
 */

/** A message on its way: to a member (0..n-1) or, with `toClient`, to client number `to`. */
export interface Outbound {
  to: number;
  toClient?: boolean;
  message: unknown;
  /** Approximate wire size (compact binary encoding), for bandwidth and bytesPerOp. */
  bytes: number;
}

/** State the node needs on stable storage before some of its messages may leave. */
export interface DurableWrite {
  bytes: number;
  /** Log entries in the write (0 for a term/vote change only). */
  entries: number;
}

export interface Ready {
  /** To make durable first; undefined when nothing changed. */
  persist: DurableWrite | undefined;
  /** Messages that may leave only once `persist` is durable (votes, acks of appended entries). */
  afterPersist: Outbound[];
  /** Messages that may leave at once, in parallel with the write (a leader's appends, Raft thesis §10.2.1). */
  now: Outbound[];
}

export interface ProtocolNode {
  readonly id: number;
  step(message: unknown, nowUs: number): void;
  tick(ticks: number, nowUs: number): void;
  /** Ticks until the next timer would fire (the host may sleep that long). */
  ticksUntilTimer(): number;
  hasReady(): boolean;
  ready(nowUs: number): Ready;
  /** The host has made `ready.persist` durable and sent its messages. */
  advance(ready: Ready, nowUs: number): void;
  /** The leader's term, if this node leads now (only protocols with a leader). */
  leading?(): { term: number } | undefined;
  /** CPU work a message costs this node, in units the host prices (log entries, signatures checked). */
  workUnits?(message: unknown): number;
}

export const emptyReady = (): Ready => ({ persist: undefined, afterPersist: [], now: [] });
