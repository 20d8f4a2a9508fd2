// Cluster.MemberRemove.

import { ConfChangeType } from '../../../raft/index.js';
import type * as w from '../../grpc/wire-types.js';
import { idIn } from '../../wire.js';
import type { ApiContext } from '../context.js';
import { unary } from '../unary.js';
import { findMember, membersOut } from './members.js';
import { mayRemoveMember } from './reconfig-checks.js';

export function memberRemove(ctx: ApiContext) {
  return unary<w.MemberRemoveRequest<'in'>, w.MemberRemoveResponse<'out'>>(
    ctx.log,
    'MemberRemove',
    async (req) => {
      const member = findMember(ctx, idIn(req.ID));
      mayRemoveMember(ctx, member.id);
      const members = await ctx.proposeMemberChange(ConfChangeType.RemoveNode, member);
      return membersOut(ctx, members);
    },
  );
}
