// KV.Put: checked against the space quota (first, as etcd's quota server
// wraps its KV server), validated, then proposed; answered once this member
// applied it.

import { validatePut } from '../../../mvcc/index.js';
import type * as w from '../../grpc/wire-types.js';
import { checkQuota, putCost } from '../../quota.js';
import { putIn, putOut } from '../../wire.js';
import type { ApiContext } from '../context.js';
import { unary } from '../unary.js';

export function put(ctx: ApiContext) {
  return unary<w.PutRequest<'in'>, w.PutResponse<'out'>>(ctx.log, 'Put', async (req) => {
    const p = putIn(req);
    await checkQuota(ctx, putCost(p));
    const invalid = validatePut(p);
    if (invalid) throw invalid;
    const res = await ctx.propose({ put: p });
    if (!('put' in res)) throw new Error('put answered with another response');
    return putOut(res.put, (rev) => ctx.header(rev));
  });
}
