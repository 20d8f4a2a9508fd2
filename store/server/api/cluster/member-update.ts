// Cluster.MemberUpdate: new peer URLs for a member.

import { ConfChangeType } from '../../../raft/index.js';
import type * as w from '../../grpc/wire-types.js';
import { idIn } from '../../wire.js';
import type { ApiContext } from '../context.js';
import { unary } from '../unary.js';
import { checkPeerUrls, checkUrlsFree, findMember, membersOut } from './members.js';

export function memberUpdate(ctx: ApiContext) {
  return unary<w.MemberUpdateRequest<'in'>, w.MemberUpdateResponse<'out'>>(
    ctx.log,
    'MemberUpdate',
    async (req) => {
      const member = findMember(ctx, idIn(req.ID));
      const urls = checkPeerUrls(req.peerURLs);
      checkUrlsFree(ctx.mvcc.members(), urls, member.id);
      const members = await ctx.proposeMemberChange(ConfChangeType.UpdateNode, {
        ...member,
        peerUrls: urls,
      });
      return membersOut(ctx, members);
    },
  );
}
