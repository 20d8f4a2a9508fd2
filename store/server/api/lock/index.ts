// etcd's Lock service (v3lockpb.Lock), one file per RPC, served through the
// member's client of itself (self-client.ts) as etcd serves it through its
// own client. A learner serves none of it, as in etcd 3.4 (learner-guard.ts).

import type { LockHandlers } from '../../grpc/wire-types.js';
import type { ApiContext } from '../context.js';
import { learnerGuarded } from '../learner-guard.js';
import { lockRpc } from './lock.js';
import type { SelfClient } from './self-client.js';
import { unlockRpc } from './unlock.js';

export { SelfClient, selfEndpoint } from './self-client.js';

export function lockService(ctx: ApiContext, self: SelfClient): LockHandlers {
  return learnerGuarded(ctx, {
    Lock: lockRpc(ctx, self),
    Unlock: unlockRpc(ctx, self),
  });
}
