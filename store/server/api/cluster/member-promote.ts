// Cluster.MemberPromote: a learner becomes a voter, once it has caught up
// with the leader (its match index within learnerReadyFraction of the
// leader's), as etcd requires. Only the leader knows how far the learner
// got, so a member that does not lead forwards the request to the one that
// does and relays its answer, as etcd 3.4 does (it forwards over the peer
// URLs; capstan calls the leader's client API).

import { etcdError, isEtcdError } from '../../../errors.js';
import { limits, requestTimeoutMs } from '../../../limits.js';
import { ConfChangeType } from '../../../raft/index.js';
import { etcdClient } from '../../../client/etcd-client.js';
import type * as w from '../../grpc/wire-types.js';
import { idIn } from '../../wire.js';
import type { ApiContext } from '../context.js';
import { unary } from '../unary.js';
import { clusterHeader, findMember, membersOut } from './members.js';
import { mayPromoteMember } from './reconfig-checks.js';

export function memberPromote(ctx: ApiContext) {
  return unary<w.MemberPromoteRequest<'in'>, w.MemberPromoteResponse<'out'>>(
    ctx.log,
    'MemberPromote',
    async (req) => {
      if (!ctx.isLeader()) return forwardToLeader(ctx, req);
      const member = findMember(ctx, idIn(req.ID));
      if (!member.isLearner) throw etcdError('MemberNotLearner');
      const progress = ctx.node.status().progress;
      const mine = progress?.get(ctx.memberId)?.match ?? 0;
      const theirs = progress?.get(member.id)?.match ?? 0;
      if (theirs < mine * limits.learnerReadyFraction) throw etcdError('LearnerNotReady');
      mayPromoteMember(ctx, member.id);
      const members = await ctx.proposeMemberChange(ConfChangeType.AddNode, {
        ...member,
        isLearner: false,
      });
      return membersOut(ctx, members);
    },
  );
}

/** The leader, once there is one, within an election timeout. */
async function awaitLeader(ctx: ApiContext): Promise<bigint> {
  const deadline = Date.now() + ctx.cfg.electionTimeoutMs;
  while (ctx.leader() === 0n && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, ctx.cfg.heartbeatIntervalMs));
  }
  const leader = ctx.leader();
  if (leader === 0n) throw etcdError('NoLeader');
  return leader;
}

async function forwardToLeader(
  ctx: ApiContext,
  req: w.MemberPromoteRequest<'in'>,
): Promise<w.MemberPromoteResponse<'out'>> {
  const leader = await awaitLeader(ctx);
  const url = ctx.mvcc.members().find((m) => m.id === leader)?.clientUrls[0];
  if (url === undefined) throw etcdError('NoLeader', 'the leader has published no client URL');
  const client = etcdClient(url);
  try {
    const res = await client.memberPromote(
      { ID: req.ID },
      requestTimeoutMs(ctx.cfg.electionTimeoutMs),
    );
    // The leader's member table, under this member's header (etcd does the same).
    return { header: clusterHeader(ctx), members: res.members };
  } catch (err) {
    if (isEtcdError(err)) throw err;
    throw etcdError('Timeout', `forwarding MemberPromote to ${url}: ${String(err)}`);
  } finally {
    client.close();
  }
}
