/**
 * Contention and failure counters of a server adapter, per operation, in the BackendStats shape
 * the suites fold into their results: `retries` are attempts repeated after a conflict (a lost
 * compare-and-set, a claim that lost its row) or a failed read; `busy` are events that cost the
 * caller something it could not retry away (e.g. `bus.lost`: Pub/Sub messages a subscriber missed).
 */
import type { BackendStats } from '../ports.js';

export class Counters {
  private readonly retries: Record<string, number> = {};
  private readonly busy: Record<string, number> = {};

  retry(operation: string, n = 1): void {
    this.retries[operation] = (this.retries[operation] ?? 0) + n;
  }

  fail(operation: string, n = 1): void {
    this.busy[operation] = (this.busy[operation] ?? 0) + n;
  }

  snapshot(): BackendStats {
    return { retries: { ...this.retries }, busy: { ...this.busy } };
  }
}
