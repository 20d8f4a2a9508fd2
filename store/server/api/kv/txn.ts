// KV.Txn: validated here (operation count, duplicate keys), then proposed —
// read-only transactions too, which keeps them linearizable. A Txn with
// puts is first checked against the space quota (before validation, as
// etcd's quota server wraps its KV server).

import { validateTxn } from '../../../mvcc/index.js';
import type * as w from '../../grpc/wire-types.js';
import { checkQuota, txnCost } from '../../quota.js';
import { txnIn, txnOut } from '../../wire.js';
import type { ApiContext } from '../context.js';
import { unary } from '../unary.js';

export function txn(ctx: ApiContext) {
  return unary<w.TxnRequest<'in'>, w.TxnResponse<'out'>>(ctx.log, 'Txn', async (req) => {
    const t = txnIn(req);
    await checkQuota(ctx, txnCost(t));
    const invalid = validateTxn(t);
    if (invalid) throw invalid;
    const res = await ctx.propose({ txn: t });
    if (!('txn' in res)) throw new Error('txn answered with another response');
    return txnOut(res.txn, (rev) => ctx.header(rev));
  });
}
