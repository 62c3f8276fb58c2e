/** Options every adapter accepts. */

/** Epoch milliseconds. Leases, heartbeats and TTLs cross processes, so they run on wall time. */
export type WallClockMs = () => number;

export interface AdapterOptions {
  /**
   * The clock for timestamps, TTLs and leases (default Date.now). Tests inject a fake one so TTL
   * expiry and lease expiry are checked without sleeping.
   */
  now?: WallClockMs;
}
