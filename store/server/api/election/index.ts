// etcd's Election service (v3electionpb.Election), one file per RPC, served
// through the member's client of itself (../lock/self-client.ts) as etcd
// serves it through its own client. A learner serves none of it, as in
// etcd 3.4 (learner-guard.ts).

import type { ElectionHandlers } from '../../grpc/wire-types.js';
import type { ApiContext } from '../context.js';
import { learnerGuarded } from '../learner-guard.js';
import type { SelfClient } from '../lock/self-client.js';
import { campaignRpc } from './campaign.js';
import { leaderRpc } from './leader.js';
import { observeRpc } from './observe.js';
import { proclaimRpc } from './proclaim.js';
import { resignRpc } from './resign.js';

export function electionService(ctx: ApiContext, self: SelfClient): ElectionHandlers {
  return learnerGuarded(ctx, {
    Campaign: campaignRpc(ctx, self),
    Proclaim: proclaimRpc(ctx, self),
    Leader: leaderRpc(ctx, self),
    Observe: observeRpc(ctx, self),
    Resign: resignRpc(ctx, self),
  });
}
