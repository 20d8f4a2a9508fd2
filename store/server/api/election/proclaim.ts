// Election.Proclaim: the leader sets a new value. etcd resumes the election
// from the LeaderKey and puts the value in a txn guarded by the key's
// create revision; a failed guard means the caller no longer leads
// (resigned, or its lease ended): UNKNOWN "election: not leader".
//
// As in etcd the put goes under a session on the LeaderKey's lease: a lease
// that does not exist fails the put ("requested lease not found"), and
// lease 0 grants a 60 s lease that the key is then attached to.

import { compare, op } from '../../../client/index.js';
import { etcdError } from '../../../errors.js';
import type * as w from '../../grpc/wire-types.js';
import { idIn } from '../../wire.js';
import type { ApiContext } from '../context.js';
import { headerOut, orphanSession, recipeFailure } from '../lock/recipe-support.js';
import type { SelfClient } from '../lock/self-client.js';
import { unary } from '../unary.js';

export function proclaimRpc(ctx: ApiContext, self: SelfClient) {
  return unary<w.ProclaimRequest<'in'>, w.ProclaimResponse<'out'>>(
    ctx.log,
    'Proclaim',
    async (req) => {
      const leader = req.leader;
      if (leader === null) throw etcdError('ElectionMissingLeaderKey');
      let result;
      try {
        const client = self.get();
        const session = await orphanSession(client, leader.lease);
        result = await client.txn({
          if: [compare.createRevision(leader.key, '=', idIn(leader.rev))],
          then: [op.put(leader.key, req.value, { lease: session.leaseId })],
        });
      } catch (err) {
        throw recipeFailure(err);
      }
      if (!result.succeeded) throw etcdError('ElectionNotLeader');
      return { header: headerOut(result.header) };
    },
  );
}
