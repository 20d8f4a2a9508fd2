// Election.Leader: the leader's key-value — the oldest key under `<name>/`
// — with the header of that read; none: UNKNOWN "election: no leader".

import { etcdError } from '../../../errors.js';
import { firstCreated, recipePrefix } from '../../../client/lock.js';
import type * as w from '../../grpc/wire-types.js';
import type { ApiContext } from '../context.js';
import { headerOut, keyValueOut, recipeFailure } from '../lock/recipe-support.js';
import type { SelfClient } from '../lock/self-client.js';
import { unary } from '../unary.js';

export function leaderRpc(ctx: ApiContext, self: SelfClient) {
  return unary<w.LeaderRequest<'in'>, w.LeaderResponse<'out'>>(ctx.log, 'Leader', async (req) => {
    let read;
    try {
      read = await self.get().get(recipePrefix(req.name), firstCreated);
    } catch (err) {
      throw recipeFailure(err);
    }
    const kv = read.kvs[0];
    if (kv === undefined) throw etcdError('ElectionNoLeader');
    return { header: headerOut(read.header), kv: keyValueOut(kv) };
  });
}
