// Election.Campaign: etcd's v3election — the concurrency Election recipe
// (store/client/election.ts) run by the member for the caller, under the
// caller's lease (orphaned: the caller keeps it alive; ../lock/recipe-support.ts).
// Answers once the caller leads, with the LeaderKey that Proclaim and
// Resign take back: the name, the candidate key `<name>/<lease id hex>`,
// its create revision (the fencing token) and the lease.
//
// - Candidates lead in the order their keys were created.
// - The caller cancelling (or its deadline passing) withdraws its key.
// - The same lease campaigning again gets its key back; a new value is
//   proclaimed on it. The header is the one of the campaign's first txn.
// - A lease that does not exist: UNKNOWN "etcdserver: requested lease not
//   found", as etcd. Lease 0 grants a 60 s lease (etcd's session default).

import { strict as assert } from 'node:assert';
import { Election } from '../../../client/index.js';
import type * as w from '../../grpc/wire-types.js';
import { leaseOut } from '../../wire.js';
import type { ApiContext } from '../context.js';
import { callSignal, headerOut, orphanSession, recipeFailure } from '../lock/recipe-support.js';
import type { SelfClient } from '../lock/self-client.js';
import { unary } from '../unary.js';

export function campaignRpc(ctx: ApiContext, self: SelfClient) {
  return unary<w.CampaignRequest<'in'>, w.CampaignResponse<'out'>>(
    ctx.log,
    'Campaign',
    async (req, call) => {
      const signal = callSignal(call);
      try {
        const client = self.get();
        const session = await orphanSession(client, req.lease);
        const election = new Election(client, req.name, { session });
        await election.campaign(req.value, { signal });
        const { key, header } = election;
        assert(key !== undefined && header !== undefined, 'a won campaign has a key and a header');
        return {
          header: headerOut(header),
          leader: {
            name: req.name,
            key,
            rev: election.revision.toString(),
            lease: leaseOut(session.leaseId),
          },
        };
      } catch (err) {
        throw recipeFailure(err);
      }
    },
  );
}
