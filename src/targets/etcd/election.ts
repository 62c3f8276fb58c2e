/**
 * etcd LeaderElection: one key (`lease`) changed only by transactions on its mod_revision; the
 * epoch is the etcd revision of the write that took leadership (cluster-wide, never reused:
 * deleting keys in reset() does not move it back). etcd's own election API campaigns on an etcd
 * lease kept alive in real time; the port's leases expire on the caller's clock and renew with a
 * fencing epoch, so the same mechanism — a revision-checked key — is used directly
 * (remote/revision-lease.ts).
 */
import type { Namespace } from 'etcd3';
import type { WallClockMs } from '../options.js';
import type { Counters } from '../remote/counters.js';
import { RevisionLeaseElection, type LeaseCell, type StoredLease } from '../remote/revision-lease.js';
import { read } from './kv.js';

const KEY = 'lease';

function etcdLeaseCell(ns: Namespace): LeaseCell {
  return {
    async read() {
      const got = await read<StoredLease>(ns, KEY);
      return got ? { stored: got.value, revision: got.revision } : { stored: null, revision: 0 };
    },
    async write(lease, revision) {
      const txn = revision === 0 ? ns.if(KEY, 'Create', '==', 0) : ns.if(KEY, 'Mod', '==', revision);
      const res = await txn.then(ns.put(KEY).value(JSON.stringify(lease))).commit();
      return res.succeeded ? Number(res.header.revision) : null;
    },
  };
}

export class EtcdLeaderElection extends RevisionLeaseElection {
  constructor(ns: Namespace, now: WallClockMs, counters: Counters) {
    super(etcdLeaseCell(ns), now, counters);
  }
}
