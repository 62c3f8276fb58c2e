/**
 * What a leader knows about one follower (etcd-io/raft's Progress): where to send next, what is
 * known to match, how many appends are unacknowledged, whether it is probing for the match point
 * after a rejection, and whether the follower has been heard from lately (check-quorum).
 */
export class Progress {
  /** Next index to send. */
  next: number;
  /** Highest index known to be stored on the follower. */
  match = 0;
  /** Appends with entries not yet acknowledged. */
  inflight = 0;
  /** Probing: one append at a time until the follower accepts one (after a rejection or a new term). */
  probing = true;
  /** The prevIndex of the probe in flight. */
  probePrev = -1;
  /** Heard from since the last check-quorum round. */
  recentActive = true;
  /** Heard from since the last heartbeat. */
  ackedSinceBeat = true;

  constructor(next: number) {
    this.next = next;
  }

  /** Whether another append with entries may go now (batching: one in flight; probing: one). */
  canSend(lastIndex: number, batch: boolean): boolean {
    const limit = batch || this.probing ? 1 : Number.POSITIVE_INFINITY;
    return this.inflight < limit && this.next <= lastIndex;
  }

  /** An append carrying entries after `prevIndex` went out. */
  sent(prevIndex: number, entries: number): void {
    if (entries === 0) return;
    if (this.probing) this.probePrev = prevIndex;
    else this.next = prevIndex + 1 + entries;
    this.inflight++;
  }

  /** The follower stores everything up to `index`. */
  acknowledged(index: number): void {
    this.inflight = Math.max(0, this.inflight - 1);
    if (index > this.match) this.match = index;
    if (this.next <= this.match) this.next = this.match + 1;
    if (this.probing && index >= this.probePrev) {
      this.probing = false;
      this.next = this.match + 1;
      this.inflight = 0;
    }
  }

  /** Back to probing from `next` (a rejection, or a heartbeat with no answer to outstanding entries). */
  probeFrom(next: number): void {
    this.probing = true;
    this.inflight = 0;
    this.next = Math.max(this.match + 1, next);
  }
}
