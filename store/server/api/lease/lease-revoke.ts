// Lease.LeaseRevoke: through Raft; answered once applied here, when the
// lease and every key attached to it are gone (one revision for the keys).
// A lease that does not exist: "requested lease not found".

import type * as w from '../../grpc/wire-types.js';
import { idIn } from '../../wire.js';
import type { ApiContext } from '../context.js';
import { unary } from '../unary.js';

export function leaseRevoke(ctx: ApiContext) {
  return unary<w.LeaseRevokeRequest<'in'>, w.LeaseRevokeResponse<'out'>>(
    ctx.log,
    'LeaseRevoke',
    async (req) => {
      const res = await ctx.propose({ leaseRevoke: { id: idIn(req.ID) } });
      if (!('leaseRevoke' in res)) throw new Error('lease revoke answered with another response');
      return { header: ctx.header(res.leaseRevoke.revision) };
    },
  );
}
