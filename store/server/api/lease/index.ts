// The Lease service (one file per RPC). A learner serves none of it, as in
// etcd 3.4 (learner-guard.ts).

import type { LeaseHandlers } from '../../grpc/wire-types.js';
import type { ApiContext } from '../context.js';
import { learnerGuarded } from '../learner-guard.js';
import { leaseGrant } from './lease-grant.js';
import { leaseKeepAlive } from './lease-keep-alive.js';
import { leaseLeases } from './lease-leases.js';
import { leaseRevoke } from './lease-revoke.js';
import { leaseTimeToLive } from './lease-time-to-live.js';

export function leaseService(ctx: ApiContext): LeaseHandlers {
  return learnerGuarded(ctx, {
    LeaseGrant: leaseGrant(ctx),
    LeaseRevoke: leaseRevoke(ctx),
    LeaseKeepAlive: leaseKeepAlive(ctx),
    LeaseTimeToLive: leaseTimeToLive(ctx),
    LeaseLeases: leaseLeases(ctx),
  });
}
