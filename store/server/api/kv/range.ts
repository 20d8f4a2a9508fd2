// KV.Range: linearizable by default (a ReadIndex round first), served from
// local state when the client asks for a serializable read.

import type * as w from '../../grpc/wire-types.js';
import { rangeIn, rangeOut } from '../../wire.js';
import type { ApiContext } from '../context.js';
import { unary } from '../unary.js';

export function range(ctx: ApiContext) {
  return unary<w.RangeRequest<'in'>, w.RangeResponse<'out'>>(ctx.log, 'Range', async (req) => {
    const r = rangeIn(req);
    if (!req.serializable) await ctx.readBarrier();
    return rangeOut(ctx.mvcc.range(r), (rev) => ctx.header(rev));
  });
}
