// Election.Resign: gives up leadership (or candidacy). etcd resumes the
// election from the LeaderKey and deletes the key in a txn guarded by its
// create revision, so a stale LeaderKey never deletes a newer candidate's
// key. A key that is no longer the caller's is no error: the header of the
// (failed) txn comes back, as in etcd.
//
// etcd opens a session on the LeaderKey's lease here too; it is never used
// for the delete, so capstan skips it (with lease 0 etcd would grant a
// lease that nothing uses).

import { compare, op } from '../../../client/index.js';
import { etcdError } from '../../../errors.js';
import type * as w from '../../grpc/wire-types.js';
import { idIn } from '../../wire.js';
import type { ApiContext } from '../context.js';
import { headerOut, recipeFailure } from '../lock/recipe-support.js';
import type { SelfClient } from '../lock/self-client.js';
import { unary } from '../unary.js';

export function resignRpc(ctx: ApiContext, self: SelfClient) {
  return unary<w.ResignRequest<'in'>, w.ResignResponse<'out'>>(ctx.log, 'Resign', async (req) => {
    const leader = req.leader;
    if (leader === null) throw etcdError('ElectionMissingLeaderKey');
    try {
      const result = await self.get().txn({
        if: [compare.createRevision(leader.key, '=', idIn(leader.rev))],
        then: [op.delete(leader.key)],
      });
      return { header: headerOut(result.header) };
    } catch (err) {
      throw recipeFailure(err);
    }
  });
}
