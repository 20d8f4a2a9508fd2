// Maintenance.Hash and HashKV: checksums members compare to find divergence.

import type * as w from '../../grpc/wire-types.js';
import { revisionIn } from '../../wire.js';
import type { ApiContext } from '../context.js';
import { unary } from '../unary.js';

export function hash(ctx: ApiContext) {
  return unary<w.HashRequest<'in'>, w.HashResponse<'out'>>(ctx.log, 'Hash', async () => {
    const revision = ctx.mvcc.currentRevision();
    return { header: ctx.header(revision), hash: await ctx.mvcc.hash() };
  });
}

export function hashKV(ctx: ApiContext) {
  return unary<w.HashKVRequest<'in'>, w.HashKVResponse<'out'>>(ctx.log, 'HashKV', async (req) => {
    const r = await ctx.mvcc.hashKV(revisionIn(req.revision));
    return { header: ctx.header(r.revision), hash: r.hash, compact_revision: r.compactRevision };
  });
}
