// Lease.LeaseGrant: the id (the client's, or one this server picks for 0)
// and the TTL — raised to the minimum (etcd's minLeaseTTL, 1.5 election
// timeouts: any TTL below it, 0 and negatives included, gets it) — are
// decided here and replicated through Raft. The answer carries the TTL
// granted, as etcd's does.

import { minLeaseTtlSeconds } from '../../../limits.js';
import { validateLeaseGrant } from '../../../mvcc/index.js';
import type * as w from '../../grpc/wire-types.js';
import { checkQuota, leaseGrantCostBytes } from '../../quota.js';
import { idIn, leaseOut, revisionIn } from '../../wire.js';
import type { ApiContext } from '../context.js';
import { unary } from '../unary.js';
import { randomLeaseId } from './lease-id.js';

export function leaseGrant(ctx: ApiContext) {
  return unary<w.LeaseGrantRequest<'in'>, w.LeaseGrantResponse<'out'>>(
    ctx.log,
    'LeaseGrant',
    async (req) => {
      // As etcd: the space quota first (a grant stores a lease record).
      await checkQuota(ctx, leaseGrantCostBytes);
      const asked = idIn(req.ID);
      const grant = {
        id: asked === 0n ? randomLeaseId() : asked,
        // Saturates instead of rounding: a TTL beyond 2^53 stays "too large".
        ttl: Math.max(revisionIn(req.TTL), minLeaseTtlSeconds(ctx.cfg.electionTimeoutMs)),
      };
      const invalid = validateLeaseGrant(grant);
      if (invalid) throw invalid;
      const res = await ctx.propose({ leaseGrant: grant });
      if (!('leaseGrant' in res)) throw new Error('lease grant answered with another response');
      return {
        header: ctx.header(res.leaseGrant.revision),
        ID: leaseOut(res.leaseGrant.id),
        TTL: res.leaseGrant.ttl,
      };
    },
  );
}
