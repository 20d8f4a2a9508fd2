// Lock.Lock: etcd's v3lock — the concurrency Mutex recipe (store/client/
// lock.ts) run by the member for the caller, under the caller's lease
// (orphaned: the caller keeps it alive; recipe-support.ts). Answers once
// the lock is held, with the key that holds it, `<name>/<lease id hex>`;
// the key's create revision is the fencing token (docs/locks-and-elections.md).
//
// - Waiters are served in the order their keys were created; each waits
//   only for the key created right before its own.
// - The caller cancelling (or its deadline passing) removes its key from
//   the queue, as etcd's Mutex does when its wait fails.
// - The same lease asking again gets its key back (held or still queued).
// - A lease that does not exist: UNKNOWN "etcdserver: requested lease not
//   found", as etcd. Lease 0 grants a 60 s lease (etcd's session default).
// - A key that vanished while waiting (the lease expired or was revoked):
//   UNKNOWN "mutex: session is expired", as etcd 3.5 (3.4 answers success).

import { lock } from '../../../client/index.js';
import type * as w from '../../grpc/wire-types.js';
import type { ApiContext } from '../context.js';
import { unary } from '../unary.js';
import { callSignal, headerOut, orphanSession, recipeFailure } from './recipe-support.js';
import type { SelfClient } from './self-client.js';

export function lockRpc(ctx: ApiContext, self: SelfClient) {
  return unary<w.LockRequest<'in'>, w.LockResponse<'out'>>(ctx.log, 'Lock', async (req, call) => {
    const signal = callSignal(call);
    try {
      const client = self.get();
      const session = await orphanSession(client, req.lease);
      const held = await lock(client, req.name, { session, signal });
      return { header: headerOut(held.header), key: held.key };
    } catch (err) {
      throw recipeFailure(err);
    }
  });
}
