// Cluster.MemberPromote: a learner becomes a voter, once it has caught up
// with the leader (its match index within learnerReadyFraction of the
// leader's), as etcd requires. The readiness check needs the leader's view
// of replication; a follower that receives the request proposes it without
// the check (etcd forwards it to the leader instead).

import { etcdError } from '../../../errors.js';
import { limits } from '../../../limits.js';
import { ConfChangeType } from '../../../raft/index.js';
import type * as w from '../../grpc/wire-types.js';
import { idIn } from '../../wire.js';
import type { ApiContext } from '../context.js';
import { unary } from '../unary.js';
import { findMember, membersOut } from './members.js';

export function memberPromote(ctx: ApiContext) {
  return unary<w.MemberPromoteRequest<'in'>, w.MemberPromoteResponse<'out'>>(
    ctx.log,
    'MemberPromote',
    async (req) => {
      const member = findMember(ctx, idIn(req.ID));
      if (!member.isLearner) throw etcdError('MemberNotLearner');
      if (ctx.isLeader()) {
        const progress = ctx.node.status().progress;
        const mine = progress?.get(ctx.memberId)?.match ?? 0;
        const theirs = progress?.get(member.id)?.match ?? 0;
        if (theirs < mine * limits.learnerReadyFraction) throw etcdError('LearnerNotReady');
      }
      const members = await ctx.proposeMemberChange(ConfChangeType.AddNode, {
        ...member,
        isLearner: false,
      });
      return membersOut(ctx, members);
    },
  );
}
