// Cluster.MemberList: this member's applied member table (etcd 3.4 serves it locally).

import type * as w from '../../grpc/wire-types.js';
import type { ApiContext } from '../context.js';
import { unary } from '../unary.js';
import { membersOut } from './members.js';

export function memberList(ctx: ApiContext) {
  return unary<w.MemberListRequest<'in'>, w.MemberListResponse<'out'>>(
    ctx.log,
    'MemberList',
    async () => membersOut(ctx, ctx.mvcc.members()),
  );
}
