// Lease.LeaseTimeToLive: the remaining TTL as the leader's lessor measures
// it (forwarded to the leader from elsewhere), the TTL granted, and the
// attached keys when asked. A lease that does not exist is not an error:
// etcd 3.4 answers TTL -1 (etcdctl prints "already expired").

import type * as w from '../../grpc/wire-types.js';
import { idIn, leaseOut } from '../../wire.js';
import type { ApiContext } from '../context.js';
import { unary } from '../unary.js';

export function leaseTimeToLive(ctx: ApiContext) {
  return unary<w.LeaseTimeToLiveRequest<'in'>, w.LeaseTimeToLiveResponse<'out'>>(
    ctx.log,
    'LeaseTimeToLive',
    async (req, call) => {
      const id = idIn(req.ID);
      const ac = new AbortController();
      call.once('cancelled', () => ac.abort());
      const found = await ctx.leases.timeToLive(id, req.keys, ac.signal);
      const header = ctx.header(ctx.mvcc.currentRevision());
      if (found === undefined) return { header, ID: leaseOut(id), TTL: -1 };
      return {
        header,
        ID: leaseOut(id),
        TTL: found.ttl,
        grantedTTL: found.grantedTtl,
        keys: found.keys,
      };
    },
  );
}
