// KV.DeleteRange: validated here, then proposed.

import { validateDeleteRange } from '../../../mvcc/index.js';
import type * as w from '../../grpc/wire-types.js';
import { deleteRangeIn, deleteRangeOut } from '../../wire.js';
import type { ApiContext } from '../context.js';
import { unary } from '../unary.js';

export function deleteRange(ctx: ApiContext) {
  return unary<w.DeleteRangeRequest<'in'>, w.DeleteRangeResponse<'out'>>(
    ctx.log,
    'DeleteRange',
    async (req) => {
      const d = deleteRangeIn(req);
      const invalid = validateDeleteRange(d);
      if (invalid) throw invalid;
      const res = await ctx.propose({ deleteRange: d });
      if (!('deleteRange' in res)) throw new Error('delete answered with another response');
      return deleteRangeOut(res.deleteRange, (rev) => ctx.header(rev));
    },
  );
}
