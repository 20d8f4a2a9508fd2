// Lock.Unlock: deletes the key Lock answered with, letting the next waiter
// in. As in etcd it is a plain delete: a key that is already gone (released,
// or its lease ended) is no error, and nothing checks that the caller held
// it — the key names the holder's lease, which only the holder knows.

import type * as w from '../../grpc/wire-types.js';
import type { ApiContext } from '../context.js';
import { unary } from '../unary.js';
import { headerOut, recipeFailure } from './recipe-support.js';
import type { SelfClient } from './self-client.js';

export function unlockRpc(ctx: ApiContext, self: SelfClient) {
  return unary<w.UnlockRequest<'in'>, w.UnlockResponse<'out'>>(ctx.log, 'Unlock', async (req) => {
    try {
      const deleted = await self.get().delete(req.key);
      return { header: headerOut(deleted.header) };
    } catch (err) {
      throw recipeFailure(err);
    }
  });
}
