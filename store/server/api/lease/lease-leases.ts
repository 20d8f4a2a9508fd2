// Lease.LeaseLeases: every lease this member knows, from its own mirror of
// the lease table (etcd answers locally too, soonest expiry first on the
// leader).

import type * as w from '../../grpc/wire-types.js';
import { leaseOut } from '../../wire.js';
import type { ApiContext } from '../context.js';
import { unary } from '../unary.js';

export function leaseLeases(ctx: ApiContext) {
  return unary<w.LeaseLeasesRequest<'in'>, w.LeaseLeasesResponse<'out'>>(
    ctx.log,
    'LeaseLeases',
    async () => ({
      header: ctx.header(ctx.mvcc.currentRevision()),
      leases: ctx.leases.list().map((id) => ({ ID: leaseOut(id) })),
    }),
  );
}
