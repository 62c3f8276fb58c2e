/**
 * NATS KV LeaderElection: the lease is one key (`lease`) written with create/update on its
 * revision; the epoch is the KV revision of the write that took leadership. Revisions are the
 * bucket stream's sequence: strictly increasing, never reused — not even after reset(), which
 * purges the key but leaves the sequence where it was (remote/revision-lease.ts).
 */
import type { KV } from '@nats-io/kv';
import type { WallClockMs } from '../options.js';
import type { Counters } from '../remote/counters.js';
import { RevisionLeaseElection, type LeaseCell, type StoredLease } from '../remote/revision-lease.js';
import { getLive, isCasConflict } from './kv.js';

const KEY = 'lease';

function natsLeaseCell(kv: KV): LeaseCell {
  return {
    async read() {
      const entry = await getLive(kv, KEY);
      return entry ? { stored: entry.json<StoredLease>(), revision: entry.revision } : { stored: null, revision: 0 };
    },
    async write(lease, revision) {
      const json = JSON.stringify(lease);
      try {
        return await (revision === 0 ? kv.create(KEY, json) : kv.update(KEY, json, revision));
      } catch (err) {
        if (isCasConflict(err)) return null;
        throw err;
      }
    },
  };
}

export class NatsLeaderElection extends RevisionLeaseElection {
  constructor(kv: KV, now: WallClockMs, counters: Counters) {
    super(natsLeaseCell(kv), now, counters);
  }
}
