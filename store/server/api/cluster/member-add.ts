// Cluster.MemberAdd: a new voter or learner. Its id is derived like etcd's
// (peer URLs, cluster token, time); it has no name until it starts and
// publishes one ("unstarted" in etcdctl member list).

import { etcdError } from '../../../errors.js';
import { limits } from '../../../limits.js';
import { ConfChangeType } from '../../../raft/index.js';
import type * as w from '../../grpc/wire-types.js';
import { memberId } from '../../ids.js';
import { memberOut } from '../../wire.js';
import type { ApiContext } from '../context.js';
import { unary } from '../unary.js';
import { checkPeerUrls, checkUrlsFree, membersOut } from './members.js';
import { mayAddMember } from './reconfig-checks.js';

export function memberAdd(ctx: ApiContext) {
  return unary<w.MemberAddRequest<'in'>, w.MemberAddResponse<'out'>>(
    ctx.log,
    'MemberAdd',
    async (req) => {
      const urls = checkPeerUrls(req.peerURLs);
      // etcd checks the cluster's health before it proposes; URL conflicts at apply.
      mayAddMember(ctx, req.isLearner);
      const current = ctx.mvcc.members();
      checkUrlsFree(current, urls);
      if (req.isLearner && current.filter((m) => m.isLearner).length >= limits.maxLearners) {
        throw etcdError('TooManyLearners');
      }
      const id = memberId(urls, ctx.cfg.initialClusterToken, Date.now());
      if (current.some((m) => m.id === id)) throw etcdError('MemberExist');
      const member = { id, name: '', peerUrls: urls, clientUrls: [], isLearner: req.isLearner };
      const type = req.isLearner ? ConfChangeType.AddLearnerNode : ConfChangeType.AddNode;
      const members = await ctx.proposeMemberChange(type, member);
      return { ...membersOut(ctx, members), member: memberOut(member) };
    },
  );
}
