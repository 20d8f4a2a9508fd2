// Maintenance.Defragment, for the member that receives it (as etcd's, it
// is not replicated): gives the space of compacted revisions and deleted
// keys back to the file system, so Status's dbSize goes down and the space
// quota sees room again. level's compaction does the work on libuv's
// thread pool; other requests are served meanwhile. Answered with an empty
// response once done, as etcd's (no header).

import type * as w from '../../grpc/wire-types.js';
import type { ApiContext } from '../context.js';
import { unary } from '../unary.js';

export function defragment(ctx: ApiContext) {
  return unary<w.DefragmentRequest<'in'>, w.DefragmentResponse<'out'>>(
    ctx.log,
    'Defragment',
    async () => {
      const startedMs = Date.now();
      ctx.log.info({}, 'starting defragment');
      await ctx.mvcc.defragment();
      const dbSizeBytes = await ctx.quota.size.refresh();
      ctx.log.info({ dbSizeBytes, tookMs: Date.now() - startedMs }, 'finished defragment');
      return {};
    },
  );
}
